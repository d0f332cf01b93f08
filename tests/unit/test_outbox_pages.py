"""The outbox read page by page: rows on intact pages come back whatever SQLite says of the file, and a census
already delivered never comes back (overwritten on delete; on older files, left out by the last delivered sequence)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from connector.delivery.outbox import Outbox
from connector.delivery.outbox_file import SCHEMA
from connector.delivery.outbox_pages import read_pages
from connector.delivery.snapshot import pack


def old_file(path: Path, rows: int) -> list[str]:
    """An outbox written without secure_delete (as earlier versions did): its ids."""
    ids = [str(uuid.uuid4()) for _ in range(rows)]
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        for number, snapshot_id in enumerate(ids):
            body = pack([f'{{"n":{number}}}'.encode() * 2000])
            db.execute(
                "INSERT INTO snapshots (id, captured_at, created, count, status, size, body) VALUES (?,?,?,?,?,?,?)",
                (snapshot_id, "2026-11-26T10:00:00-03:00", 1.0 + number, 1, "pending", len(body), body),
            )
    return ids


def test_rows_come_back_from_a_file_whose_header_is_zeroed(tmp_path: Path) -> None:
    """Every row of a file with a zeroed header is read, by its sequence, none counted lost."""
    path = tmp_path / "outbox.sqlite3"
    ids = old_file(path, 5)
    with open(path, "r+b") as handle:
        handle.write(b"\0" * 100)
    found = read_pages(path)
    assert [found.rows[seq][0] for seq in sorted(found.rows)] == ids and found.lost == 0


def test_a_pending_row_at_or_below_the_last_delivered_sequence_is_left_out(tmp_path: Path) -> None:
    """Rows 1 and 2 were delivered (their sequence noted): a page-level read leaves them out."""
    path = tmp_path / "outbox.sqlite3"
    ids = old_file(path, 4)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO state (key, value) VALUES ('last_delivered_seq', '2')")
    found = read_pages(path)
    assert [found.rows[seq][0] for seq in sorted(found.rows)] == ids[2:]


def test_a_delivered_census_leaves_no_trace_in_the_file(tmp_path: Path) -> None:
    """A delivered census is overwritten in the file (secure_delete) and its sequence noted: its body does not stay
    on disk, and a page-level read finds only the census still waiting."""
    outbox = Outbox(tmp_path)
    bodies = [pack([os.urandom(12000).hex().encode()]) for _ in range(2)]
    ids = [str(uuid.uuid4()) for _ in bodies]
    for snapshot_id, body in zip(ids, bodies, strict=True):
        outbox.atomically(
            lambda db, i=snapshot_id, b=body: db.execute(
                "INSERT INTO snapshots (id, captured_at, created, count, status, size, body) VALUES (?,?,?,?,?,?,?)",
                (i, "x", 1.0, 1, "pending", len(b), b),
            )
        )
    outbox.write_state({"last_delivered_id": ids[0]}, delivered=ids[0])
    assert outbox.read_state("last_delivered_seq") == "1"
    outbox.atomically(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall(), write=False)
    outbox.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("outbox.sqlite3*"))
    assert bodies[0][5000:5100] not in on_disk and bodies[1][5000:5100] in on_disk
    assert [row[0] for row in read_pages(tmp_path / "outbox.sqlite3").rows.values()] == [ids[1]]
