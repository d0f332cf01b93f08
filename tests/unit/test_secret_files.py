"""Secret files read again: a changed file gives new settings, one that cannot be used names its setting and keeps
the value in use, and a refused token is tried again at once when its file changed meanwhile (no pause)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.commands.configuration import settings_from_values
from connector.cycle import Agent
from connector.errors import AuthSinkError, ConfigError
from connector.settings import Settings
from connector.settings.secret_files import SecretFiles
from tests.unit.test_cycle import FakeAdapter, FakeSink


def with_token_file(tmp_path: Path, token: str) -> Settings:
    (tmp_path / "token").write_text(token + "\n", encoding="utf-8")
    return settings_from_values(
        {
            "api": {"url": "http://127.0.0.1:9", "token_file": str(tmp_path / "token")},
            "source": {"vendor": "custom", "url": f"sqlite:///{tmp_path / 'his.db'}", "query_file": __file__},
            "state_dir": str(tmp_path / "state"),
        }
    )


def test_a_changed_token_file_gives_new_settings_and_a_bad_one_keeps_the_old(tmp_path: Path) -> None:
    """Unchanged: nothing. Rewritten: the new token. Emptied: an error naming HOTELEITOS_API_TOKEN_FILE."""
    settings = with_token_file(tmp_path, "primeiro-token")
    files = SecretFiles(settings)
    assert files.look(settings).settings is None
    (tmp_path / "token").write_text("segundo-token-mais-longo\n", encoding="utf-8")
    found = files.look(settings)
    assert found.changed == ("HOTELEITOS_API_TOKEN_FILE",) and found.settings is not None
    assert found.settings.api.token is not None
    assert found.settings.api.token.get_secret_value() == "segundo-token-mais-longo"
    (tmp_path / "token").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as unusable:
        files.look(found.settings)
    assert unusable.value.problems[0].startswith("HOTELEITOS_API_TOKEN_FILE:")
    assert "segundo" not in " ".join(unusable.value.problems)


class RotatingSink(FakeSink):
    """An API that accepts one token only; the Secret holding it is rotated while the first push is on its way."""

    def __init__(self, agent: list[Agent], token_file: Path, accepts: str) -> None:
        super().__init__()
        self.agent, self.token_file, self.accepts = agent, token_file, accepts

    def push(self, snapshot: Any, deadline: float) -> Any:
        token = self.agent[0].settings.api.token
        if token is None or token.get_secret_value() != self.accepts:
            self.token_file.write_text(self.accepts + "\n", encoding="utf-8")
            raise AuthSinkError("a API recusou o token (HTTP 401).", status=401)
        return super().push(snapshot, deadline)


def test_a_refused_token_is_tried_again_at_once_when_its_file_changed(tmp_path: Path) -> None:
    """The API refuses the token and the file holds a new one by then: the census goes with it in the same cycle,
    and delivery is not paused."""
    settings = with_token_file(tmp_path, "token-velho-aaaa")
    holder: list[Agent] = []
    sink = RotatingSink(holder, tmp_path / "token", accepts="token-novo-bbbb")
    agent = Agent(settings, adapter=FakeAdapter(), sink=sink)
    holder.append(agent)
    try:
        report = agent.cycle()
    finally:
        agent.close()
    assert report.ok, report.errors
    assert len(sink.pushed) == 1 and agent.courier.paused_until == 0.0
