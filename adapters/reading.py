"""What the cycle asks of a vendor's adapter, and what it gets back.

`adapters.base.Adapter` is the implementation; the cycle (`connector.cycle.Agent`) holds a `CensusReader`, so a unit
test hands the agent a fake with these two methods and the type checker holds both to the same signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Protocol

from sqlalchemy.engine import Engine

from adapters.probe import ProbeReading
from connector.census import Census


@dataclass(frozen=True)
class Reading:
    """A census read from the HIS, and how long the query and the reading took."""

    census: Census
    duration: float


class CensusReader(Protocol):
    """A HIS as the cycle reads it: the census, and the change probe's digest."""

    def read(self, engine: Engine, today: date, limit: int | None = None, *, tz: tzinfo | None = None) -> Reading:
        """The census admitted now, normalised (`limit`: at most that many rows); `SourceError` when it cannot be
        read."""
        ...

    def probe(self, engine: Engine, today: date, limit: float | None = None) -> ProbeReading:
        """A digest of the bed table (equal digests: nothing changed), `today` the capture date as for `read`, read
        within `limit` seconds; `SourceError` when it cannot be read."""
        ...
