"""What the mass-discharge guard remembers, on disk, and the only code that changes it (contract §6).

The guard's state lives in the outbox: the baseline (a value in its `state` table) and the held run (its `held`
snapshots, oldest first); the confirmations and the reason follow from them. Three operations change it, each in
one write transaction (`Outbox.atomically`: BEGIN IMMEDIATE, then read, decide, write, commit), so the cycle and a
command run from another process take turns and can never undo each other:

    judge_and_store  a new census: judged by the pure `guard.decide`, stored, the held ones the decision ends
                     dropped, the baseline moved when it is accepted, the outbox kept within its bounds
    release          the newest held census (or the one named, if it is the newest) becomes pending and the
                     baseline; the older held ones are dropped. The only way from held to pending.
    discard          one snapshot leaves the outbox; a held one leaves the held run (the run is what remains)
    follow_step      the wall clock was stepped: every stored time moves with it, so that ages (the outbox's age
                     bound, the guard's confirmation delay) stay the time that really passed

Nothing else writes a held snapshot or the baseline: the outbox's own methods skip held snapshots.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass

from connector.delivery import guard
from connector.delivery.guard import Decision, GuardState, Held
from connector.delivery.outbox import (
    Entry,
    Outbox,
    insert,
    over_bounds,
    read_entries,
    read_entry,
    write_state,
)
from connector.delivery.outbox_file import is_read_only
from connector.delivery.snapshot import Snapshot
from connector.settings import Settings
from connector.settings.model import OutboxSettings

BASELINE = "baseline_count"
# The newest delivered count (the courier notes it): the baseline of a state folder written before the baseline
# had a key of its own, until the first census accepted here.
DELIVERED = "last_delivered_count"


@dataclass(frozen=True)
class Judgement:
    """What became of a new census: the guard's decision, the baseline it was judged against, and the snapshots
    the outbox's bounds let go (each with the bound it broke)."""

    decision: Decision
    baseline: int | None
    dropped: list[tuple[Entry, str]]


class NotStoredError(Exception):
    """The census could not be stored: nothing of its judgement was kept. `decision` is what the guard decided
    before the disk failed (None when it could not even read the guard's state)."""

    def __init__(self, cause: OSError | sqlite3.Error, decision: Decision | None, baseline: int | None) -> None:
        super().__init__(type(cause).__name__)
        self.cause, self.decision, self.baseline = cause, decision, baseline


@dataclass(frozen=True)
class Released:
    """What `release` did: the census that goes out (None when nothing was held) and the older held ones dropped."""

    entry: Entry | None
    dropped: tuple[Entry, ...] = ()


class ReleaseRefusedError(Exception):
    """A held census named for release that `release` would not send; the message says why, in Portuguese."""


def read(db: sqlite3.Connection) -> GuardState:
    """The guard's state, inside the caller's transaction."""
    values = dict(db.execute("SELECT key, value FROM state WHERE key IN (?, ?)", (BASELINE, DELIVERED)).fetchall())
    baseline = values.get(BASELINE, values.get(DELIVERED))
    held = tuple(Held(e.id, e.count, e.created) for e in read_entries(db, "held"))
    return GuardState(int(baseline) if baseline is not None else None, held)


def current(outbox: Outbox) -> GuardState:
    """The guard's state as it is now (a consistent read; it changes nothing)."""
    return outbox.atomically(read, write=False)


def judge_and_store(outbox: Outbox, snapshot: Snapshot, settings: Settings, now: float) -> Judgement:
    """Judge a new census against the guard's state and store it with the decision, in one transaction.
    `NotStoredError` when the disk would not take it (then nothing changed)."""
    judged: list[tuple[Decision, int | None]] = []

    def work(db: sqlite3.Connection) -> Judgement:
        state = read(db)
        decision = guard.decide(snapshot.count, state, settings.guard, now)
        judged.append((decision, state.baseline))
        _delete(db, decision.discard)
        insert(db, snapshot, decision.status, now)
        if decision.baseline:
            write_state(db, {BASELINE: str(snapshot.count)})
        return Judgement(decision, state.baseline, _keep_within_bounds(db, settings.outbox, now))

    try:
        return outbox.atomically(work)
    except (OSError, sqlite3.Error) as error:
        if not judged and is_read_only(error):  # no write lock to be had: judge on a read, keep nothing
            with contextlib.suppress(OSError, sqlite3.Error):
                state = current(outbox)
                judged.append((guard.decide(snapshot.count, state, settings.guard, now), state.baseline))
        decision, baseline = judged[-1] if judged else (None, None)
        raise NotStoredError(error, decision, baseline) from error


def release(outbox: Outbox, snapshot_id: str | None = None) -> Released:
    """The newest held census becomes pending and the baseline; the older held ones leave. With `snapshot_id`, only
    if that is the newest held census (`ReleaseRefusedError` otherwise: nothing changes)."""

    def work(db: sqlite3.Connection) -> Released:
        held = read_entries(db, "held")
        if snapshot_id is not None:
            _check_release(db, held, snapshot_id)
        if not held:
            return Released(None)
        newest, older = held[-1], tuple(held[:-1])
        _delete(db, [e.id for e in older])
        db.execute("UPDATE snapshots SET status = 'pending' WHERE id = ?", (newest.id,))
        write_state(db, {BASELINE: str(newest.count)})
        return Released(newest, older)

    return outbox.atomically(work)


def discard(outbox: Outbox, snapshot_id: str) -> Entry | None:
    """Take one snapshot out of the outbox, whatever its status; the entry it was (None when it was not there)."""

    def work(db: sqlite3.Connection) -> Entry | None:
        entry = read_entry(db, snapshot_id)
        _delete(db, [snapshot_id])
        return entry

    return outbox.atomically(work)


def follow_step(outbox: Outbox, seconds: float) -> int:
    """The wall clock jumped by `seconds` under a running agent: move every stored capture time by as much, so that
    a jump forward past the age bound drops nothing and a step back leaves no age negative. How many moved."""

    def work(db: sqlite3.Connection) -> int:
        return db.execute("UPDATE snapshots SET created = created + ?", (seconds,)).rowcount

    return outbox.atomically(work)


def _check_release(db: sqlite3.Connection, held: list[Entry], snapshot_id: str) -> None:
    if held and held[-1].id == snapshot_id:
        return
    named = read_entry(db, snapshot_id)
    if named is None:
        raise ReleaseRefusedError(f"o censo {snapshot_id} não está mais na fila.")
    if named.status != "held":
        raise ReleaseRefusedError(f"o censo {snapshot_id} não está mais retido (situação: {named.status}).")
    newest = held[-1]
    raise ReleaseRefusedError(
        f"o censo {snapshot_id} não é o censo retido mais novo: só o mais novo é liberado, e os mais antigos são "
        f"descartados (um censo mais novo os substitui). O mais novo é {newest.id} ({newest.count} pacientes, "
        f"capturado em {newest.captured_at}): libere-o com `hoteleitos-connector release` (ou `outbox retry "
        f"{newest.id}`), ou descarte este com `hoteleitos-connector outbox discard {snapshot_id}`."
    )


def _keep_within_bounds(db: sqlite3.Connection, bounds: OutboxSettings, now: float) -> list[tuple[Entry, str]]:
    """Drop the oldest snapshots beyond the outbox's bounds (and, when the backlog collapses, every pending one but
    the newest)."""
    entries = read_entries(db)
    doomed = over_bounds(
        entries,
        max_count=bounds.max_count,
        max_age=bounds.max_age_hours * 3600,
        max_bytes=int(bounds.max_megabytes * 1024 * 1024),
        now=now,
    )
    if bounds.collapse_backlog:
        pending = [e for e in entries if e.status == "pending"]
        doomed += [(e, "collapsed") for e in pending[:-1] if all(e.id != d.id for d, _ in doomed)]
    _delete(db, [e.id for e, _ in doomed])
    return doomed


def _delete(db: sqlite3.Connection, snapshot_ids: list[str] | tuple[str, ...]) -> None:
    db.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in snapshot_ids])
