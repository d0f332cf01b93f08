"""What an operator reads while something is wrong: one clock (the hospital's) in logs, `outbox` and /readyz; a
refused token named the same way everywhere with the time of the next try; /readyz naming the cause and the real
wait; every known metric series present at 0 from the start. Real processes, real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import URL

from tests.integration.test_operations import metrics, mv_url  # noqa: F401 - a fixture
from tests.integration.test_run_once import connector_env
from tests.support.cli import events, run_cli
from tests.support.processes import Agent, free_port
from tests.support.receivers import ScriptedReceiver, status, wait_until

ZONE = "America/Manaus"  # -04:00: neither UTC nor the default zone, so a wrong clock shows
TOKEN_MESSAGE = "a API recusou o token (HTTP 401): confira API_TOKEN"
HOUR = re.compile(r"próxima tentativa às (?:\d\d/\d\d )?(\d\d:\d\d:\d\d)")  # dd/mm when not today


def near(hour: str, expected: datetime, slack: float = 5) -> bool:
    """`hour` (HH:MM:SS in the hospital's zone) is `expected` give or take a few seconds."""
    for day in (expected.date() - timedelta(days=1), expected.date(), expected.date() + timedelta(days=1)):
        when = datetime.combine(day, datetime.strptime(hour, "%H:%M:%S").time(), expected.tzinfo)
        if abs((when - expected).total_seconds()) <= slack:
            return True
    return False


def test_refused_token_reads_the_same_in_logs_outbox_and_readyz(
    mv_url: URL,  # noqa: F811
    tmp_path: Path,
    agents: list[Agent],
) -> None:
    """401: /readyz, every push_paused line and `outbox` carry the same message with the next try's time in the
    hospital's zone; /readyz's wait counts down from the pause; series never hit before exist at 0."""
    zone = ZoneInfo(ZONE)
    with ScriptedReceiver([status(401)] * 1000) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="1s",
                            HOTELEITOS_API_AUTH_RETRY_INTERVAL="120", HOTELEITOS_TIMEZONE=ZONE)  # fmt: skip
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: receiver.answers.count(401) >= 1, timeout=30)
        paused_at = datetime.now(zone)
        time.sleep(2.5)  # a few cycles skipped while paused
        ready = agent.get("/readyz")
        samples = metrics(agent)
        assert agent.stop() == 0
    assert ready is not None and ready.status_code == 503
    body = ready.json()
    cause = next(r for r in body["reasons"] if TOKEN_MESSAGE in r)
    waited = int(cause.rsplit("nova tentativa em ", 1)[1].removesuffix(" s"))
    assert 110 <= waited <= 120 and body["next_try_in_seconds"] == waited
    assert body["next_try_at"].endswith("-04:00")
    retry_at = paused_at + timedelta(seconds=120)
    assert abs((datetime.fromisoformat(body["next_try_at"]) - retry_at).total_seconds()) < 5
    paused = [e for e in events(agent.stdout) if e["event"] == "push_paused"]
    assert len(paused) >= 2 and receiver.answers.count(401) == 1  # paused: no tight loop
    for event in paused:
        assert TOKEN_MESSAGE in str(event["message"])
        found = HOUR.search(str(event["message"]))
        assert found is not None and near(found.group(1), retry_at)
    assert all(str(e["timestamp"]).endswith("-04:00") for e in events(agent.stdout))
    listed = run_cli("outbox", env=env, cwd=tmp_path)
    assert TOKEN_MESSAGE in listed.stdout and "próxima tentativa às" in listed.stdout, listed.stdout
    assert re.search(r"o mais antigo guardado em \S+-04:00", listed.stdout), listed.stdout
    assert samples[("hoteleitos_push_attempts_total", (("status", "401"),))] == 1
    for never in [
        ("hoteleitos_push_attempts_total", (("status", "503"),)),
        ("hoteleitos_push_attempts_total", (("status", "error"),)),
        ("hoteleitos_cycles_total", (("result", "ok"),)),
        ("hoteleitos_cycles_total", (("result", "extract_failed"),)),
        ("hoteleitos_outbox_dropped_total", (("reason", "max_age"),)),
        ("hoteleitos_outbox_dropped_total", (("reason", "guard_false_alarm"),)),
    ]:
        assert samples[never] == 0, never


def test_readyz_names_the_last_failure_and_the_real_wait(
    mv_url: URL,  # noqa: F811
    tmp_path: Path,
    agents: list[Agent],
) -> None:
    """An API answering 503: the reason quotes it with "nova tentativa em N s", N the time to the next cycle."""
    with ScriptedReceiver([status(503)] * 1000) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="30s",
                            HOTELEITOS_API_RETRY_DEADLINE="0.5", HOTELEITOS_TIMEZONE=ZONE)  # fmt: skip
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: (r := agent.get("/readyz")) is not None and bool(r.json()["last_error"]), 30)
        first = agent.get("/readyz")
        time.sleep(2)
        later = agent.get("/readyz")
        assert agent.stop() == 0
    assert first is not None and later is not None
    reason = next(r for r in first.json()["reasons"] if "HTTP 503" in r)
    waited = int(reason.rsplit("nova tentativa em ", 1)[1].removesuffix(" s"))
    assert 20 <= waited <= 30
    assert later.json()["next_try_in_seconds"] <= waited - 1  # counts down: a real wait, not a fixed text


def test_readyz_names_a_failed_read_without_the_database(
    tmp_path: Path,
    agents: list[Agent],
) -> None:
    """A database that refuses connections: the reason says the census was not read, and why, by kind only (no
    host, no user)."""
    closed = URL.create("postgresql+psycopg", username="leitor", password="x", host="127.0.0.1",
                        port=free_port(), database="his")  # fmt: skip
    with ScriptedReceiver() as receiver:
        env = connector_env(closed, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="30s")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: (r := agent.get("/readyz")) is not None and bool(r.json()["last_error"]), 30)
        ready = agent.get("/readyz")
        samples = metrics(agent)
        assert agent.stop() == 0
    assert ready is not None
    reason = next(r for r in ready.json()["reasons"] if "censo não foi lido" in r)
    assert "nova tentativa em" in reason and "127.0.0.1" not in reason and "leitor" not in reason
    assert samples[("hoteleitos_cycles_total", (("result", "extract_failed"),))] == 1
    assert samples[("hoteleitos_cycles_total", (("result", "ok"),))] == 0


def test_run_once_names_the_refused_token_without_promising_a_next_try(
    mv_url: URL,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A one-shot run ends instead of waiting: the same message, exit 1, and no "próxima tentativa às"."""
    with ScriptedReceiver([status(403)]) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state")
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "a API recusou o token (HTTP 403): confira API_TOKEN" in done.stdout
    assert "próxima tentativa" not in done.stdout + done.stderr
