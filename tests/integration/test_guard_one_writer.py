"""The guard's state has one writer (contract §6): the cycle, `release` and `outbox retry|discard` change it through
the same code, each in one transaction, so a command in another process and a running cycle never undo each other.
Real PostgreSQL, a real receiver on 127.0.0.1, real `hoteleitos-connector` processes on one state folder."""

from __future__ import annotations

import sqlite3

from connector.cycle import Agent
from tests.support.cli import events, run_cli
from tests.support.hospital import Hospital
from tests.support.processes import Agent as RunningAgent
from tests.support.receivers import status, wait_until

FAST = {"confirm_seconds": 0}


def sent_counts(hospital: Hospital) -> list[int]:
    seen: dict[str, int] = {}
    for request in hospital.receiver.accepted:
        seen.setdefault(request.headers["idempotency-key"], request.json()["count"])
    return list(seen.values())


def test_outbox_retry_of_a_held_census_is_release_or_refused(hospital: Hospital) -> None:
    """300 delivered, then empty reads held. `outbox retry` of an older held one is refused with the reason and sends
    nothing; of the newest one it is `release`: it goes out, becomes the baseline, the older ones are dropped."""
    hospital.set_patients(300)
    assert hospital.once()[0] == 0
    hospital.set_patients(0)
    older = hospital.once()[2]
    code, _, second = hospital.once()
    assert code == 1
    refused = run_cli("outbox", "retry", older[0], env=hospital.env(), cwd=hospital.folder)
    code, output, newest = hospital.once()
    assert code == 1 and "RETIDO" in output
    assert sent_counts(hospital) == [300]  # the empty census did not go around the guard
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "não é o censo retido mais novo" in refused.stdout and second[0] in refused.stdout
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder).stdout
    assert "3 censo(s) retido(s)" in listing and "veio vazio" in listing
    retried = run_cli("outbox", "retry", newest[0], env=hospital.env(), cwd=hospital.folder)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"Censo retido liberado: {newest[0]} (0 pacientes" in retried.stdout
    assert "2 censo(s) retido(s) mais antigo(s) descartado(s)" in retried.stdout
    assert sent_counts(hospital) == [300, 0]
    assert hospital.once()[0] == 0  # the released empty census is the baseline: an empty read is no longer held
    assert sent_counts(hospital) == [300, 0, 0]


def test_outbox_discard_of_a_held_census_keeps_the_held_run_consistent(hospital: Hospital) -> None:
    """300 delivered, then 2 and 0 held (the 0 agrees with the 2: one run). Discarding the empty one leaves the 2
    held, and `outbox` gives the 2's reason, not the discarded census' "veio vazio"."""
    hospital.set_patients(300)
    assert hospital.once()[0] == 0
    hospital.set_patients(2)
    assert hospital.once()[0] == 1
    hospital.set_patients(0)
    code, _, empty = hospital.once()
    assert code == 1
    assert "veio vazio" in run_cli("outbox", env=hospital.env(), cwd=hospital.folder).stdout
    discarded = run_cli("outbox", "discard", empty[0], env=hospital.env(), cwd=hospital.folder)
    assert discarded.returncode == 0 and f"Censo {empty[0]} descartado" in discarded.stdout
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder).stdout
    assert "1 censo(s) retido(s)" in listing
    assert "2 pacientes, e o último censo aceito tinha 300" in listing and "veio vazio" not in listing
    assert sent_counts(hospital) == [300]


def test_a_release_at_the_instant_a_cycle_writes_is_not_undone(hospital: Hospital) -> None:
    """300 delivered, 140 held. The next cycle reads 10; the instant it starts writing its judgement, `release` runs
    in another process (the API down for it, so the 140 stays pending). The cycle does not drop the released 140:
    it judges the 10 against it, and the 140 goes out."""
    agent = Agent(hospital.settings(guard=FAST))
    releases = []

    def release_now(statement: str) -> None:
        if statement.startswith("BEGIN") and not releases:
            hospital.receiver.add(*[status(503)] * 1000)
            env = hospital.env(HOTELEITOS_API_RETRY_DEADLINE="0.5")
            releases.append(run_cli("release", env=env, cwd=hospital.folder))
            hospital.receiver.script.clear()

    try:
        for size in (300, 140):
            hospital.set_patients(size)
            agent.cycle()
        hospital.set_patients(10)
        agent.outbox._db.set_trace_callback(release_now)  # the hook: every statement the cycle's connection runs
        report = agent.cycle()
        agent.outbox._db.set_trace_callback(None)
        assert "Censo retido liberado" in releases[0].stdout, releases[0].stdout + releases[0].stderr
        assert report.held and report.baseline == 140
        assert sent_counts(hospital) == [300, 140]
        assert [e.count for e in agent.outbox.entries()] == [10]
    finally:
        agent.close()


def test_a_stored_census_goes_once_when_the_outbox_clean_up_fails(hospital: Hospital) -> None:
    """A refused census is kept (dead); the outbox is bounded to one snapshot and the disk refuses to drop the dead one
    (a trigger stands for the failure). The new census reaches the API exactly once, this cycle or a later one."""
    code, _, refused = hospital.once(status(400))
    assert code == 1
    with sqlite3.connect(hospital.folder / "state" / "outbox.sqlite3") as db:
        db.execute(
            "CREATE TRIGGER failing_disk BEFORE DELETE ON snapshots WHEN OLD.status = 'dead' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    done = run_cli("run", "--once", env=hospital.env(HOTELEITOS_OUTBOX_MAX_COUNT="1"), cwd=hospital.folder)
    census = [e["snapshot_id"] for e in events(done.stdout) if e["event"] in ("snapshot_stored", "store_failed")]
    assert len(census) == 1, done.stdout
    assert hospital.once()[0] == 0
    keys = [r.headers["idempotency-key"] for r in hospital.receiver.accepted]
    assert keys.count(census[0]) == 1
    assert refused[0] not in keys


def test_a_running_agent_says_why_it_holds_and_release_next_to_it_goes_once(
    hospital: Hospital, agents: list[RunningAgent]
) -> None:
    """`run` every second holds an empty read against 300: /readyz is 503 and says why. `release` run next to it
    sends the held census once; from then on the empty reads are accepted against it and /readyz is 200."""
    hospital.set_patients(300)
    agent = RunningAgent(hospital.env(HOTELEITOS_SCHEDULE="1s"), hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: sent_counts(hospital) == [300], timeout=30)
    hospital.set_patients(0)

    def readyz() -> str:
        answer = agent.get("/readyz")
        return "" if answer is None or answer.status_code != 503 else answer.text

    assert wait_until(lambda: "censo retido pela proteção contra altas em massa: veio vazio" in readyz(), timeout=30)
    released = run_cli("release", env=hospital.env(), cwd=hospital.folder)
    assert "Censo retido liberado" in released.stdout, released.stdout + released.stderr
    assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
    assert agent.stop() == 0
    counts = sent_counts(hospital)
    assert counts[0] == 300 and len(counts) >= 3 and set(counts[1:]) == {0}
    keys = [r.headers["idempotency-key"] for r in hospital.receiver.accepted]
    assert len(keys) == len(set(keys))
