"""One cycle: extract the census, normalise it, store the snapshot, push what is pending, oldest first.

A failed read produces no snapshot at all (never an empty or partial census); whatever was already
pending is still delivered.
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy.engine import Engine

from adapters import adapter_for
from adapters.base import Adapter
from connector import __version__, metrics
from connector.census import Census
from connector.database import engine_for
from connector.delivery import Courier, Delivered
from connector.errors import SinkError, SourceError
from connector.guard import assess
from connector.outbox import Outbox
from connector.settings import Settings
from connector.sink import ApiSink
from connector.snapshot import Snapshot, build_snapshot

log = structlog.get_logger("hoteleitos.job")


@dataclass
class CycleReport:
    """What one cycle did; `ok` is what `run --once` turns into its exit status."""

    cycle_id: str
    patients: int | None = None
    rows: int | None = None
    snapshot_id: str | None = None
    held: bool = False
    delivered: list[Delivered] = field(default_factory=list)
    rejected: list[tuple[str, int | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)
    extract_seconds: float = 0.0
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.patients is not None
            and not self.rejected
            and not self.errors
            and self.depth.get("pending", 0) == 0
            and self.depth.get("held", 0) == 0
        )


class Agent:
    """The connector's parts wired together; the scheduler and the CLI drive it one cycle at a time."""

    def __init__(
        self,
        settings: Settings,
        *,
        outbox: Outbox | None = None,
        sink: ApiSink | None = None,
        adapter: Adapter | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.adapter = adapter or adapter_for(settings.source)
        self.outbox = outbox or Outbox(settings.state_dir)
        self.sink = sink or ApiSink(
            settings.api, stop=self.stop, on_attempt=_count_attempt, max_pause=settings.schedule.nominal_interval
        )
        self.courier = Courier(settings, self.outbox, self.sink, self.stop)
        self._engine: Engine | None = None
        self._fresh: Snapshot | None = None  # this cycle's snapshot, already in memory: no need to read it back
        metrics.BUILD.info({"version": __version__, "vendor": settings.source.vendor})

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine_for(self.settings.source)
        return self._engine

    def close(self) -> None:
        self.sink.close()
        self.outbox.close()
        if self._engine is not None:
            self._engine.dispose()

    def cycle(self, *, drain_all: bool = False) -> CycleReport:
        """Run one cycle; never raises for a database or API failure (they land in the report)."""
        report = CycleReport(cycle_id=uuid.uuid4().hex[:12])
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(cycle_id=report.cycle_id):
            try:
                with _gc_paused():
                    census = self.extract(report)
                    if census is not None:
                        self.store(census, report)
                    del census
                self.deliver(report, budget=None if drain_all else self.settings.retry_deadline)
            except Exception as error:  # noqa: BLE001 - a defect must not stop the agent; the outbox keeps all
                _report_unexpected(error, report)
            finally:
                self._fresh = None
            report.depth = self.outbox.depth()
            report.duration = time.perf_counter() - started
            self._record(report)
        return report

    def extract(self, report: CycleReport) -> Census | None:
        """Read and normalise the census, or report why it could not be read."""
        try:
            reading = self.adapter.read(self.engine, datetime.now(self.settings.tz).date())
        except SourceError as error:
            report.errors.append(error.message)
            log.error("census_failed", kind=error.kind, detail=error.detail, message=error.message)
            return None
        census = reading.census
        report.rows, report.patients, report.extract_seconds = census.rows_read, len(census), reading.duration
        metrics.EXTRACT_SECONDS.observe(reading.duration)
        metrics.ROWS.set(census.rows_read)
        metrics.PATIENTS.set(len(census))
        for (kind, name), count in sorted(census.issues.counts.items()):
            metrics.WARNINGS.labels(kind=kind, field=name).inc(count)
            log.warning(
                "normalisation_warning",
                kind=kind,
                field=name,
                count=count,
                rows=census.issues.rows.get(kind) if kind.endswith("cod_ocorrencia") else None,
            )
        log.info(
            "census_extracted",
            rows=census.rows_read,
            patients=len(census),
            duration_ms=round(reading.duration * 1000, 1),
        )
        return census

    def store(self, census: Census, report: CycleReport) -> None:
        """Turn the census into a snapshot on disk: pending, or held by the guard."""
        snapshot = build_snapshot(
            census,
            vendor=self.settings.source.vendor,
            captured_at=datetime.now(self.settings.tz),
            body_format=self.settings.api.body_format,
        )
        report.snapshot_id = snapshot.id
        last = self.outbox.read_state("last_delivered_count")
        verdict = assess(snapshot.count, int(last) if last is not None else None, self.settings.guard)
        held_before = self.outbox.entries("held")
        if held_before and verdict.reason != self.outbox.read_state("guard_reason"):
            self.outbox.remove(e.id for e in held_before)
            metrics.DROPPED.labels(reason="guard_false_alarm").inc(len(held_before))
            log.warning("guard_false_alarm", discarded=len(held_before), patients=snapshot.count)
            held_before = []
        if verdict.hold:
            self.outbox.write_state({"guard_reason": verdict.reason})
            self.outbox.add(snapshot, "held")
            report.held = True
            metrics.HELD.inc()
            confirmations = len(held_before)
            log.error(
                "census_held",
                reason=verdict.reason,
                patients=snapshot.count,
                last_delivered=last,
                confirmations=confirmations,
                needed=self.settings.guard.confirmations,
                message="censo retido: encolheu demais em relação ao último enviado; confirme com "
                "`hoteleitos-connector release` ou aguarde a confirmação automática.",
            )
            if confirmations >= self.settings.guard.confirmations:
                self.release(reason="confirmed")
                report.held = False
        else:
            self.outbox.add(snapshot)
            self._fresh = snapshot
        log.info(
            "snapshot_stored",
            snapshot_id=snapshot.id,
            patients=snapshot.count,
            status="held" if report.held else "pending",
            bytes=snapshot.size,
        )
        self._enforce_bounds()

    def release(self, reason: str = "operator") -> int:
        """Turn every held snapshot into a pending one (they go out in capture order)."""
        held = self.outbox.entries("held")
        self.outbox.set_status((e.id for e in held), "pending")
        if held:
            log.warning("guard_released", snapshots=len(held), reason=reason)
        return len(held)

    def _enforce_bounds(self) -> None:
        outbox = self.settings.outbox
        doomed = self.outbox.over_bounds(
            max_count=outbox.max_count,
            max_age=outbox.max_age_hours * 3600,
            max_bytes=int(outbox.max_megabytes * 1024 * 1024),
            now=time.time(),
        )
        if outbox.collapse_backlog:
            pending = self.outbox.entries("pending")
            doomed += [(e, "collapsed") for e in pending[:-1] if all(e.id != d.id for d, _ in doomed)]
        for entry, reason in doomed:
            metrics.DROPPED.labels(reason=reason).inc()
            log.warning(
                "outbox_dropped",
                snapshot_id=entry.id,
                captured_at=entry.captured_at,
                status=entry.status,
                reason=reason,
            )
        self.outbox.remove(e.id for e, _ in doomed)

    def deliver(self, report: CycleReport, budget: float | None) -> None:
        """Push pending snapshots oldest first (see `connector.delivery`) and note the outcome in `report`."""
        outcome = self.courier.deliver(budget, self._fresh)
        report.delivered += outcome.delivered
        report.rejected += outcome.rejected
        report.errors += outcome.errors

    def _record(self, report: CycleReport) -> None:
        for status, count in report.depth.items():
            metrics.OUTBOX.labels(status=status).set(count)
        result = "ok" if report.ok else ("extract_failed" if report.patients is None else "not_delivered")
        metrics.CYCLES.labels(result=result).inc()
        metrics.CYCLE_SECONDS.observe(report.duration)
        log.info(
            "cycle_finished",
            result=result,
            patients=report.patients,
            delivered=len(report.delivered),
            pending=report.depth.get("pending", 0),
            held=report.depth.get("held", 0),
            dead=report.depth.get("dead", 0),
            duration_ms=round(report.duration * 1000, 1),
        )


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


def _report_unexpected(error: Exception, report: CycleReport) -> None:
    """Log an unexpected failure by type and place only: its message could quote a row."""
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    log.error("cycle_crashed", error_type=type(error).__name__, where=where,
              message="falha inesperada no ciclo; os censos já guardados continuam na fila.")  # fmt: skip
    report.errors.append(f"falha inesperada no ciclo ({type(error).__name__} em {where}); veja os logs.")


def _count_attempt(_snapshot: Snapshot, status: int | None, _error: SinkError | None, seconds: float) -> None:
    metrics.PUSHES.labels(status=str(status) if status is not None else "error").inc()
    metrics.PUSH_SECONDS.observe(seconds)
