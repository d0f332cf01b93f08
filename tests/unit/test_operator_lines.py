"""What the operator reads when things go wrong: a refused password pauses the reads and says so, /readyz
names kinds only, a defect in `check` or `preview` names the connector's own file and line (no traceback),
and settings that expose the census on the network are warned about."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.commands.cli import main
from connector.errors import SourceError
from connector.ops.cycle_report import CycleReport, ReadFailure
from connector.ops.readiness import failure_kinds
from connector.settings import ApiSettings
from connector.settings.exposure import api_warnings
from connector.source.login_backoff import AuthPause
from tests.unit.test_cycle import agent  # noqa: F401 - the fixture

BASE_ENV = {
    "HOTELEITOS_API_URL": "https://api.example.test",
    "HOTELEITOS_API_TOKEN": "t0ken-secreto",
    "HOTELEITOS_SOURCE_VENDOR": "mv",
    "HOTELEITOS_SOURCE_URL": "postgresql://leitor:senha-db@10.0.0.5:5432/mv",
}
REFUSED = SourceError("o banco (postgresql em 10.0.0.5) recusou o usuário 'leitor' ou a senha.", kind="auth")


def test_refusals_double_the_wait_up_to_the_ceiling() -> None:
    """60, 120, 240, 480, 900, 900 s: at most 8 login attempts in the first hour, 4 an hour after that."""
    pause, now, waits = AuthPause(interval=30, ceiling=900), 0.0, []
    for _ in range(6):
        pause.refused(REFUSED, now)
        waits.append(pause.until - now)
        now = pause.until
    assert waits == [60, 120, 240, 480, 900, 900]
    assert pause.waiting(now - 1) is not None and pause.waiting(now) is None
    pause.accepted()
    assert pause.waiting(0) is None and pause.refusals == 0


def test_the_agent_does_not_log_in_again_while_paused(agent: Any) -> None:  # noqa: F811 - the fixture
    """A refused password: the next cycles do not touch the database, say why, and pending censuses still go;
    once the wait is over the read is tried again, and a success ends the pause."""
    calls = []
    read = agent.adapter.read

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return read(*args, **kwargs)

    agent.adapter.read = counting
    agent.adapter.error = REFUSED
    first = agent.cycle()
    assert first.read_error.kind == "auth" and "Próxima tentativa em 60s" in first.read_error.message
    second = agent.cycle()
    assert second.read_error.kind == "auth_paused" and "em pausa" in second.read_error.message
    assert len(calls) == 1
    agent.auth_pause.until = 0.0
    agent.adapter.error = None
    assert agent.cycle().ok and len(calls) == 2 and agent.auth_pause.refusals == 0


def test_readyz_kinds_never_carry_hosts_users_or_urls() -> None:
    """The operator's messages name the host and the user; what /readyz shows does not."""
    report = CycleReport(cycle_id="x", read_error=ReadFailure.of(REFUSED))
    kinds = failure_kinds(report) or ""
    assert kinds == "leitura: auth"
    assert "10.0.0.5" not in kinds and "leitor" not in kinds
    assert failure_kinds(CycleReport(cycle_id="y")) is None


@pytest.fixture
def configured(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key, value in BASE_ENV.items():
        monkeypatch.setenv(key, value)
    previous = os.umask(0o022)
    yield clean_env
    os.umask(previous)


def test_a_defect_in_check_is_one_failed_item_naming_the_connector_s_line(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exception raised deep in the standard library (json) while checking the database: the item fails with
    the exception's type and connector/commands/check_source.py line, the other items still run, and no traceback."""
    from connector.commands import check, check_source
    from connector.commands.check import Verdict

    monkeypatch.setattr(check_source, "engine_for", lambda *_args: json.loads("{"))
    monkeypatch.setattr(check, "check_api", lambda _settings: Verdict("API HOTELEITOS", True, "ok"))
    assert main(["check"]) == 1
    output = capsys.readouterr()
    line = next(line for line in output.out.splitlines() if "Banco e consulta" in line)
    assert line.startswith("[FALHA]") and "JSONDecodeError em connector/commands/check_source.py:" in line
    assert "[OK   ] Pasta de estado" in output.out and "[OK   ] API HOTELEITOS" in output.out
    assert "Traceback" not in output.out + output.err


def test_a_defect_in_preview_names_the_connector_s_line(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same defect in `preview`: one line on stderr, exit 1, no traceback, no secret."""
    from connector.commands import preview

    monkeypatch.setattr(preview, "engine_for", lambda *_args: json.loads("{"))
    assert main(["preview"]) == 1
    output = capsys.readouterr()
    assert "Erro: falha inesperada (JSONDecodeError em connector/commands/preview.py:" in output.err
    assert "Traceback" not in output.out + output.err and "senha-db" not in output.err


@pytest.mark.parametrize(
    ("url", "verify", "warned"),
    [
        ("http://api.example.test", True, "http://"),
        ("https://api.example.test", False, "VERIFY_TLS"),
        ("http://127.0.0.1:8080", True, None),
        ("http://[::1]:8080", False, None),
        ("http://localhost", True, None),
        ("https://api.example.test", True, None),
    ],
)
def test_exposing_settings_are_warned_except_on_loopback(url: str, verify: bool, warned: str | None) -> None:
    """http:// or an unverified certificate towards another host: one warning line; loopback: none."""
    warnings = api_warnings(ApiSettings.model_validate({"url": url, "token": "t", "verify_tls": verify}))
    assert (warnings == []) if warned is None else (len(warnings) == 1 and warned in warnings[0])


def test_outbox_busy_says_so_instead_of_a_defect(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite still locked after its busy timeout (another process writing): a plain sentence, exit 1."""
    import sqlite3

    from connector.commands import outbox as outbox_cli

    def locked(*_args: Any) -> int:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(outbox_cli, "outbox_command", locked)
    assert main(["outbox", "discard", "x"]) == 1
    output = capsys.readouterr()
    assert "A fila está ocupada por outro processo do conector" in output.out
    assert "falha inesperada" not in output.err
