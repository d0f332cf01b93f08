"""One agent per state folder: a second `run` (or `run --once`) beside a running agent refuses to start, naming the
holder's PID and host, while `outbox`, `release` and `check` still work beside it. Real processes, a real PostgreSQL
census and a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import socket

from tests.support.cli import run_cli
from tests.support.hospital import Hospital
from tests.support.processes import Agent
from tests.support.receivers import wait_until


def test_a_second_agent_on_the_same_state_folder_exits_2_naming_the_first(
    hospital: Hospital, agents: list[Agent]
) -> None:
    """While one agent runs, `run --once` and `run` on its state folder exit 2 with its PID and host, reading and
    sending nothing; the read-only and one-writer commands keep working; once the first stops, the folder is free."""
    env = hospital.env(HOTELEITOS_SCHEDULE="1h")  # the first agent delivers once, at its start
    first = Agent(env, hospital.folder)
    agents.append(first)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 1, timeout=20)
    holder = json.loads((hospital.folder / "state" / "agent.lock").read_text())
    assert holder["pid"] == first.process.pid and holder["host"] == socket.gethostname()
    for command in (["run", "--once"], ["run"]):
        done = run_cli(*command, env=env, cwd=hospital.folder, timeout=60)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"PID {first.process.pid}" in done.stderr and socket.gethostname() in done.stderr
        assert len(hospital.receiver.accepted) == 1
    for command in (["outbox"], ["release"], ["check"]):
        done = run_cli(*command, env=env, cwd=hospital.folder, timeout=60)
        assert done.returncode in (0, 1) and "já está em uso" not in done.stdout + done.stderr, done.stderr
    assert first.stop() == 0
    code, output, created = hospital.once()
    assert code == 0 and created, output
