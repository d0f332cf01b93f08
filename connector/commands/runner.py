"""`run`: cycles on the schedule (never overlapping), or paced by the change probe, the health server, and a
graceful stop."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from types import FrameType

import structlog
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler

from connector.commands.pacing import Pacer
from connector.cycle import Agent
from connector.ops import memory, telemetry
from connector.ops.cycle_report import CycleReport
from connector.ops.health import HealthServer, Readiness
from connector.ops.readiness import failure_kinds
from connector.ops.status import StatusBoard, origin_of
from connector.ops.telemetry import recovery_message
from connector.settings import Settings
from connector.settings.loader import Layers

log = structlog.get_logger("hoteleitos.runner")
STOP_BUDGET = 5.0  # seconds the cycle in progress gets after SIGTERM (docker's grace period is 30 s)


def run_forever(settings: Settings, layers: Layers | None = None) -> int:
    """Run until SIGTERM/SIGINT; the cycle in progress finishes or leaves its snapshot in the outbox."""
    stop = threading.Event()
    agent = Agent(settings, stop=stop)
    readiness = Readiness(settings)
    board = StatusBoard(settings, readiness, origin=origin_of(layers.sources if layers else []))
    health = None
    if settings.health.port:
        health = HealthServer(settings.health.host, settings.health.port, readiness, board.page)
        health.start()

    idle = threading.Event()
    idle.set()
    pacer = None if settings.change_probe is None else Pacer.of(settings)
    job: Job | None = None

    def next_try() -> float | None:
        if pacer is not None:
            return _next_paced_try(pacer, agent)
        return None if job is None else _next_try(job, agent)

    def cycle(trigger: str | None = None, noted: Callable[[CycleReport], None] | None = None) -> CycleReport:
        idle.clear()
        try:
            report = agent.cycle(trigger=trigger)
            memory.trim(report.rows)  # between cycles, hold only what is kept (see connector.ops.memory)
            if noted is not None:  # the pacer learns of the cycle before readiness asks it for the next one
                noted(report)
            _judge(readiness, report, next_try())
            board.note(report)
            return report
        finally:
            idle.set()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler = BackgroundScheduler(timezone=settings.tz)
    if pacer is None:  # every read on the schedule, as always
        job = _schedule(scheduler, settings, cycle)
    else:
        threading.Thread(target=pace, args=(agent, pacer, stop, idle, cycle), name="pacer", daemon=True).start()
    _started(settings, health)
    if pacer is None:
        scheduler.start()
    try:
        stop.wait()
    finally:
        _shut_down(scheduler if pacer is None else None, idle, health, agent)
    return 0


def _shut_down(
    scheduler: BackgroundScheduler | None, idle: threading.Event, health: HealthServer | None, agent: Agent
) -> None:
    """After SIGTERM: no new cycle; the one in progress was told to stop and gets a few seconds to end."""
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    finished = idle.wait(STOP_BUDGET)  # the read and the push were told to stop: they end within seconds
    if health is not None:
        health.stop()
    if not finished:
        _abandon_cycle()
    agent.close()
    log.info("connector_stopped")


def _judge(readiness: Readiness, report: CycleReport, retry_at: float | None) -> None:
    """What /readyz learns from a cycle: delivery, queue, the kind of the last failure, what the guard holds, an
    outbox that started over, and when the next try comes."""
    recovery = report.recoveries[-1] if report.recoveries else None
    readiness.update(
        delivered=bool(report.delivered),
        depth=report.depth,
        error=failure_kinds(report),
        held_note=report.guard_note,
        recovery=(recovery.at, recovery_message(recovery)) if recovery is not None else None,
        cause=report.cause,
        retry_at=retry_at,
        oracle=report.oracle,
        read_resumes_at=report.read_error.resumes_at if report.read_error else None,
    )


def _schedule(scheduler: BackgroundScheduler, settings: Settings, cycle: Callable[[], CycleReport]) -> Job:
    """The census job on the schedule: never two at once, a late run coalesced, the first one now."""
    return scheduler.add_job(
        cycle,
        settings.schedule.trigger(settings.tz),
        id="census",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(settings.tz),
    )


def _started(settings: Settings, health: HealthServer | None) -> None:
    probing = {"change_probe": str(settings.change_probe), "full_read_every": str(settings.full_read_every)}
    log.info(
        "connector_started",
        vendor=settings.source.vendor,
        schedule=str(settings.schedule),
        **(probing if settings.change_probe else {}),
        health_port=health.port if health else None,
    )


def pace(
    agent: Agent,
    pacer: Pacer,
    stop: threading.Event,
    idle: threading.Event,
    cycle: Callable[[str, Callable[[CycleReport], None]], CycleReport],
) -> None:
    """With the change probe on: every probe interval, probe, then run a full cycle when the pacer says one is due.
    Probe and cycle run one after the other in this one thread: never two reads at once on the engine, never two
    cycles. `idle` is clear for the whole tick, so a stop waits for it like for a cycle."""
    while True:
        idle.clear()
        if stop.is_set():
            idle.set()
            return
        started = time.monotonic()
        try:
            if pacer.should_probe(started):
                outcome = agent.probe()
                telemetry.probed(outcome, pacer.observe(outcome, time.monotonic()))
            trigger = None if stop.is_set() else pacer.due(time.monotonic())
            if trigger is not None:
                cycle(trigger, partial(pacer.noted, time.monotonic(), datetime.now(pacer.tz)))
        except Exception as error:  # noqa: BLE001 - a defect must not end the loop: the next tick tries again
            telemetry.crashed(type(error).__name__, "runner.pace")
        finally:
            idle.set()
        if stop.wait(pacer.sleep(started, time.monotonic())):
            return


def _abandon_cycle() -> None:
    """A cycle still blocked in a driver call nothing can interrupt (a connection being opened to a silent
    host): exit without it. Whatever was stored is in the outbox (every write is a committed transaction)."""
    log.warning(
        "stop_forced",
        budget_s=STOP_BUDGET,
        message="o ciclo em andamento não terminou a tempo e foi abandonado; os censos guardados seguem na fila.",
    )
    logging.shutdown()
    os._exit(0)


def _next_paced_try(pacer: Pacer, agent: Agent) -> float | None:
    """With the change probe on: Unix time of the next full cycle at the latest (or the end of a token pause)."""
    at = time.time() + pacer.next_cycle_in(time.monotonic())
    paused = agent.courier.paused_until - time.monotonic()
    return max(at, time.time() + paused) if paused > 0 else at


def _next_try(job: Job, agent: Agent) -> float | None:
    """Unix time of the next cycle that will try to deliver: the next scheduled run, or the end of a pause after
    a refused token when that comes later. Read from the job itself: asking the scheduler would wait for its lock,
    which a shutdown holds while it waits for this very cycle."""
    if job.next_run_time is None:
        return None
    at = float(job.next_run_time.timestamp())
    paused = agent.courier.paused_until - time.monotonic()
    return max(at, time.time() + paused) if paused > 0 else at
