"""Delivery goes on whatever happens to the state disk: full (a real, small tmpfs), a damaged outbox file, the state
folder deleted under a running agent. A real PostgreSQL census and a real receiver on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from connector.cycle import Agent
from tests.support.cli import run_cli
from tests.support.disks import fill
from tests.support.hospital import Hospital, damage_body, first_acceptances
from tests.support.receivers import status


def test_full_state_disk_still_delivers_the_queue_and_the_fresh_census(hospital: Hospital, small_disk: Path) -> None:
    """API down for two cycles (two snapshots stored), then the disk fills up and the API comes back: the two queued
    snapshots and the census read now all reach the API, in order; the log says "disco cheio" and the folder. When
    space returns, nothing already delivered is sent again."""
    agent = Agent(hospital.settings(state_dir=str(small_disk / "estado"), api={"retry_deadline": 0.3}))
    try:
        hospital.receiver.add(*[status(503)] * 100)
        queued = [agent.cycle().snapshot_id for _ in range(2)]
        assert agent.outbox.depth()["pending"] == 2
        hospital.receiver.script.clear()
        filler = fill(small_disk)
        hospital.set_patients(26)
        with capture_logs() as logs:
            report = agent.cycle()
        delivered = first_acceptances(hospital.receiver)
        assert delivered == [*queued, report.snapshot_id]
        assert report.unstored and report.store_error is not None
        assert f"disco cheio em {small_disk / 'estado'}" in report.store_error
        assert any(e["event"] == "store_failed" and e["unstored_sent"] for e in logs)
        assert hospital.receiver.accepted[-1].json()["count"] == 26
        filler.unlink()
        hospital.set_patients(27)
        after = agent.cycle()
        assert after.ok, after.errors
        assert first_acceptances(hospital.receiver) == [*queued, report.snapshot_id, after.snapshot_id]
        assert len(hospital.receiver.accepted) == 4  # no duplicate of what was delivered while the disk was full
    finally:
        agent.close()


def stored_ids(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT id FROM snapshots ORDER BY seq")]


def test_a_damaged_body_is_quarantined_and_the_rest_goes_on(hospital: Hospital) -> None:
    """One flipped byte in a stored body: that snapshot is set aside (counted, named), the others are delivered."""
    agent = Agent(hospital.settings(api={"retry_deadline": 0.3}))
    try:
        hospital.receiver.add(*[status(503)] * 100)
        ids = [agent.cycle().snapshot_id for _ in range(3)]
        damage_body(agent.outbox.path, ids[1])
        hospital.receiver.script.clear()
        before = REGISTRY.get_sample_value("hoteleitos_outbox_quarantined_total") or 0
        with capture_logs() as logs:
            report = agent.cycle()
        assert first_acceptances(hospital.receiver) == [ids[0], ids[2], report.snapshot_id]
        assert report.round.quarantined == [ids[1]]
        assert report.depth["quarantined"] == 1
        assert REGISTRY.get_sample_value("hoteleitos_outbox_quarantined_total") == before + 1
        assert any(e["event"] == "snapshot_quarantined" and e["snapshot_id"] == ids[1] for e in logs)
    finally:
        agent.close()
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder)
    assert "quarentena" in listing.stdout and ids[1] in listing.stdout


def test_a_zeroed_page_starts_a_fresh_outbox_with_what_could_be_saved(hospital: Hospital) -> None:
    """A page of the outbox file zeroed on disk: the file is moved aside with a timestamp, a fresh outbox starts
    with every snapshot still readable, loudly (log and metric), and delivery goes on."""
    agent = Agent(hospital.settings(api={"retry_deadline": 0.3}))
    hospital.receiver.add(*[status(503)] * 100)
    try:
        ids = [agent.cycle().snapshot_id for _ in range(6)]
    finally:
        agent.close()
    path = Path(hospital.env()["HOTELEITOS_STATE_DIR"]) / "outbox.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    with open(path, "r+b") as handle:  # a page in the middle of the table, zeroed
        handle.seek(page * (pages // 2))
        handle.write(b"\0" * page)
    hospital.receiver.script.clear()
    before = REGISTRY.get_sample_value("hoteleitos_outbox_recoveries_total", {"kind": "corrupt"}) or 0
    with capture_logs() as logs:
        agent = Agent(hospital.settings())
        try:
            report = agent.cycle()
        finally:
            agent.close()
    moved = [p for p in path.parent.glob("outbox.sqlite3.corrompido-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1 and moved[0].stat().st_size > 0
    recovered = [e for e in logs if e["event"] == "outbox_recovered"]
    assert recovered and recovered[0]["kind"] == "corrupt" and recovered[0]["log_level"] == "error"
    assert REGISTRY.get_sample_value("hoteleitos_outbox_recoveries_total", {"kind": "corrupt"}) == before + 1
    delivered = first_acceptances(hospital.receiver)
    saved = recovered[0]["salvaged"]
    assert 0 < saved <= len(ids) and delivered[-1] == report.snapshot_id
    assert delivered[:-1] == [i for i in ids if i in delivered[:-1]]  # the saved ones, in capture order


@pytest.mark.parametrize("content", [b"isto nao e um banco sqlite" * 40, b"SQLite format 3\0" + b"\x07" * 50])
def test_a_garbage_or_truncated_file_does_not_stop_the_start(hospital: Hospital, content: bytes) -> None:
    """`run --once` over an outbox file that is garbage or cut short: it starts a fresh outbox, says so, delivers,
    and exits 1: whatever the damaged file held may be lost, and the operator must hear of it."""
    state = Path(hospital.env()["HOTELEITOS_STATE_DIR"])
    state.mkdir(parents=True)
    (state / "outbox.sqlite3").write_bytes(content)
    code, output, _ = hospital.once()
    assert code == 1, output
    assert "outbox_recovered" in output and "corrompido" in output
    assert list(state.glob("outbox.sqlite3.corrompido-*"))
    assert len(hospital.receiver.accepted) == 1


def test_state_folder_deleted_while_running_is_recreated_without_loss(hospital: Hospital) -> None:
    """The state folder is deleted under a running agent holding a queued snapshot: the next cycle recreates it,
    moves the queued snapshot into it and delivers both, in order; the log says what happened."""
    agent = Agent(hospital.settings(api={"retry_deadline": 0.3}))
    state = Path(hospital.env()["HOTELEITOS_STATE_DIR"])
    try:
        hospital.receiver.add(*[status(503)] * 100)
        queued = agent.cycle().snapshot_id
        shutil.rmtree(state)
        hospital.receiver.script.clear()
        with capture_logs() as logs:
            report = agent.cycle()
        assert report.ok, report.errors
        assert first_acceptances(hospital.receiver) == [queued, report.snapshot_id]
        assert (state / "outbox.sqlite3").is_file()
        vanished = [e for e in logs if e["event"] == "outbox_recovered"]
        assert vanished and vanished[0]["kind"] == "vanished" and vanished[0]["salvaged"] == 1
        assert agent.cycle().ok  # and it keeps working in the new folder
    finally:
        agent.close()
