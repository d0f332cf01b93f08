"""Delivery: what the outbox holds goes to the API oldest first, one snapshot at a time (contract §2, §6).

A retriable failure stops the round (order is kept: nothing newer overtakes it); a refused snapshot is set
aside and the next one goes; a wrong token pauses delivery for a while. Processes sharing a state folder
(the agent and a `release` run next to it) take turns through a file lock, so they never send the same
snapshots at the same time nor out of order. What a round did is told to a `Watcher` as it happens (the
agent's is `connector.ops.telemetry`, which logs and counts it) and returned as data.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from connector import clock
from connector.delivery.outbox import CorruptSnapshotError, Entry, Outbox
from connector.delivery.sink import Sink
from connector.delivery.snapshot import Snapshot
from connector.errors import AuthSinkError, FatalSinkError, RejectedSnapshotError, SinkError
from connector.settings import Settings

# State keys of the last refusal of the token: when (Unix time), the HTTP status, and which token.
TOKEN_REFUSAL = ("token_refused_at", "token_refused_status", "token_refused_fingerprint")


def token_fingerprint(settings: Settings) -> str:
    """A short digest that tells two tokens apart without keeping either."""
    token = settings.api.token.get_secret_value() if settings.api.token else ""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


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
    quarantined: list[str] = field(default_factory=list)  # stored bodies that could not be read back
    unrecorded: list[str] = field(default_factory=list)  # delivered, but the outbox could not note it (disk full)
    paused_for: float | None = None  # seconds left of a pause after a refused token (or a redirect, a bad TLS)
    pause_message: str | None = None  # why delivery is paused, with the time of the next try
    busy: bool = False  # another process was delivering from the same state folder: the round was skipped

    @property
    def rejected(self) -> list[Failure]:
        return [f for f in self.failures if f.rejected]

    @property
    def errors(self) -> list[str]:
        """Operator messages of what did not go out (refused snapshots are reported apart)."""
        texts = [f.message for f in self.failures if not f.rejected]
        if self.pause_message is not None and self.pause_message not in texts:
            texts.append(self.pause_message)
        if self.busy:
            texts.append(BUSY_MESSAGE)
        return texts


class Watcher:
    """Told of each outcome of a round the moment it happens (a round can last minutes during an outage); this
    one ignores them, `connector.ops.telemetry.DeliveryLog` logs and counts them."""

    def delivered(self, delivered: Delivered) -> None:
        """A snapshot the API took."""

    def failed(self, failure: Failure) -> None:
        """A snapshot the API refused for good (`rejected`) or did not take yet."""

    def quarantined(self, snapshot_id: str) -> None:
        """A stored body that could not be read back."""

    def unrecorded(self, snapshot_id: str) -> None:
        """Delivered, but the disk could not take note of it."""

    def paused(self, seconds: float, message: str | None) -> None:
        """Delivery waits `seconds` after a refusal that retrying at once would repeat."""


BUSY_MESSAGE = (
    "outro processo do conector está enviando desta mesma pasta de estado agora (um ciclo do agente ou um "
    "`release`); os censos pendentes seguem na fila e vão no próximo ciclo. Acompanhe com "
    "`hoteleitos-connector outbox`."
)


class Courier:
    """Takes pending snapshots from the outbox to the API."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        sink: Sink,
        stop: threading.Event,
        watcher: Watcher | None = None,
        *,
        on_refused: Callable[[], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.watcher = watcher or Watcher()
        self.on_refused = on_refused  # after a 401/403: whether the token changed meanwhile (then try it at once)
        self.outbox = outbox
        self.sink = sink
        self.stop = stop
        self.paused_until = 0.0
        self.turn_wait: float | None = None  # seconds to wait for another process's round (None: retry deadline)
        self.pause_message: str | None = None
        self.resumes = True  # False for one-shot commands (`run --once`, `release`): they end instead of waiting
        self._lock_path = settings.state_dir / "delivery.lock"
        self._unrecorded: dict[str, Delivered] = {}  # delivered while the disk could not take note: never re-sent

    def deliver(
        self, budget: float | None, fresh: Snapshot | None = None, *, unstored: Snapshot | None = None
    ) -> Round:
        """Push pending snapshots oldest first until one fails or `budget` seconds are spent (None: no limit).

        `fresh` is this cycle's snapshot, stored and still in memory: it is not read back from disk. `unstored` is
        this cycle's snapshot that the disk could not take: it goes last, straight from memory.
        """
        result = Round()
        if time.monotonic() < self.paused_until:
            result.paused_for = self.paused_until - time.monotonic()
            result.pause_message = self.pause_message
            self.watcher.paused(result.paused_for, result.pause_message)
            return result
        self._record_unrecorded()
        with self._turn() as mine:
            if not mine:
                result.busy = True
                return result
            started = time.monotonic()
            going = True
            for entry in self.outbox.entries("pending"):
                elapsed = time.monotonic() - started
                if self.stop.is_set() or (budget is not None and result.delivered and elapsed >= budget):
                    going = False
                    break
                if entry.id in self._unrecorded:
                    continue
                snapshot = self._snapshot(entry, fresh, result)
                if snapshot is None:
                    continue
                deadline = max(self.settings.retry_deadline - (elapsed if budget is not None else 0), 0.001)
                if not self._push(snapshot, deadline, result):
                    going = False
                    break
            if unstored is not None and going and not self.stop.is_set():
                self._push(unstored, self.settings.retry_deadline, result)
        return result

    def _snapshot(self, entry: Entry, fresh: Snapshot | None, result: Round) -> Snapshot | None:
        """The entry with its body (gzip, checked whole); None when it left meanwhile or its body is damaged (then
        quarantined)."""
        if fresh is not None and fresh.id == entry.id:
            return fresh
        try:
            return Snapshot.stored(entry.id, entry.captured_at, entry.count, self.outbox.packed(entry.id))
        except KeyError:  # delivered or discarded meanwhile by another process
            return None
        except CorruptSnapshotError:
            self.outbox.set_status([entry.id], "quarantined")
            result.quarantined.append(entry.id)
            self.watcher.quarantined(entry.id)
            return None

    def _record_unrecorded(self) -> None:
        """Take note, now that the disk may have room again, of deliveries it could not take before."""
        for snapshot_id, delivered in list(self._unrecorded.items()):
            try:
                self._note_delivery(snapshot_id, delivered.count, delivered.at)
            except (OSError, sqlite3.Error):
                return
            del self._unrecorded[snapshot_id]

    def _note_delivery(self, snapshot_id: str, count: int, at: float) -> None:
        self.outbox.write_state(
            {
                "last_delivered_count": str(count),
                "last_delivered_id": snapshot_id,
                "last_delivered_at": str(at),
                **dict.fromkeys(TOKEN_REFUSAL),  # the token works: a refusal noted before is over
            },
            delivered=snapshot_id,
        )

    def _push(self, snapshot: Snapshot, deadline: float, result: Round, *, again: bool = True) -> bool:
        """One snapshot; False when the round must stop here. A refused token is tried once more, before the pause,
        when its file holds another one by now (a rotated Kubernetes Secret)."""
        try:
            delivery = self.sink.push(snapshot, deadline)
        except RejectedSnapshotError as error:
            self._failed(result, Failure(snapshot.id, error.status, error.message, error.detail, rejected=True))
            with contextlib.suppress(OSError, sqlite3.Error):  # an unstored snapshot has no entry to mark
                self.outbox.set_status([snapshot.id], "dead", error.body)
                self.outbox.attempted(snapshot.id, error.status, error.message)
            return True
        except SinkError as error:
            if again and error.status in (401, 403) and self.on_refused is not None and self.on_refused():
                return self._push(snapshot, deadline, result, again=False)
            message = self._pause(result, error) if isinstance(error, FatalSinkError) else error.message
            self._failed(result, Failure(snapshot.id, error.status, message, error.detail))
            with contextlib.suppress(OSError, sqlite3.Error):  # an unstored snapshot has no entry to mark
                self.outbox.attempted(snapshot.id, error.status, message)
            if result.paused_for is not None:
                self.watcher.paused(result.paused_for, result.pause_message)
            return False
        now = time.time()
        delivered = Delivered(snapshot.id, snapshot.count, delivery.status, delivery.attempts, delivery.latency, now)
        result.delivered.append(delivered)
        self.watcher.delivered(delivered)
        try:
            self._note_delivery(snapshot.id, snapshot.count, now)
        except (OSError, sqlite3.Error):  # the API has it; the disk cannot say so yet: never send it again
            self._unrecorded[snapshot.id] = delivered
            result.unrecorded.append(snapshot.id)
            self.watcher.unrecorded(snapshot.id)
        return True

    def _failed(self, result: Round, failure: Failure) -> None:
        result.failures.append(failure)
        self.watcher.failed(failure)

    def _pause(self, result: Round, error: SinkError) -> str:
        """Stop delivering for a while after a refusal that retrying at once would repeat (401/403, a redirect,
        an untrusted certificate); the reason, with the time of the next try in the hospital's zone. A refused
        token is noted in the state folder, for `check` to tell (which token, by fingerprint, and when)."""
        reason = error.message
        if isinstance(error, AuthSinkError):
            with contextlib.suppress(OSError, sqlite3.Error):
                self.outbox.write_state(
                    dict(
                        zip(
                            TOKEN_REFUSAL,
                            (str(time.time()), str(error.status), token_fingerprint(self.settings)),
                            strict=True,
                        )
                    )
                )
        interval = self.settings.api.auth_retry_interval
        self.paused_until = time.monotonic() + interval
        resume = clock.hour(time.time() + interval, self.settings.tz)
        later = f" Envio pausado; próxima tentativa às {resume}." if self.resumes else ""
        self.pause_message = f"{reason.rstrip('.')}.{later}"
        result.paused_for, result.pause_message = interval, self.pause_message
        return self.pause_message

    @contextmanager
    def _turn(self) -> Iterator[bool]:
        """Exclusive use of the outbox's delivery among the processes sharing the state folder; False when
        another process kept it past `turn_wait` seconds or the agent was stopped meanwhile."""
        wait = self.turn_wait if self.turn_wait is not None else self.settings.retry_deadline
        until = time.monotonic() + wait
        descriptor = _lock_file(self._lock_path)
        if descriptor is None:  # a state disk that takes no write: nobody else can change the outbox either
            yield True
            return
        with open(descriptor, "rb") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= until or self.stop.wait(0.1):
                        yield False
                        return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(path: Path) -> int | None:
    """A descriptor to take the delivery lock on: the lock file, created if needed; opened for reading only on a
    disk that takes no write (flock needs no write access); None when it cannot even be read."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        pass
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None
