"""The guard's one writer (`connector.delivery.guard_state`) on a real outbox in a temporary folder: each change is
one transaction, `release` is the only way from held to pending, and nothing else touches a held snapshot."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.commands.configuration import settings_from_values
from connector.delivery import guard_state
from connector.delivery.outbox import Outbox
from connector.delivery.snapshot import Snapshot
from connector.settings import Settings

NOW = 1_800_000_000.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from_values(
        {
            "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
            "source": {"vendor": "custom", "url": f"sqlite:///{tmp_path / 'his.db'}", "query_file": __file__},
            "state_dir": str(tmp_path / "state"),
            "guard": {"confirm_seconds": 0},
        }
    )


@pytest.fixture
def outbox(settings: Settings) -> Iterator[Outbox]:
    opened = Outbox(settings.state_dir)
    yield opened
    opened.close()


def snapshot(count: int) -> Snapshot:
    return Snapshot.of(str(uuid.uuid4()), "2026-11-26T10:00:00-03:00", count, b'{"censo":[]}')


def feed(outbox: Outbox, settings: Settings, *counts: int) -> list[str]:
    """Judge and store one census per count, a second apart; their ids."""
    ids = []
    for number, count in enumerate(counts):
        fresh = snapshot(count)
        guard_state.judge_and_store(outbox, fresh, settings, NOW + number)
        ids.append(fresh.id)
    return ids


def baseline(settings: Settings) -> int | None:
    """The baseline as another connection (another process) reads it."""
    other = Outbox(settings.state_dir)
    try:
        return guard_state.current(other).baseline
    finally:
        other.close()


def test_a_failed_store_keeps_nothing_of_the_judgement(
    outbox: Outbox, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 accepted, 0 held; a 29 (a false alarm) the disk cannot take: the held one is still there, the baseline is
    still 30, and the error carries the decision (pending: the census may still go from memory)."""
    _, held = feed(outbox, settings, 30, 0)

    def full(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(guard_state, "insert", full)
    with pytest.raises(guard_state.NotStoredError) as failure:
        guard_state.judge_and_store(outbox, snapshot(29), settings, NOW + 5)
    assert failure.value.decision is not None and failure.value.decision.status == "pending"
    assert failure.value.decision.discard == (held,) and failure.value.baseline == 30
    assert [e.id for e in outbox.entries("held")] == [held]
    assert baseline(settings) == 30


def test_a_failed_clean_up_stores_nothing(outbox: Outbox, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox's bounds are kept in the judgement's transaction: when dropping the oldest fails, the new census
    is not stored either (so it is never both stored and sent from memory)."""
    feed(outbox, settings, 30)

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(guard_state, "over_bounds", failing)
    with pytest.raises(guard_state.NotStoredError):
        guard_state.judge_and_store(outbox, snapshot(31), settings, NOW + 5)
    assert [e.count for e in outbox.entries()] == [30]


def test_release_of_an_older_held_census_is_refused_and_changes_nothing(outbox: Outbox, settings: Settings) -> None:
    """300 accepted, 0 and 0 held: releasing the older one is refused, naming the newest; nothing moved."""
    _, older, newest = feed(outbox, settings, 300, 0, 0)
    with pytest.raises(guard_state.ReleaseRefusedError, match="não é o censo retido mais novo") as refusal:
        guard_state.release(outbox, older)
    assert newest in str(refusal.value)
    assert [e.id for e in outbox.entries("held")] == [older, newest]
    assert baseline(settings) == 300


def test_release_sends_the_newest_and_moves_the_baseline(outbox: Outbox, settings: Settings) -> None:
    """Releasing the newest (named or not) makes it pending and the baseline; the older held ones leave."""
    first, older, newest = feed(outbox, settings, 300, 0, 0)
    released = guard_state.release(outbox, newest)
    assert released.entry is not None and released.entry.id == newest
    assert [e.id for e in released.dropped] == [older]
    assert [(e.id, e.status) for e in outbox.entries()] == [(first, "pending"), (newest, "pending")]
    assert baseline(settings) == 0
    assert guard_state.release(outbox).entry is None


def test_nothing_but_release_takes_a_census_out_of_the_held_run(outbox: Outbox, settings: Settings) -> None:
    """The outbox's own writes (a status, a delivery noted) skip a held snapshot."""
    _, held = feed(outbox, settings, 300, 0)
    assert outbox.set_status([held], "pending") == 0
    outbox.write_state({"last_delivered_at": "1"}, delivered=held)
    assert [e.id for e in outbox.entries("held")] == [held]


def test_discarding_a_held_census_leaves_a_consistent_run(outbox: Outbox, settings: Settings) -> None:
    """300 accepted, then 2 and 0 held in one run: discarding the 0 leaves the 2 held for a shrink, not as empty;
    the next agreeing 2s confirm as usual (3 further cycles)."""
    _, two, empty = feed(outbox, settings, 300, 2, 0)
    assert guard_state.current(outbox).reason == "empty"
    discarded = guard_state.discard(outbox, empty)
    assert discarded is not None and discarded.id == empty
    state = guard_state.current(outbox)
    assert [h.id for h in state.held] == [two] and state.reason == "shrink"
    assert guard_state.discard(outbox, empty) is None


def test_a_command_cannot_write_while_a_census_is_judged(
    outbox: Outbox, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one connection judges a census (its state read, not yet written), another connection's release waits
    for the write lock: it cannot slip in between (here it gives up at once) and changes nothing."""
    feed(outbox, settings, 300, 140)
    other = Outbox(settings.state_dir)
    other._db.execute("PRAGMA busy_timeout = 0")
    attempts: list[str] = []
    decide = guard_state.guard.decide

    def judging(*args: Any, **kwargs: Any) -> Any:
        try:
            guard_state.release(other)
        except sqlite3.OperationalError as error:
            attempts.append(str(error))
        return decide(*args, **kwargs)

    monkeypatch.setattr(guard_state.guard, "decide", judging)
    try:
        judged = guard_state.judge_and_store(outbox, snapshot(10), settings, NOW + 5)
    finally:
        other.close()
    assert attempts == ["database is locked"]
    assert judged.decision.why_discarded == "superseded" and judged.baseline == 300
    assert [e.count for e in outbox.entries("held")] == [10]


def test_stored_times_follow_a_step_of_the_wall_clock(outbox: Outbox, settings: Settings) -> None:
    """Two censuses wait; the wall clock jumps 73 h ahead (past the 72 h age bound) and the times follow it: the
    next census stored drops nothing, and the outbox still shows them a few seconds old."""
    queued = feed(outbox, settings, 20, 21)
    assert guard_state.follow_step(outbox, 73 * 3600) == 2
    judged = guard_state.judge_and_store(outbox, snapshot(22), settings, NOW + 73 * 3600 + 2)
    assert judged.dropped == []
    ages = [NOW + 73 * 3600 + 2 - e.created for e in outbox.entries("pending")]
    assert [e.id for e in outbox.entries("pending")][:2] == queued and ages == [2, 1, 0]
