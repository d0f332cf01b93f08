"""An outbox file that SQLite cannot open at all (cut short, its header zeroed, the table's root page zeroed) still
gives back the censuses on its intact pages, read page by page, in capture order; how many were recovered and lost
is said. A real PostgreSQL census of 400 patients (bodies on overflow pages) and a real receiver on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connector.cycle import Agent
from tests.support.hospital import Hospital, first_acceptances
from tests.support.receivers import status

QUEUED = 12


def queue(hospital: Hospital) -> tuple[list[str], Path]:
    """A dozen censuses of 400 patients waiting (API down), the file checkpointed and closed: ids, file."""
    hospital.set_patients(400)
    agent = Agent(hospital.settings(api={"retry_deadline": 0.2}))
    hospital.receiver.add(*[status(503)] * 1000)
    try:
        ids = [str(agent.cycle().snapshot_id) for _ in range(QUEUED)]
    finally:
        agent.close()
    hospital.receiver.script.clear()
    path = Path(hospital.env()["HOTELEITOS_STATE_DIR"]) / "outbox.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids, path


def layout(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'snapshots'").fetchone()[0]
    return size, pages, root


def zero_header(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.write(b"\0" * 100)


def zero_root(path: Path) -> None:
    size, _, root = layout(path)
    with open(path, "r+b") as handle:
        handle.seek(size * (root - 1))
        assert handle.read(1) == b"\x05"  # an interior page: the rows are all on the leaves below it
        handle.seek(size * (root - 1))
        handle.write(b"\0" * size)


def truncate(path: Path) -> None:
    """The last page gone, as a write cut short leaves a file: SQLite then reads nothing at all."""
    size, pages, _ = layout(path)
    with open(path, "r+b") as handle:
        handle.truncate(size * (pages - 1))


@pytest.mark.parametrize(
    ("damage", "whole"), [(zero_header, True), (zero_root, True), (truncate, False)], ids=["header", "raiz", "cortado"]
)
def test_censuses_sqlite_cannot_reach_are_salvaged_page_by_page(
    hospital: Hospital, damage: Callable[[Path], None], whole: bool
) -> None:
    """After the damage the next start recovers the censuses on intact pages (all of them when only the header or
    the root page was lost), delivers them in capture order before the fresh one, and reports recovered and lost."""
    ids, path = queue(hospital)
    damage(path)
    with capture_logs() as logs:
        agent = Agent(hospital.settings())
        try:
            report = agent.cycle()
        finally:
            agent.close()
    (recovered,) = [e for e in logs if e["event"] == "outbox_recovered"]
    delivered = first_acceptances(hospital.receiver)
    assert delivered[-1] == report.snapshot_id
    assert delivered[:-1] == [i for i in ids if i in delivered[:-1]]  # capture order
    assert recovered["salvaged"] == len(delivered) - 1 and f"{recovered['salvaged']} censo(s) recuperado(s)" in str(
        recovered["message"]
    )
    if whole:
        assert delivered[:-1] == ids and recovered["lost"] == 0
    else:
        assert 0 < recovered["salvaged"] < QUEUED and recovered["salvaged"] + recovered["lost"] == QUEUED
        assert f"{recovered['lost']} censo(s) danificado(s)" in str(recovered["message"])
    assert all(r.json()["count"] == 400 for r in hospital.receiver.accepted)
