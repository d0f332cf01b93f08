"""One cycle: read the census, store it as a snapshot with the guard's decision, send what is pending.

    adapter (rows) -> census -> snapshot + guard decision -> outbox -> courier -> API

Each step runs in its own failure boundary: a failed read produces no snapshot at all (never an empty or
partial census) and whatever was already pending still goes out; a store that fails (full disk, read-only
volume) still lets the pending snapshots go out. Every step writes what it did into the `CycleReport`, and
`connector.ops.telemetry` turns that report into the cycle's logs and metrics, in one place.
"""

from __future__ import annotations

import contextlib
import gc
import sqlite3
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import structlog
from sqlalchemy.engine import Engine

from adapters import adapter_for
from adapters.reading import CensusReader
from connector.census import Census
from connector.census.changes import ChangeTracker
from connector.clock import StepWatch
from connector.delivery import guard_state
from connector.delivery.courier import Courier
from connector.delivery.outbox import Outbox
from connector.delivery.outbox_file import disk_trouble, is_full
from connector.delivery.sink import ApiSink, Sink
from connector.delivery.snapshot import Snapshot, build_snapshot
from connector.errors import ConfigError, SourceError
from connector.ops import telemetry
from connector.ops.cycle_report import CycleReport, ProbeOutcome, ReadFailure
from connector.ops.logs import remember_secrets
from connector.settings import Settings
from connector.settings.secret_files import SecretFiles, secrets_of
from connector.source.engine import engine_for, oracle_status
from connector.source.login_backoff import AuthPause, remembered
from connector.source.watchdog import cancel_on

T = TypeVar("T")
PROBE_BOUND = 5.0  # seconds the change probe may take (or two probe intervals, if longer), connection included


def probe_limit(settings: Settings) -> float:
    """The change probe's own bound: it must never hold the census read back by the query timeout it allows
    itself (a probe cut here counts as a failing probe, and the schedule reads the census meanwhile)."""
    every = settings.change_probe.nominal_interval if settings.change_probe is not None else 0.0
    return max(PROBE_BOUND, 2 * every)


class Agent:
    """The connector's parts wired together; the scheduler and the CLI drive it one cycle at a time."""

    def __init__(
        self,
        settings: Settings,
        *,
        outbox: Outbox | None = None,
        sink: Sink | None = None,
        adapter: CensusReader | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.adapter: CensusReader = adapter or adapter_for(settings.source)
        self.outbox = outbox or Outbox(settings.state_dir)
        self.sink = sink or ApiSink(
            settings.api,
            stop=self.stop,
            on_attempt=telemetry.count_attempt,
            on_retry=telemetry.push_retrying,
            max_pause=settings.schedule.nominal_interval,
        )
        self.courier = Courier(
            settings, self.outbox, self.sink, self.stop, telemetry.DELIVERY, on_refused=self.token_changed
        )
        self.secret_files = SecretFiles(settings)
        self.reread = threading.Event()  # set by SIGHUP: read the secret files again before the next cycle
        self.auth_pause = AuthPause(settings.schedule.nominal_interval, settings.source.auth_retry_max)
        self.auth_pause.remember(remembered(settings.state_dir, settings.source, settings.oracle))  # across restarts
        self._engine: Engine | None = None
        self.tracker = ChangeTracker()  # the previous accepted census as encounter -> bed, for the change counts
        self.clock = StepWatch()
        self._unfollowed = 0.0  # seconds of wall-clock steps the outbox's times have not followed yet
        telemetry.started(settings)
        if self.outbox.read_only is not None:
            telemetry.outbox_read_only(self.outbox.read_only, settings.state_dir)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine_for(self.settings.source, self.settings.timezone, self.settings.oracle)
            cancel_on(self._engine, self.stop)  # SIGTERM breaks a read in progress
        return self._engine

    def close(self) -> None:
        self.sink.close()
        self.outbox.close()
        if self._engine is not None:
            self._engine.dispose()

    def cycle(self, *, drain_all: bool = False, trigger: str | None = None) -> CycleReport:
        """Run one cycle; never raises for a database, disk or API failure (they land in the report)."""
        report = CycleReport(cycle_id=uuid.uuid4().hex[:12], trigger=trigger)
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(cycle_id=report.cycle_id):
            fresh: Snapshot | None = None
            self._bounded(report, self.outbox.ensure)  # the state folder may have vanished since the last cycle
            self._bounded(report, self.refresh_secrets)  # a rotated token or password, before it is needed
            with _gc_paused():
                census = self._bounded(report, partial(self.read, report))
                telemetry.read_finished(report)  # each step is logged when it ends, with its own time
                if census is not None:
                    fresh = self._bounded(report, partial(self.store, census, report))
                    telemetry.stored(report)
                del census
            budget = None if drain_all else self.settings.retry_deadline
            self._bounded(report, partial(self.send, report, budget, fresh))
            report.depth = self._bounded(report, self.outbox.depth) or {}
            report.recoveries = self.outbox.take_recoveries()
            report.duration = time.perf_counter() - started
            telemetry.cycle_finished(report)
        return report

    def refresh_secrets(self, *, force: bool = False) -> tuple[str, ...]:
        """Read the secret files again if they changed (all of them after SIGHUP, or with `force`) and use what they
        hold now; the names of the settings whose secret changed. A new content that cannot be used is reported
        and the one in use is kept."""
        force = force or self.reread.is_set()
        self.reread.clear()
        try:
            found = self.secret_files.look(self.settings, force=force)
        except ConfigError as error:
            telemetry.secrets_unusable(error.problems)
            return ()
        if found.settings is not None:
            self._use(found.settings, found.changed)
        return found.changed

    def token_changed(self) -> bool:
        """After a refused token, before pausing: whether the token file now holds another token (then in use)."""
        return "HOTELEITOS_API_TOKEN_FILE" in self.refresh_secrets(force=True)

    def _use(self, settings: Settings, changed: tuple[str, ...]) -> None:
        remember_secrets(secrets_of(settings))
        self.settings = self.courier.settings = settings
        if isinstance(self.sink, ApiSink):
            self.sink.api = settings.api
        if "HOTELEITOS_API_TOKEN_FILE" in changed:  # the pause after a refused token was for the old one
            self.courier.paused_until = 0.0
        if "HOTELEITOS_SOURCE_URL_FILE" in changed:  # a new password: new connections, and no pause for the old one
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None
            self.auth_pause.accepted()
            self.auth_pause.remember(remembered(settings.state_dir, settings.source, settings.oracle))
        telemetry.secrets_reread(changed)

    def _follow_the_clock(self) -> None:
        """Ages in the outbox are time that passed under the agent, not what the wall clock says: a step of the
        wall clock since the last census stored moves the stored capture times with it, just before the outbox's
        bounds and the guard judge them."""
        self._unfollowed += self.clock.step()
        if not self._unfollowed:
            return
        with contextlib.suppress(OSError, sqlite3.Error):  # a disk that takes no write: the next store tries again
            moved = guard_state.follow_step(self.outbox, self._unfollowed)
            telemetry.clock_stepped(self._unfollowed, moved)
            self._unfollowed = 0.0

    def read(self, report: CycleReport) -> Census | None:
        """Read and normalise the census, or note why it could not be read."""
        paused = self.auth_pause.waiting()
        if paused is not None:
            report.read_error = ReadFailure.of(paused, self.auth_pause.resumes_at())
            return None
        tz = self.settings.tz
        try:
            reading = self.adapter.read(self.engine, datetime.now(tz).date(), tz=tz)
        except SourceError as error:
            failure = self.auth_pause.refused(error) if self.auth_pause.pauses(error) else error
            report.read_error = ReadFailure.of(failure, self.auth_pause.resumes_at())
            return None
        self.auth_pause.accepted()
        report.oracle = oracle_status(self.engine, datetime.now(tz).date())
        census = reading.census
        report.rows, report.patients, report.extract_seconds = census.rows_read, len(census), reading.duration
        report.issues = census.issues
        return census

    def probe(self) -> ProbeOutcome:
        """Run the change probe once (never while reads are paused after a refused password; a refusal here pauses
        them too, so the probe never adds logins that could lock the account)."""
        self.refresh_secrets()  # a rotated password, before the probe logs in with the old one
        paused = self.auth_pause.waiting()
        if paused is not None:
            return ProbeOutcome(error=ReadFailure.of(paused))
        try:
            today = datetime.now(self.settings.tz).date()
            reading = self.adapter.probe(self.engine, today, probe_limit(self.settings))
        except SourceError as error:
            refused = self.auth_pause.refused(error) if self.auth_pause.pauses(error) else error
            return ProbeOutcome(error=ReadFailure.of(refused))
        self.auth_pause.accepted()
        return ProbeOutcome(digest=reading.digest, rows=reading.rows, duration=reading.duration)

    def store(self, census: Census, report: CycleReport) -> Snapshot | None:
        """Turn the census into a snapshot, judged and stored by the guard in one transaction. Returns it when it is
        to go out (None when held): a census the disk could not take still goes, from memory, after the stored ones.
        Only an accepted census counts changes, against the previous accepted one: a held census was never sent."""
        snapshot = build_snapshot(
            census,
            vendor=self.settings.source.vendor,
            captured_at=datetime.now(self.settings.tz),
            body_format=self.settings.api.body_format,
        )
        report.snapshot_id, report.snapshot_bytes = snapshot.id, snapshot.size
        try:
            self._follow_the_clock()
            judged = guard_state.judge_and_store(self.outbox, snapshot, self.settings, time.time())
        except guard_state.NotStoredError as failure:  # without the guard's state a census is kept back, not sent
            going = failure.decision is not None and failure.decision.status == "pending"
            report.decision, report.baseline = failure.decision, failure.baseline
            report.store_error, report.unstored = self._store_message(failure.cause, sent=going), going
        else:
            going = judged.decision.status == "pending"
            report.decision, report.baseline, report.dropped = judged.decision, judged.baseline, judged.dropped
        if going:
            report.changes = self.tracker.update(census)
        return snapshot if going else None

    def _store_message(self, error: BaseException, *, sent: bool) -> str:
        where = self.settings.state_dir
        trouble = "disco cheio" if is_full(error) else self.outbox.read_only or disk_trouble(where)
        cause = f"{trouble} em {where}" if trouble else f"erro ao gravar em {where} ({type(error).__name__})"
        what = (
            "o censo deste ciclo vai direto da memória, depois dos já guardados"
            if sent
            else "o censo deste ciclo não foi enviado"
        )
        return (
            f"não foi possível guardar o censo na fila: {cause}; {what}, e os já guardados seguem sendo enviados. "
            "Libere espaço ou confira as permissões do volume."
        )

    def send(self, report: CycleReport, budget: float | None, fresh: Snapshot | None = None) -> None:
        """Push pending snapshots oldest first (see `connector.delivery`), then this cycle's census if the disk could
        not take it, and note the outcome in `report`."""
        if report.unstored:
            report.round = self.courier.deliver(budget, unstored=fresh)
        else:
            report.round = self.courier.deliver(budget, fresh)

    def _bounded(self, report: CycleReport, step: Callable[[], T]) -> T | None:
        """Run one step; an unexpected failure is noted (by type and place only: its message could quote a row)
        and the cycle goes on with the next step."""
        try:
            return step()
        except Exception as error:  # noqa: BLE001 - a defect must not stop the agent; the outbox keeps all
            frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
            where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
            telemetry.crashed(type(error).__name__, where)
            report.crashes.append(f"falha inesperada no ciclo ({type(error).__name__} em {where}); veja os logs.")
            return None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Reading a census allocates hundreds of thousands of short-lived rows and strings without a single
    reference cycle; the cyclic collector's passes over them are pure cost (a third of a large cycle).
    The few cycles the database layer does create are collected once at the end: they are all young."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)
