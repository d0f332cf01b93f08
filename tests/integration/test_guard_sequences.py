"""The mass-discharge guard end to end (contract §6): sequences of censuses read from a real PostgreSQL, a real
receiver on 127.0.0.1, the outbox on disk. No partial census may reach the receiver."""

from __future__ import annotations

import time

from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from structlog.testing import capture_logs

from connector.census.changes import Changes
from connector.cycle import Agent
from tests.support.cli import run_cli
from tests.support.hospital import Hospital
from tests.support.receivers import status

FAST = {"confirm_seconds": 0}  # the sequences below are about counts; time is tested on its own


def sent_counts(hospital: Hospital) -> list[int]:
    seen: dict[str, int] = {}
    for request in hospital.receiver.accepted:
        seen.setdefault(request.headers["idempotency-key"], request.json()["count"])
    return list(seen.values())


def cycles(agent: Agent, hospital: Hospital, sizes: list[int]) -> list[bool]:
    """One cycle per size; whether each cycle's census was held."""
    held = []
    for size in sizes:
        hospital.set_patients(size)
        held.append(agent.cycle().held)
    return held


def test_flapping_sizes_send_nothing(hospital: Hospital) -> None:
    """300 delivered, then 140, 10, 149, 3: each disagrees with the first held one; not one of them is sent."""
    agent = Agent(hospital.settings(guard=FAST))
    try:
        assert cycles(agent, hospital, [300]) == [False]
        assert cycles(agent, hospital, [140, 10, 149, 3]) == [True] * 4
        assert sent_counts(hospital) == [300]
    finally:
        agent.close()


def test_baseline_is_the_newest_accepted_census_even_undelivered(hospital: Hospital) -> None:
    """100 delivered; the API goes down; 300 and 300 are kept pending; a broken read of 60 is held against 300.
    When the API comes back the two 300s go out, the 60 does not."""
    agent = Agent(hospital.settings(guard=FAST, api={"retry_deadline": 0.3}))
    try:
        assert cycles(agent, hospital, [100]) == [False]
        hospital.receiver.add(*[status(503)] * 200)
        assert cycles(agent, hospital, [300, 300, 60]) == [False, False, True]
        hospital.receiver.script.clear()
        hospital.set_patients(61)
        report = agent.cycle()
        assert report.held
        assert sent_counts(hospital) == [100, 300, 300]
    finally:
        agent.close()


def test_an_empty_census_is_never_sent_without_release(hospital: Hospital) -> None:
    """First run on an empty state: an empty census is held, cycle after cycle; `release` sends it, and only it."""
    agent = Agent(hospital.settings(guard=FAST))
    try:
        assert cycles(agent, hospital, [0] * 6) == [True] * 6
        assert sent_counts(hospital) == []
    finally:
        agent.close()
    released = run_cli("release", env=hospital.env(), cwd=hospital.folder)
    assert released.returncode == 0, released.stdout + released.stderr
    assert "5 censo(s) retido(s) mais antigo(s) descartado(s)" in released.stdout
    assert sent_counts(hospital) == [0]


def test_empty_after_full_stays_held_and_readyz_knows_why(hospital: Hospital) -> None:
    """300 delivered, then empty ten times: held every time (never auto-confirmed); `outbox` says why."""
    agent = Agent(hospital.settings(guard=FAST))
    try:
        assert cycles(agent, hospital, [300]) == [False]
        with capture_logs() as logs:
            reports = [agent.cycle() for _ in range(10) if hospital.set_patients(0) is None]
        assert all(r.held for r in reports)
        assert sent_counts(hospital) == [300]
        held = [e for e in logs if e["event"] == "census_held"]
        assert held[0]["reason"] == "empty" and held[0]["baseline"] == 300
        assert "só é enviado com `hoteleitos-connector release`" in str(reports[-1].guard_note)
    finally:
        agent.close()
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder)
    assert "10 censo(s) retido(s)" in listing.stdout and "veio vazio" in listing.stdout


def test_confirmation_sends_only_the_newest_after_the_time_span(hospital: Hospital) -> None:
    """300, then 140 four times within a second: held (confirm_seconds 2). After 2 s the next agreeing 141 confirms:
    only it is sent, the older held ones are dropped and counted."""
    agent = Agent(hospital.settings(guard={"confirm_seconds": 2}))
    try:
        assert cycles(agent, hospital, [300, 140, 140, 139, 140]) == [False, True, True, True, True]
        before = REGISTRY.get_sample_value("hoteleitos_outbox_dropped_total", {"reason": "guard_confirmed"}) or 0
        time.sleep(2.1)
        assert cycles(agent, hospital, [141]) == [False]
        assert sent_counts(hospital) == [300, 141]
        after = REGISTRY.get_sample_value("hoteleitos_outbox_dropped_total", {"reason": "guard_confirmed"})
        assert after == before + 4
        assert agent.outbox.depth()["held"] == 0
        assert cycles(agent, hospital, [140]) == [False]  # 141 is the baseline now
    finally:
        agent.close()


def test_a_failed_read_neither_confirms_nor_restarts(hospital: Hospital) -> None:
    """300, 140, a failed read, 141, 139, 140: the failure is ignored and the third further agreeing cycle confirms."""
    agent = Agent(hospital.settings(guard=FAST))
    engine = create_engine(hospital.url)
    try:
        assert cycles(agent, hospital, [300, 140]) == [False, True]
        with engine.begin() as db:
            db.execute(text("ALTER TABLE censo_teste RENAME TO censo_fora"))
        failed = agent.cycle()
        assert failed.patients is None and failed.decision is None
        with engine.begin() as db:
            db.execute(text("ALTER TABLE censo_fora RENAME TO censo_teste"))
        assert cycles(agent, hospital, [141, 139, 140]) == [True, True, False]
        assert sent_counts(hospital) == [300, 140]
    finally:
        engine.dispose()
        agent.close()


def test_back_to_normal_is_a_false_alarm(hospital: Hospital) -> None:
    """300, then 0 (held), then 300 again: the held census is dropped as a false alarm and never sent."""
    agent = Agent(hospital.settings())
    try:
        assert cycles(agent, hospital, [300, 0, 300]) == [False, True, False]
        assert sent_counts(hospital) == [300, 300]
        assert agent.outbox.depth()["held"] == 0
    finally:
        agent.close()


def test_run_once_exits_1_while_held_and_release_sends_the_newest(hospital: Hospital) -> None:
    """With real `run --once` processes: a shrink to 10 of 40 exits 1 twice; `release` sends only the newest."""
    hospital.set_patients(40)
    assert hospital.once()[0] == 0
    hospital.set_patients(10)
    assert hospital.once()[0] == 1
    hospital.set_patients(11)
    code, output, _ = hospital.once()
    assert code == 1 and "RETIDO" in output and "11 pacientes" in output
    released = run_cli("release", env=hospital.env(), cwd=hospital.folder)
    assert released.returncode == 0, released.stdout + released.stderr
    assert "(11 pacientes" in released.stdout
    assert sent_counts(hospital) == [40, 11]


def test_a_run_with_an_empty_read_is_never_confirmed(hospital: Hospital) -> None:
    """300 delivered, then 0, 0, 0 and 2s: the 2s agree with the empty reads but stay held (a source in trouble, not
    298 discharges); a census of 290, no shrink, ends the run and goes out as usual."""
    agent = Agent(hospital.settings(guard=FAST))
    try:
        assert cycles(agent, hospital, [300]) == [False]
        reports = []
        for size in [0, 0, 0, 2, 2, 2]:
            hospital.set_patients(size)
            reports.append(agent.cycle())
        assert [r.held for r in reports] == [True] * 6
        assert sent_counts(hospital) == [300]
        assert "2 pacientes, e o último censo aceito tinha 300" in str(reports[-1].guard_note)
        assert cycles(agent, hospital, [290]) == [False]
        assert sent_counts(hospital) == [300, 290]
        assert agent.outbox.depth()["held"] == 0
    finally:
        agent.close()


def discharges() -> float:
    return REGISTRY.get_sample_value("hoteleitos_census_changes_total", {"kind": "discharge"}) or 0.0


def test_change_counts_compare_accepted_censuses(hospital: Hospital) -> None:
    """300 delivered; an empty read is held: it counts no discharge (none was sent); 300 again changed nothing against
    the census the API has. A shrink to 140 counts its 160 discharges once, when it is confirmed and goes out."""
    agent = Agent(hospital.settings(guard=FAST))
    try:
        assert cycles(agent, hospital, [300]) == [False]
        before = discharges()
        hospital.set_patients(0)
        empty = agent.cycle()
        assert empty.held and empty.changes is None
        hospital.set_patients(300)
        back = agent.cycle()
        assert not back.held and back.changes == Changes()
        assert discharges() == before
        reports = []
        for _ in range(4):
            hospital.set_patients(140)
            reports.append(agent.cycle())
        assert [r.held for r in reports] == [True, True, True, False]
        assert [r.changes for r in reports] == [None, None, None, Changes(discharges=160)]
        assert discharges() == before + 160
        assert sent_counts(hospital) == [300, 300, 140]
    finally:
        agent.close()
