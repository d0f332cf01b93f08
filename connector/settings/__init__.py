"""Configuration: where each value comes from and the typed model it must fit.

loader.py       the sources in priority order (environment, .env, the incumbent's variables, YAML, defaults)
model.py        the settings model, the single source of truth for config.example.yaml
source.py       the HIS database's group (`source:`)
oracle.py       the Oracle driver's mode (`oracle:`): thin, or thick with the Oracle Client, and where it is
api.py          how the API's URL, path and header must look
schedule.py     intervals and cron expressions
rules.py        what the groups share: problems, lists, secrets given directly or in files
incumbent.py    the variables of the integrator hospitals run today (drop-in `.env`)
envfile.py      values as the operator meant them (quotes, BOMs, CRLF) and as they may be shown
environment.py  the environment and `.env` read strictly, one line per problem
urls.py         database URLs: the driver per dialect, their checks, the incumbent's DB_* parts
exposure.py     settings that expose the census or the token on the network
"""

from __future__ import annotations

from connector.settings.model import ApiSettings, GuardSettings, LogSettings, Settings
from connector.settings.rules import problem, split_list
from connector.settings.source import SourceSettings

__all__ = ["ApiSettings", "GuardSettings", "LogSettings", "Settings", "SourceSettings", "problem", "split_list"]
