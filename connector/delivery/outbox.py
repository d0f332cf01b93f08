"""The durable outbox: every snapshot is on disk before its push and leaves only after a 2xx.

One SQLite file under the state directory (WAL, synchronous=FULL): a process killed at any instant
finds on restart every snapshot it had not delivered, with its original id (the Idempotency-Key).

Statuses: `pending` (waiting for delivery), `held` (kept back by the mass-discharge guard), `dead` (refused by
the API with a 4xx; kept with the answer for the operator, never re-sent alone) and `quarantined` (its stored
body was damaged on disk and cannot be read back; kept for inspection, never sent). A damaged or vanished file
is replaced by a fresh one holding everything that could be salvaged (see `connector.delivery.outbox_file`).

Snapshots come in, and held ones change, only through `connector.delivery.guard_state` (the guard's one writer,
on `Outbox.atomically`); the methods here never touch a held snapshot.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from connector.delivery.outbox_file import (
    Recovery,
    connect,
    disk_trouble,
    identity,
    is_damage,
    move_aside,
    open_read_only,
    salvage,
    salvage_pages,
)
from connector.delivery.snapshot import Snapshot, repack
from connector.errors import ConfigError

_COLUMNS = "seq, id, captured_at, created, count, status, attempts, last_status, last_error, size"


@dataclass(frozen=True)
class Entry:
    """A snapshot's metadata: what may be shown to an operator (never the census itself)."""

    seq: int
    id: str
    captured_at: str
    created: float
    count: int
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    size: int


def read_entries(db: sqlite3.Connection, *statuses: str) -> list[Entry]:
    """Entries in capture order, of the given statuses (all when none is given)."""
    where = f"WHERE status IN ({','.join('?' * len(statuses))})" if statuses else ""
    rows = db.execute(f"SELECT {_COLUMNS} FROM snapshots {where} ORDER BY seq", statuses).fetchall()
    return [Entry(*row) for row in rows]


def read_entry(db: sqlite3.Connection, snapshot_id: str) -> Entry | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    return Entry(*row) if row else None


def insert(db: sqlite3.Connection, snapshot: Snapshot, status: str, created: float) -> None:
    """Write a snapshot's row, its body as stored (compressed), part by part: a large census is never copied whole
    (binding it would make SQLite copy it)."""
    size = snapshot.packed_size
    row = db.execute(
        "INSERT INTO snapshots (id, captured_at, created, count, status, size, body) VALUES (?,?,?,?,?,?,zeroblob(?))",
        (snapshot.id, snapshot.captured_at, created, snapshot.count, status, size, size),
    ).lastrowid
    assert row is not None
    with db.blobopen("snapshots", "body", row) as blob:
        for part in snapshot.packed:
            blob.write(part)


def over_bounds(
    entries: list[Entry], *, max_count: int, max_age: float, max_bytes: int, now: float
) -> list[tuple[Entry, str]]:
    """The oldest entries that must go so that the outbox fits its bounds, each with the bound it broke."""
    doomed: list[tuple[Entry, str]] = [(e, "max_age") for e in entries if now - e.created > max_age]
    aged = {e.id for e, _ in doomed}
    kept = [e for e in entries if e.id not in aged]
    while len(kept) > max_count:
        doomed.append((kept.pop(0), "max_count"))
    total = sum(e.size for e in kept)
    while kept and total > max_bytes and len(kept) > 1:
        entry = kept.pop(0)
        total -= entry.size
        doomed.append((entry, "max_bytes"))
    return doomed


def write_state(db: sqlite3.Connection, values: dict[str, str | None]) -> None:
    """Store (or, with None, forget) state values, inside the caller's transaction."""
    for key, value in values.items():
        if value is None:
            db.execute("DELETE FROM state WHERE key = ?", (key,))
        else:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))


def peek_state(state_dir: Path, keys: tuple[str, ...]) -> dict[str, str] | None:
    """Values of the outbox's state, read without writing anything (no recovery, no new file, no journal): for
    commands that only look. None when there is no readable outbox."""
    path = state_dir / "outbox.sqlite3"
    if not path.is_file():
        return None
    try:
        database = open_read_only(path)
    except sqlite3.Error:
        return None
    try:
        marks = ",".join("?" * len(keys))
        rows = database.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", keys).fetchall()
    except sqlite3.Error:
        return None
    finally:
        database.close()
    return dict(rows)


class CorruptSnapshotError(Exception):
    """A stored body that cannot be read back (its bytes were damaged on disk): it goes to quarantine."""

    def __init__(self, snapshot_id: str) -> None:
        super().__init__(snapshot_id)
        self.snapshot_id = snapshot_id


T = TypeVar("T")
P = ParamSpec("P")


def _recovering(method: Callable[Concatenate[Outbox, P], T]) -> Callable[Concatenate[Outbox, P], T]:
    """Run an outbox operation; if SQLite finds the file damaged, start over from what can be salvaged and try once
    more (the damage is reported through `Outbox.recoveries`)."""

    @functools.wraps(method)
    def wrapper(self: Outbox, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as error:
                if not is_damage(error):
                    raise
                self._replace("corrupt")
                return method(self, *args, **kwargs)

    return wrapper


class Outbox:
    """Snapshots waiting for the API, and the little state that must survive a restart."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "outbox.sqlite3"
        self._lock = threading.RLock()
        self.recoveries: list[Recovery] = []  # times the outbox had to start over; the cycle reports them
        self.read_only: str | None = None  # why the outbox was opened read-only (`disco cheio`...), None when not
        try:
            self._db = self._open()
        except (OSError, sqlite3.Error) as error:
            trouble = disk_trouble(state_dir)
            if trouble is None:
                raise ConfigError(
                    [
                        f"HOTELEITOS_STATE_DIR (state_dir): a pasta {state_dir} não pode guardar a fila de envio "
                        f"({type(error).__name__}); confira se existe, se é gravável pelo usuário do conector (uid "
                        "10001 na imagem) e se o volume está montado."
                    ]
                ) from None
            self._db, self.read_only = open_read_only(self.path), trouble
        self._identity = identity(self.path)

    def _open(self) -> sqlite3.Connection:
        """The outbox for reading and writing; a damaged file is replaced by what it still holds."""
        try:
            return connect(self.path)
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise
            return self._start_over("corrupt", None)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def ensure(self) -> None:
        """Each cycle: if the file on disk is no longer the one open (the state folder was deleted, or its volume
        unmounted), recreate it and move into it everything the open connection can still read."""
        with self._lock:
            if self.read_only is not None:
                self._writable_again()
            elif identity(self.path) != self._identity:
                self._replace("vanished")

    def _writable_again(self) -> None:
        """An outbox opened read-only at start: open it for writing once the disk takes writes again."""
        try:
            writable = self._open()
        except (OSError, sqlite3.Error):
            self.read_only = disk_trouble(self.state_dir) or self.read_only
            return
        with contextlib.suppress(sqlite3.Error):  # it read the same file (or, with no file at start, held nothing)
            self._db.close()
        self._db, self.read_only, self._identity = writable, None, identity(self.path)

    def take_recoveries(self) -> list[Recovery]:
        with self._lock:
            taken, self.recoveries = self.recoveries, []
        return taken

    def _replace(self, kind: str) -> None:
        old = self._db
        self._db = self._start_over(kind, old)
        with contextlib.suppress(sqlite3.Error):
            old.close()
        self._identity = identity(self.path)

    def _start_over(self, kind: str, old: sqlite3.Connection | None) -> sqlite3.Connection:
        """A fresh outbox at the usual path, holding what `old` (or the damaged file moved aside) still reads."""
        now = time.time()
        moved = move_aside(self.path, now) if kind == "corrupt" else None
        fresh = connect(self.path)
        source = old
        if source is None and moved is not None:
            with contextlib.suppress(sqlite3.Error):
                source = sqlite3.connect(f"file:{moved}?mode=ro", uri=True)
        saved = salvage(source, fresh) if source is not None else 0
        if old is None and source is not None:
            source.close()
        lost = 0
        if moved is not None:  # what SQLite could not reach: read page by page
            found, lost = salvage_pages(moved, fresh)
            saved += found
        self.recoveries.append(Recovery(kind, moved, saved, now, lost))
        return fresh

    @_recovering
    def atomically(self, work: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """Run `work` on the outbox's connection in one transaction: with `write`, BEGIN IMMEDIATE takes the write
        lock before `work` reads anything, so no other process writes between its reads and its writes (they wait
        for the commit); without, a consistent read. An exception from `work` rolls everything back."""
        with self._lock, self._transaction("IMMEDIATE" if write else "DEFERRED"):
            return work(self._db)

    @_recovering
    def entries(self, *statuses: str) -> list[Entry]:
        """Entries in capture order, of the given statuses (all when none is given)."""
        with self._lock:
            return read_entries(self._db, *statuses)

    @_recovering
    def get(self, snapshot_id: str) -> Entry | None:
        with self._lock:
            return read_entry(self._db, snapshot_id)

    @_recovering
    def packed(self, snapshot_id: str) -> bytes:
        """The stored body gzip-compressed (sent so with HOTELEITOS_API_GZIP, else decompressed as it goes): checked
        whole first, converted when an earlier version stored it as zlib; `CorruptSnapshotError` when it was damaged
        on disk."""
        with self._lock:
            row = self._db.execute("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        if row is None:
            raise KeyError(snapshot_id)
        try:
            return repack(row[0])
        except zlib.error:
            raise CorruptSnapshotError(snapshot_id) from None

    @_recovering
    def response_body(self, snapshot_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT response_body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        return row[0] if row else None

    @_recovering
    def attempted(self, snapshot_id: str, status: int | None, error: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE snapshots SET attempts = attempts + 1, last_status = ?, last_error = ? WHERE id = ?",
                (status, error, snapshot_id),
            )

    @_recovering
    def set_status(self, snapshot_ids: Iterable[str], status: str, response_body: str | None = None) -> int:
        """Set the status of snapshots that are not held (a held one leaves the guard only through
        `guard_state.release`); how many changed."""
        with self._lock:
            cursor = self._db.executemany(
                "UPDATE snapshots SET status = ?, response_body = COALESCE(?, response_body) "
                "WHERE id = ? AND status != 'held'",
                [(status, response_body, i) for i in snapshot_ids],
            )
            return cursor.rowcount

    @_recovering
    def depth(self) -> dict[str, int]:
        """How many snapshots of each status are kept."""
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM snapshots GROUP BY status").fetchall()
        return {"pending": 0, "held": 0, "dead": 0, "quarantined": 0, **dict(rows)}

    @_recovering
    def read_state(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @_recovering
    def write_state(self, values: dict[str, str | None], *, delivered: str | None = None) -> None:
        """Store (or, with None, forget) several delivery values in one transaction; with `delivered`, that
        snapshot (sent, so never a held one) leaves the outbox in the same transaction (a crash cannot separate the
        two). The guard's values are written by `connector.delivery.guard_state` only."""
        with self._lock, self._transaction():
            if delivered is not None:  # its sequence noted first: a salvage never sends it again
                self._db.execute(
                    "INSERT OR REPLACE INTO state (key, value) SELECT 'last_delivered_seq', seq FROM snapshots "
                    "WHERE id = ? AND status != 'held'",
                    (delivered,),
                )
                self._db.execute("DELETE FROM snapshots WHERE id = ? AND status != 'held'", (delivered,))
            write_state(self._db, values)

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[None]:
        self._db.execute(f"BEGIN {mode}")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # the first error is the one to report
                self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
