"""A step of the wall clock under a running agent (an NTP correction, a VM resumed): a real `run` process whose wall
clock libfaketime moves while it runs (the monotonic clock is left alone, as on a real machine), a real PostgreSQL
census and a real receiver on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import events
from tests.support.hospital import Hospital, first_acceptances
from tests.support.processes import Agent
from tests.support.receivers import status, wait_until
from tests.support.services import unavailable

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")  # Debian's `faketime` package


@pytest.fixture
def wall_clock(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A file that sets the agent's wall-clock offset while it runs (`+0`, `-3600`, `+73h`), and the environment
    that puts the agent under it."""
    if not LIBFAKETIME.is_file():
        unavailable("libfaketime ausente: sudo apt-get install faketime (ou sudo ./scripts/test)")
    offset = tmp_path / "relogio.txt"
    offset.write_text("+0\n")
    return offset, {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "HOTELEITOS_SCHEDULE": "2s",
    }


def pending(state: Path) -> list[str]:
    """The pending censuses' ids, oldest first (none while the agent is still creating its outbox)."""
    with sqlite3.connect(state / "outbox.sqlite3", timeout=10) as db:
        try:
            rows = db.execute("SELECT id FROM snapshots WHERE status = 'pending' ORDER BY seq").fetchall()
        except sqlite3.OperationalError:  # the file exists, its tables not yet
            return []
    return [row[0] for row in rows]


def test_a_step_back_of_an_hour_does_not_stop_the_schedule(
    hospital: Hospital, wall_clock: tuple[Path, dict[str, str]], agents: list[Agent]
) -> None:
    """After the wall clock goes back 1 h, scheduled cycles go on every 2 s (not an hour later), the step is
    logged, and /readyz never shows a negative age for the last delivery."""
    offset, env = wall_clock
    agent = Agent(hospital.env(**env), hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 2, timeout=20)
    offset.write_text("-3600\n")
    before = len(hospital.receiver.accepted)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= before + 3, timeout=15), "a agenda parou"
    ready = agent.get("/readyz")
    assert ready is not None and ready.status_code == 200
    assert 0 <= ready.json()["last_delivery_age_seconds"] < 10
    assert agent.stop() == 0
    stepped = [e for e in events(agent.stdout) if e["event"] == "clock_stepped"]
    assert stepped and -3610 < float(str(stepped[0]["seconds"])) < -3590


def test_a_jump_forward_past_the_age_bound_keeps_the_backlog(
    hospital: Hospital, wall_clock: tuple[Path, dict[str, str]], agents: list[Agent]
) -> None:
    """The API is down and two censuses wait; the wall clock jumps 73 h ahead (past the 72 h age bound): when the API
    comes back, every queued census is delivered, none dropped as too old."""
    offset, env = wall_clock
    hospital.receiver.add(*[status(503)] * 10_000)
    agent = Agent(hospital.env(**env), hospital.folder)
    agents.append(agent)
    state = hospital.folder / "state"
    assert wait_until(lambda: (state / "outbox.sqlite3").exists() and len(pending(state)) >= 2, timeout=30)
    queued = pending(state)
    offset.write_text("+73h\n")
    assert wait_until(lambda: len(pending(state)) > len(queued), timeout=15)  # a census stored after the jump
    with hospital.receiver.lock:
        hospital.receiver.script.clear()
    assert wait_until(lambda: set(queued) <= set(first_acceptances(hospital.receiver)), timeout=20), (
        "censos da fila descartados pelo salto do relógio"
    )
    assert agent.stop() == 0
    assert not [e for e in events(agent.stdout) if e["event"] == "outbox_dropped"]
