"""`run`: cycles on the schedule (never overlapping), or paced by the change probe, the health server, and a
graceful stop."""

from __future__ import annotations

import contextlib
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
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from connector.clock import StepWatch, step_message
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
STEP_LOOK = 1.0  # seconds between two looks at the wall clock for a step
STOP_BUDGET = 5.0
HUP_MESSAGE = (
    "SIGHUP: os arquivos de segredo (HOTELEITOS_API_TOKEN_FILE, HOTELEITOS_SOURCE_URL_FILE) são relidos no início do "
    "próximo ciclo; as demais configurações só mudam reiniciando o conector."
)  # seconds the cycle in progress gets after SIGTERM (docker's grace period is 30 s)


def run_forever(settings: Settings, layers: Layers | None = None) -> int:
    """Run until SIGTERM/SIGINT; the cycle in progress finishes or leaves its snapshot in the outbox."""
    stop = threading.Event()
    agent = Agent(settings, stop=stop)
    readiness = Readiness(settings)
    board = StatusBoard(settings, readiness, origin=origin_of(layers.sources if layers else []))
    # What the outbox holds from before this start, from the first answer on (the first cycle may take a while).
    readiness.update(delivered=False, depth=agent.outbox.depth(), error=None)
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
            _judge(readiness, report, _after_login_pause(next_try(), report, agent))
            board.note(report)
            return report
        finally:
            idle.set()

    _handle_signals(stop, agent)
    scheduler = BackgroundScheduler(timezone=settings.tz)
    if pacer is None:  # every read on the schedule, as always
        job = _schedule(scheduler, settings, cycle)
    else:
        threading.Thread(target=pace, args=(agent, pacer, stop, idle, cycle), name="pacer", daemon=True).start()
    _started(settings, health)
    if pacer is None:
        scheduler.start()
    try:
        _watch_the_clock(stop, job, settings)
    finally:
        _shut_down(scheduler if pacer is None else None, idle, health, agent)
    return 0


def _handle_signals(stop: threading.Event, agent: Agent) -> None:
    """SIGTERM and SIGINT stop the agent gracefully; SIGHUP rereads the secret files before the next cycle; SIGUSR1
    and SIGUSR2 are said and ignored (Python's default would end the process without a word)."""

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    def request_reread(_signum: int, _frame: FrameType | None) -> None:
        agent.reread.set()
        log.info("reread_requested", signal="SIGHUP", message=HUP_MESSAGE)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, request_reread)
    for ignored in (signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(ignored, _ignore)


def _watch_the_clock(stop: threading.Event, job: Job | None, settings: Settings) -> None:
    """Until the stop: re-arm the schedule when the wall clock is stepped. APScheduler waits for a wall-clock
    moment, so after a step back of an hour it would wait that hour; the next cycle runs now instead, and the
    schedule goes on from there."""
    watch = StepWatch()
    while not stop.wait(STEP_LOOK):
        jump = watch.step()
        if not jump:
            continue
        log.warning("clock_stepped", seconds=round(jump, 1), message=step_message(jump))
        if job is not None:  # the change probe's pacing runs on the monotonic clock already
            with contextlib.suppress(JobLookupError):  # the scheduler is shutting down
                job.modify(next_run_time=datetime.now(settings.tz))


def _ignore(signum: int, _frame: FrameType | None) -> None:
    """A signal the agent has no use for: said, not fatal (Python's default for SIGUSR1 ends the process)."""
    name = signal.Signals(signum).name
    log.warning("signal_ignored", signal=name, message=f"{name} recebido e ignorado; o conector segue rodando.")


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


def _after_login_pause(at: float | None, report: CycleReport, agent: Agent) -> float | None:
    """The next try /readyz names: when the cycle failed only because the database refused the login, the read
    waits out its pause (a minute, doubling up to 15), whatever the schedule says; Unix time, like `at`."""
    refused = report.read_error is not None and report.read_error.kind in ("auth", "auth_paused")
    if not refused or report.round.errors or report.crashes or report.store_error:
        return at
    left = agent.auth_pause.until - time.monotonic()
    return at if left <= 0 else max(at or 0.0, time.time() + left)


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
