"""The login pause outlives the process: a restart goes on with the wait and the count of refusals the last run
stored, for the same database settings only; the stored file never holds the password; /readyz and the status
page say when the next read comes. And PostgreSQL's TLS: which failures let a session without TLS follow."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from connector.commands.configuration import settings_from_values
from connector.errors import SourceError
from connector.ops.health import Readiness
from connector.settings.urls import source_url
from connector.source.login_backoff import AuthPause, remembered
from connector.source.pause_file import FILE, Kept, PauseFile
from connector.source.pg_tls import before_login, managed
from tests.unit.test_cycle import agent  # noqa: F401 - the fixture

REFUSED = SourceError("o banco (postgresql em 10.0.0.5) recusou o usuário 'leitor' ou a senha.", kind="auth")
EXPIRED = SourceError(
    "o servidor Oracle (10.0.0.7) respondeu, mas a senha do usuário expirou.",
    kind="password_expired",
    detail="ORA-28001",
)
SECRET = "s3nha-antiga-4f"


def settings_for(tmp_path: Path, password: str = SECRET, client: str = "auto") -> Any:
    return settings_from_values(
        {
            "api": {"url": "https://api.example.test", "token": "t0ken"},
            "source": {"vendor": "mv", "url": f"postgresql://leitor:{password}@10.0.0.5:5432/mv"},
            "oracle": {"client": client},
            "state_dir": str(tmp_path),
        }
    )


def restarted(tmp_path: Path, **changed: str) -> AuthPause:
    """The pause of a new process on the same state folder, with these settings."""
    settings = settings_for(tmp_path, **changed)
    pause = AuthPause(30, 900)
    pause.remember(remembered(tmp_path, settings.source, settings.oracle))
    return pause


def test_a_restart_goes_on_with_the_pause(tmp_path: Path) -> None:
    """Refused twice (60 s, then 120 s): a restart waits what is left of the 120 s and the next refusal waits 240 s;
    a login accepted removes the file."""
    first = restarted(tmp_path)
    first.refused(REFUSED)
    first.refused(REFUSED)
    second = restarted(tmp_path)
    paused = second.waiting()
    assert paused is not None and paused.kind == "auth_paused" and second.refusals == 2
    assert 110 < second.until - time.monotonic() <= 120
    resumes = second.resumes_at()
    assert resumes is not None and 110 < resumes - time.time() <= 120
    assert "Próxima tentativa em 240s" in second.refused(REFUSED).message
    second.accepted()
    assert not (tmp_path / FILE).exists()
    assert restarted(tmp_path).waiting() is None


def test_other_settings_try_at_once(tmp_path: Path) -> None:
    """Another password, or another Oracle driver mode, is not paused by the refusal of the old one."""
    restarted(tmp_path).refused(REFUSED)
    assert restarted(tmp_path, password="s3nha-nova-77").waiting() is None
    assert restarted(tmp_path, client="thick").waiting() is None
    assert restarted(tmp_path).waiting() is not None


def test_a_refusal_only_an_operator_fixes_is_stored_with_its_message(tmp_path: Path) -> None:
    """An expired Oracle password: the restarted agent still says why it waits."""
    restarted(tmp_path).refused(EXPIRED)
    paused = restarted(tmp_path).waiting()
    assert paused is not None and paused.kind == "password_expired_paused"
    assert "a senha do usuário expirou" in paused.message and paused.detail == "ORA-28001"


def test_the_file_holds_no_password_and_a_bad_one_is_ignored(tmp_path: Path) -> None:
    """The stored settings are a salted digest, not the URL; a damaged or foreign file pauses nothing."""
    restarted(tmp_path).refused(REFUSED)
    stored = (tmp_path / FILE).read_text(encoding="utf-8")
    assert SECRET not in stored and "10.0.0.5:5432" not in stored
    (tmp_path / FILE).write_text("{não é json", encoding="utf-8")
    assert restarted(tmp_path).waiting() is None
    (tmp_path / FILE).write_text('{"salt": "zz", "settings": "00", "pause": {}}', encoding="utf-8")
    assert restarted(tmp_path).waiting() is None


def test_a_stored_pause_never_waits_past_the_ceiling(tmp_path: Path) -> None:
    """A pause stored for far in the future (a wall clock stepped back since) waits the ceiling at most."""
    settings = settings_for(tmp_path)
    kept = remembered(tmp_path, settings.source, settings.oracle)
    kept.save(Kept(refusals=5, until=time.time() + 86_400, kind="auth", message=REFUSED.message))
    pause = AuthPause(30, 900)
    pause.remember(kept)
    assert pause.refusals == 5 and pause.until - time.monotonic() <= 900


def test_a_disk_that_takes_no_write_only_forgets(tmp_path: Path) -> None:
    """The state folder gone: the pause works in memory, nothing raises."""
    kept = PauseFile(tmp_path / "sumiu", "x")
    pause = AuthPause(30, 900)
    pause.remember(kept)
    pause.refused(REFUSED)
    assert pause.waiting() is not None
    pause.accepted()


def test_the_agent_keeps_its_pause_in_the_state_folder(agent: Any) -> None:  # noqa: F811 - the fixture
    """A refused cycle stores the pause beside the outbox, and its failure says when reads resume."""
    agent.adapter.error = REFUSED
    report = agent.cycle()
    assert (agent.settings.state_dir / FILE).is_file()
    assert report.read_error.resumes_at is not None and 55 < report.read_error.resumes_at - time.time() <= 60
    paused = agent.cycle().read_error
    assert paused.kind == "auth_paused" and paused.resumes_at is not None


def test_readyz_says_when_the_next_read_comes(tmp_path: Path) -> None:
    """While reads wait after a refused login, /readyz names the next read, not only the next cycle."""
    readiness = Readiness(settings_for(tmp_path))
    readiness.update(
        delivered=False,
        depth={},
        error="leitura: auth_paused",
        cause="o censo não foi lido",
        read_resumes_at=time.time() + 300,
    )
    ready, body = readiness.verdict()
    assert not ready
    assert 295 <= body["next_read_in_seconds"] <= 300 and body["next_read_at"] is not None
    assert any("leitura do banco em pausa depois de um login recusado" in reason for reason in body["reasons"])
    readiness.update(delivered=True, depth={}, error=None)
    assert readiness.verdict()[1]["next_read_at"] is None


@pytest.mark.parametrize(
    ("message", "follows"),
    [
        (
            'connection to server at "10.0.0.5", port 5432 failed: server does not support SSL, but SSL was required',
            True,
        ),
        ("connection to server failed: SSL error: unsupported protocol", True),
        ("connection to server failed: SSL SYSCALL error: EOF detected", True),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "leitor", database "mv", SSL encryption', True),
        ('FATAL:  nenhuma entrada no pg_hba.conf para máquina "10.0.0.9", usuário "leitor", SSL habilitado', True),
        ('FATAL:  password authentication failed for user "leitor"', False),
        ('FATAL:  autenticação do tipo senha falhou para o usuário "leitor"', False),
        ('FATAL:  LDAP authentication failed for user "leitor"', False),
        ('FATAL:  database "mv" does not exist', False),
        ('connection to server at "10.0.0.5", port 5432 failed: Connection refused', False),
        ("connection to server failed: timeout expired", False),
    ],
)
def test_what_lets_a_session_without_tls_follow(message: str, follows: bool) -> None:
    """Only a TLS session that failed before any password was checked is tried again without TLS."""
    assert before_login(Exception(message)) is follows


@pytest.mark.parametrize(
    ("url", "environment", "chosen"),
    [
        ("postgresql://u:p@h/db", None, True),
        ("postgresql://u:p@h/db?sslmode=prefer", None, True),
        ("postgresql://u:p@h/db?sslmode=require", None, False),
        ("postgresql://u:p@h/db?sslmode=disable", None, False),
        ("postgresql://u:p@h/db?sslmode=verify-full", None, False),
        ("postgresql://u:p@h/db", "verify-ca", False),
        ("postgresql://u:p@h/db", "prefer", True),
    ],
)
def test_which_urls_the_connector_chooses_tls_for(
    url: str, environment: str | None, chosen: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sslmode (in the URL or PGSSLMODE), or prefer: the connector's choice; any other: the hospital's."""
    if environment is None:
        monkeypatch.delenv("PGSSLMODE", raising=False)
    else:
        monkeypatch.setenv("PGSSLMODE", environment)
    assert managed(source_url(url)) is chosen
