"""Delivery: what the outbox holds goes to the API oldest first, one snapshot at a time (contract §2, §6).

A retriable failure stops the round (order is kept: nothing newer overtakes it); a refused snapshot is set
aside and the next one goes; a wrong token pauses delivery for a while. Processes sharing a state folder
(the agent and a `release` run next to it) take turns through a file lock, so they never send the same
snapshots at the same time nor out of order. What a round did is returned as data: `connector.telemetry`
logs and counts it.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from connector import clock
from connector.errors import FatalSinkError, RejectedSnapshotError, SinkError
from connector.outbox import Outbox
from connector.settings import Settings
from connector.sink import ApiSink
from connector.snapshot import Snapshot


@dataclass(frozen=True)
class Delivered:
    snapshot_id: str
    count: int
    status: int
    attempts: int
    latency: float
    at: float  # Unix time


@dataclass(frozen=True)
class Failure:
    """A snapshot the API did not take: refused for good (`rejected`) or not yet."""

    snapshot_id: str
    status: int | None
    message: str
    detail: str | None = None
    rejected: bool = False


@dataclass
class Round:
    """What one delivery round did."""

    delivered: list[Delivered] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    paused_for: float | None = None  # seconds left of a pause after a refused token (or a redirect, a bad TLS)
    pause_message: str | None = None  # why delivery is paused, with the time of the next try

    @property
    def rejected(self) -> list[Failure]:
        return [f for f in self.failures if f.rejected]

    @property
    def errors(self) -> list[str]:
        """Operator messages of what did not go out (refused snapshots are reported apart)."""
        texts = [f.message for f in self.failures if not f.rejected]
        if self.pause_message is not None and self.pause_message not in texts:
            texts.append(self.pause_message)
        return texts


class Courier:
    """Takes pending snapshots from the outbox to the API."""

    def __init__(self, settings: Settings, outbox: Outbox, sink: ApiSink, stop: threading.Event) -> None:
        self.settings = settings
        self.outbox = outbox
        self.sink = sink
        self.stop = stop
        self.paused_until = 0.0
        self.pause_message: str | None = None
        self.resumes = True  # False for one-shot commands (`run --once`, `release`): they end instead of waiting
        self._lock_path = settings.state_dir / "delivery.lock"

    def deliver(self, budget: float | None, fresh: Snapshot | None = None) -> Round:
        """Push pending snapshots oldest first until one fails or `budget` seconds are spent (None: no limit).

        `fresh` is this cycle's snapshot, still in memory: it is not read back from disk.
        """
        result = Round()
        if time.monotonic() < self.paused_until:
            result.paused_for = self.paused_until - time.monotonic()
            result.pause_message = self.pause_message
            return result
        with self._turn():
            started = time.monotonic()
            for entry in self.outbox.entries("pending"):
                elapsed = time.monotonic() - started
                if self.stop.is_set() or (budget is not None and result.delivered and elapsed >= budget):
                    break
                try:
                    body = fresh.parts if fresh and fresh.id == entry.id else (self.outbox.body(entry.id),)
                except KeyError:  # delivered or discarded meanwhile by another process
                    continue
                snapshot = Snapshot(entry.id, entry.captured_at, entry.count, body)
                deadline = max(self.settings.retry_deadline - (elapsed if budget is not None else 0), 0.001)
                if not self._push(snapshot, deadline, result):
                    break
        return result

    def _push(self, snapshot: Snapshot, deadline: float, result: Round) -> bool:
        """One snapshot; False when the round must stop here."""
        try:
            delivery = self.sink.push(snapshot, deadline)
        except RejectedSnapshotError as error:
            self.outbox.set_status([snapshot.id], "dead", error.body)
            self.outbox.attempted(snapshot.id, error.status, error.message)
            result.failures.append(Failure(snapshot.id, error.status, error.message, error.detail, rejected=True))
            return True
        except SinkError as error:
            message = self._pause(result, error.message) if isinstance(error, FatalSinkError) else error.message
            self.outbox.attempted(snapshot.id, error.status, message)
            result.failures.append(Failure(snapshot.id, error.status, message, error.detail))
            return False
        now = time.time()
        self.outbox.write_state(
            {"last_delivered_count": str(snapshot.count), "last_delivered_id": snapshot.id,
             "last_delivered_at": str(now)},
            delivered=snapshot.id,
        )  # fmt: skip
        result.delivered.append(
            Delivered(snapshot.id, snapshot.count, delivery.status, delivery.attempts, delivery.latency, now)
        )
        return True

    def _pause(self, result: Round, reason: str) -> str:
        """Stop delivering for a while after a refusal that retrying at once would repeat (401/403, a redirect,
        an untrusted certificate); the reason, with the time of the next try in the hospital's zone."""
        interval = self.settings.api.auth_retry_interval
        self.paused_until = time.monotonic() + interval
        resume = clock.hour(time.time() + interval, self.settings.tz)
        later = f" Envio pausado; próxima tentativa às {resume}." if self.resumes else ""
        self.pause_message = f"{reason.rstrip('.')}.{later}"
        result.paused_for, result.pause_message = interval, self.pause_message
        return self.pause_message

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Exclusive use of the outbox's delivery among the processes sharing the state folder."""
        with open(self._lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
