"""The durable outbox: every snapshot is on disk before its push and leaves only after a 2xx.

One SQLite file under the state directory (WAL, synchronous=FULL): a process killed at any instant
finds on restart every snapshot it had not delivered, with its original id (the Idempotency-Key).

Statuses: `pending` (waiting for delivery), `held` (kept back by the mass-discharge guard) and
`dead` (refused by the API with a 4xx; kept with the answer for the operator, never re-sent alone).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connector.errors import ConfigError
from connector.guard import GuardState, Held
from connector.snapshot import Snapshot

_SCHEMA = """
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


class Outbox:
    """Snapshots waiting for the API, and the little state that must survive a restart."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "outbox.sqlite3"
        self._lock = threading.Lock()
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise ConfigError(
                [
                    f"HOTELEITOS_STATE_DIR (state_dir): a pasta {state_dir} não pode guardar a fila de envio "
                    f"({type(error).__name__}); confira se existe, se é gravável pelo usuário do conector (uid 10001 "
                    "na imagem) e se o volume está montado."
                ]
            ) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, snapshot: Snapshot, status: str = "pending") -> None:
        """Commit a snapshot to disk (durable when this returns)."""
        self.store(snapshot, status)

    def store(
        self,
        snapshot: Snapshot,
        status: str,
        *,
        discard: Iterable[str] = (),
        state: dict[str, str | None] | None = None,
        created: float | None = None,
    ) -> None:
        """Commit a snapshot with the guard's decision in one transaction: `discard` leaves, `state` is written.
        A crash keeps all of it or none of it."""
        compressor = zlib.compressobj(1)
        compressed = b"".join([*(compressor.compress(part) for part in snapshot.parts), compressor.flush()])
        row = (snapshot.id, snapshot.captured_at, created or time.time(), snapshot.count, status, len(compressed))
        with self._lock, self._transaction():
            self._db.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in discard])
            self._db.execute(
                "INSERT INTO snapshots (id, captured_at, created, count, status, size, body) VALUES (?,?,?,?,?,?,?)",
                (*row, compressed),
            )
            self._write_state(state or {})

    def guard_state(self) -> GuardState:
        """What the guard remembers: the baseline (newest accepted census) and the held snapshots, oldest first."""
        baseline = self.read_state("baseline_count") or self.read_state("last_delivered_count")
        held = tuple(Held(e.id, e.count, e.created) for e in self.entries("held"))
        return GuardState(int(baseline) if baseline is not None else None, held)

    def release_newest(self) -> tuple[Entry | None, list[str]]:
        """`release`: the newest held snapshot becomes pending and the baseline; the older held ones leave. One
        transaction. Returns the released entry (None when nothing is held) and the ids dropped."""
        held = self.entries("held")
        if not held:
            return None, []
        newest, older = held[-1], [e.id for e in held[:-1]]
        with self._lock, self._transaction():
            self._db.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in older])
            self._db.execute("UPDATE snapshots SET status = 'pending' WHERE id = ?", (newest.id,))
            self._write_state({"baseline_count": str(newest.count), "guard_reason": None})
        return newest, older

    def entries(self, *statuses: str) -> list[Entry]:
        """Entries in capture order, of the given statuses (all when none is given)."""
        where = f"WHERE status IN ({','.join('?' * len(statuses))})" if statuses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM snapshots {where} ORDER BY seq", statuses).fetchall()
        return [Entry(*row) for row in rows]

    def get(self, snapshot_id: str) -> Entry | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        return Entry(*row) if row else None

    def body(self, snapshot_id: str) -> bytes:
        with self._lock:
            row = self._db.execute("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        if row is None:
            raise KeyError(snapshot_id)
        return zlib.decompress(row[0])

    def response_body(self, snapshot_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT response_body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        return row[0] if row else None

    def remove(self, snapshot_ids: Iterable[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in snapshot_ids])

    def attempted(self, snapshot_id: str, status: int | None, error: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE snapshots SET attempts = attempts + 1, last_status = ?, last_error = ? WHERE id = ?",
                (status, error, snapshot_id),
            )

    def set_status(self, snapshot_ids: Iterable[str], status: str, response_body: str | None = None) -> None:
        with self._lock:
            self._db.executemany(
                "UPDATE snapshots SET status = ?, response_body = COALESCE(?, response_body) WHERE id = ?",
                [(status, response_body, i) for i in snapshot_ids],
            )

    def depth(self) -> dict[str, int]:
        """How many snapshots of each status are kept."""
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM snapshots GROUP BY status").fetchall()
        return {"pending": 0, "held": 0, "dead": 0, **dict(rows)}

    def over_bounds(self, *, max_count: int, max_age: float, max_bytes: int, now: float) -> list[tuple[Entry, str]]:
        """The oldest entries that must go so that the outbox fits its bounds, each with the bound it broke."""
        entries = self.entries()
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

    def read_state(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def write_state(self, values: dict[str, str | None], *, delivered: str | None = None) -> None:
        """Store (or, with None, forget) several state values in one transaction; with `delivered`, that
        snapshot leaves the outbox in the same transaction (a crash cannot separate the two)."""
        with self._lock, self._transaction():
            if delivered is not None:
                self._db.execute("DELETE FROM snapshots WHERE id = ?", (delivered,))
            self._write_state(values)

    def _write_state(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            if value is None:
                self._db.execute("DELETE FROM state WHERE key = ?", (key,))
            else:
                self._db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
