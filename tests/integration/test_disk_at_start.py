"""The agent starts on a state disk that is full or read-only (a real small tmpfs, remounted read-only): it delivers
what was queued, sends the census it reads now from memory, and says what is wrong with which folder. A real
PostgreSQL census and a real receiver on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connector.cycle import Agent as CycleAgent
from tests.support.cli import events
from tests.support.disks import fill, read_only
from tests.support.hospital import Hospital, first_acceptances
from tests.support.processes import Agent
from tests.support.receivers import status, wait_until


def queue_two(hospital: Hospital, state: Path) -> list[str]:
    """Two `run --once` while the API answers 503: two censuses wait in the outbox; their ids."""
    queued: list[str] = []
    for _ in range(2):
        code, output, created = hospital.once(*[status(503)] * 20, HOTELEITOS_STATE_DIR=str(state))
        assert code == 1, output
        queued += created
    with hospital.receiver.lock:
        hospital.receiver.script.clear()
    return queued


@pytest.mark.parametrize("fault", ["cheio", "somente leitura"])
def test_run_once_on_a_full_or_read_only_state_disk_delivers_queue_and_fresh_census(
    hospital: Hospital, small_disk: Path, fault: str
) -> None:
    """`run --once` on a state disk that is full, or read-only: no "configuração inválida", the two queued censuses
    and the one read now all reach the API in order, and the output names the fault and the folder."""
    state = small_disk / "estado"
    queued = queue_two(hospital, state)
    if fault == "cheio":
        fill(small_disk)
    else:
        read_only(small_disk)
    code, output, _ = hospital.once(HOTELEITOS_STATE_DIR=str(state))
    assert "Configuração inválida" not in output
    delivered = first_acceptances(hospital.receiver)
    assert delivered[:2] == queued and len(delivered) == 3, output
    assert hospital.receiver.accepted[-1].json()["count"] == 25
    assert f"disco {fault}" in output and str(state) in output
    assert code == 1  # nothing of it could be noted on disk: the next start sends it again (same Idempotency-Key)


def test_run_on_a_read_only_state_disk_keeps_pushing_fresh_censuses(
    hospital: Hospital, small_disk: Path, agents: list[Agent]
) -> None:
    """The agent (`run`) started on a read-only state disk stays up: every cycle's census goes out from memory,
    /readyz stays 200 while they do, and the queued ones are not sent twice by the same process."""
    state = small_disk / "estado"
    queued = queue_two(hospital, state)
    read_only(small_disk)
    agent = Agent(hospital.env(HOTELEITOS_STATE_DIR=str(state), HOTELEITOS_SCHEDULE="1s"), hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 5, timeout=30), agent.process.poll()
    assert agent.status("/readyz") == 200
    assert agent.stop() == 0
    delivered = first_acceptances(hospital.receiver)
    assert delivered[:2] == queued and len(delivered) == len(hospital.receiver.accepted)
    stored = [e for e in events(agent.stdout) if e["event"] == "store_failed"]
    assert stored and "somente leitura" in str(stored[0]["message"]) and str(state) in str(stored[0]["message"])


def test_an_outbox_opened_on_a_full_disk_takes_writes_again_when_space_returns(
    hospital: Hospital, small_disk: Path
) -> None:
    """Started on a full disk, the outbox is read-only and says so; once space returns, the next cycle stores its
    census again (nothing left pending) and the outbox is writable."""
    state = small_disk / "estado"
    queue_two(hospital, state)
    filler = fill(small_disk)
    with capture_logs() as logs:
        agent = CycleAgent(hospital.settings(state_dir=str(state)))
    try:
        assert agent.outbox.read_only == "disco cheio"
        assert any(e["event"] == "outbox_read_only" and str(state) in e["message"] for e in logs)
        full = agent.cycle()
        assert full.unstored and full.store_error is not None and "disco cheio" in full.store_error
        filler.unlink()
        again = agent.cycle()
        assert agent.outbox.read_only is None
        assert again.store_error is None and again.ok, again.errors
        assert first_acceptances(hospital.receiver)[-1] == again.snapshot_id
    finally:
        agent.close()
