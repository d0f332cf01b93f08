"""The SQLite file behind the outbox: opening it, telling it is sound, and saving what can be read when it is not.

A state disk that takes no write at start (full, read-only, not writable by the connector's user) does not stop
the agent: the outbox is opened read-only (`open_read_only`), what it holds is still delivered, each cycle's census
goes out from memory, and every cycle says why it could not be kept (`disk_trouble`) until the disk takes writes
again.

A file SQLite cannot use (garbage, truncated, a zeroed page) is moved aside with a timestamp and a fresh outbox
starts; every snapshot that can still be read from the damaged file is copied into the new one first. The same
salvage runs when the state folder vanished under a running agent (deleted, or its volume unmounted): the open
connection still reads the old file, so nothing it held is lost.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from connector.delivery.outbox_pages import read_pages

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    captured_at TEXT NOT NULL,
    created REAL NOT NULL,
    count INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    response_body TEXT,
    size INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_status ON snapshots (status, seq);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_ROW = "seq, id, captured_at, created, count, status, attempts, last_status, last_error, response_body, size, body"
DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


@dataclass(frozen=True)
class Recovery:
    """The outbox had to start over: why (`corrupt`: the file was damaged; `vanished`: the state folder or the
    file disappeared under the agent), where the damaged file went, how many snapshots were saved."""

    kind: str
    moved_to: Path | None
    salvaged: int
    at: float
    lost: int = 0  # snapshots seen in the damaged file that could not be read back


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is damaged (as opposed to full, locked or unreachable)."""
    return getattr(error, "sqlite_errorname", "") in DAMAGED or "malformed" in str(error)


def is_full(error: BaseException) -> bool:
    """Whether the disk (or the file's quota) is full."""
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(error)
    return isinstance(error, OSError) and error.errno == 28  # ENOSPC


def is_read_only(error: BaseException) -> bool:
    """Whether the write failed because the file or its disk takes no write (read-only mount, no permission)."""
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "").startswith("SQLITE_READONLY") or "readonly" in str(error)
    return isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


def disk_trouble(folder: Path) -> str | None:
    """Why `folder` (or, when it does not exist, the nearest folder above it) takes no write, as the operator reads
    it: `disco cheio`, `disco somente leitura`, `sem permissão de gravação`; None when nothing is seen wrong."""
    where = folder
    while not where.exists() and where != where.parent:
        where = where.parent
    if not where.is_dir():  # a file where a folder should be: a setting to fix, not a disk in trouble
        return None
    try:
        found = os.statvfs(where)
    except OSError:
        return None
    if found.f_flag & os.ST_RDONLY:
        return "disco somente leitura"
    if found.f_bavail == 0:
        return "disco cheio"
    if not os.access(where, os.W_OK | os.X_OK):
        return "sem permissão de gravação"
    return None


def open_read_only(path: Path) -> sqlite3.Connection:
    """The outbox at `path` for reading only (an empty one in memory when there is no file): what is queued can
    still be delivered; every write fails as on a read-only file (SQLITE_READONLY)."""
    if path.is_file():
        for options in ("mode=ro", "mode=ro&immutable=1"):  # immutable: a WAL file whose -shm cannot be made
            uri = f"file:{path}?{options}"
            database = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            try:
                database.execute("SELECT COUNT(*) FROM snapshots").fetchone()
            except sqlite3.Error:
                database.close()
                continue
            return database
    database = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    database.executescript(SCHEMA)
    database.execute("PRAGMA query_only = ON")
    return database


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the outbox at `path` and check it; `sqlite3.DatabaseError` when it is damaged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        database.execute("PRAGMA journal_mode = WAL")
        database.execute("PRAGMA synchronous = FULL")
        # A deleted census is overwritten, not left on a freed page: no patient data lingers in the file, and a
        # salvage page by page never finds a census that was already delivered.
        database.execute("PRAGMA secure_delete = ON")
        database.executescript(SCHEMA)
        verdict = database.execute("PRAGMA quick_check").fetchone()
    except BaseException:
        database.close()
        raise
    if verdict is None or verdict[0] != "ok":
        database.close()
        raise sqlite3.DatabaseError("database disk image is malformed (quick_check)")
    return database


def identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode (None when it is gone): a different one means it is no longer our file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def move_aside(path: Path, now: float) -> Path:
    """Keep a damaged file (and its journal) for inspection, out of the way of a fresh outbox."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now))
    target = path.with_name(f"{path.name}.corrompido-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{target}{suffix}")
    return target


def salvage(source: sqlite3.Connection, target: sqlite3.Connection) -> int:
    """Copy into `target` every snapshot and state value `source` can still read; returns the snapshots copied."""
    copied = 0
    try:
        seqs = [row[0] for row in source.execute("SELECT seq FROM snapshots ORDER BY seq")]
    except sqlite3.Error:
        seqs = list(range(1, _largest_seq(source) + 1))
    for seq in seqs:
        try:
            row = source.execute(f"SELECT {_ROW} FROM snapshots WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                continue
            target.execute(f"INSERT OR IGNORE INTO snapshots ({_ROW}) VALUES ({','.join('?' * 12)})", row)
            copied += 1
        except sqlite3.Error:
            continue  # this row sits on a damaged page: the others still count
    with contextlib.suppress(sqlite3.Error):
        for key, value in source.execute("SELECT key, value FROM state"):
            target.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))
    return copied


def salvage_pages(moved: Path, target: sqlite3.Connection) -> tuple[int, int]:
    """Copy into `target` the snapshots and state values SQLite could not reach in the damaged file `moved`, read
    page by page (see `connector.delivery.outbox_pages`), each under its original sequence so that the capture
    order holds; (snapshots copied, snapshots lost)."""
    found = read_pages(moved)
    copied = 0
    for seq in sorted(found.rows):
        cursor = target.execute(
            f"INSERT OR IGNORE INTO snapshots ({_ROW}) VALUES ({','.join('?' * 12)})", (seq, *found.rows[seq])
        )
        copied += cursor.rowcount
    for key, value in found.state.items():
        target.execute("INSERT OR IGNORE INTO state (key, value) VALUES (?, ?)", (key, value))
    return copied, found.lost


def _largest_seq(source: sqlite3.Connection) -> int:
    try:
        row = source.execute("SELECT seq FROM sqlite_sequence WHERE name = 'snapshots'").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0
