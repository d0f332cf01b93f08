"""`run`: cycles on the schedule (never overlapping), the health server, and a graceful stop."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import datetime
from types import FrameType

import structlog
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler

from connector import heap
from connector.cycle import Agent
from connector.health import HealthServer, Readiness
from connector.readiness_kinds import failure_kinds
from connector.settings import Settings
from connector.telemetry import recovery_message

log = structlog.get_logger("hoteleitos.runner")
STOP_BUDGET = 5.0  # seconds the cycle in progress gets after SIGTERM (docker's grace period is 30 s)


def run_forever(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; the cycle in progress finishes or leaves its snapshot in the outbox."""
    stop = threading.Event()
    agent = Agent(settings, stop=stop)
    readiness = Readiness(settings)
    health = None
    if settings.health.port:
        health = HealthServer(settings.health.host, settings.health.port, readiness)
        health.start()

    idle = threading.Event()
    idle.set()

    def cycle() -> None:
        idle.clear()
        try:
            report = agent.cycle()
            heap.trim(report.rows)  # between cycles, hold only what is kept (see connector.heap)
            readiness.update(
                delivered=bool(report.delivered),
                depth=report.depth,
                error=failure_kinds(report),
                held_note=report.guard_note,
                recovery=(
                    (report.recoveries[-1].at, recovery_message(report.recoveries[-1])) if report.recoveries else None
                ),
                cause=report.cause,
                retry_at=_next_try(job, agent),
            )
        finally:
            idle.set()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler = BackgroundScheduler(timezone=settings.tz)
    job = scheduler.add_job(
        cycle,
        settings.schedule.trigger(settings.tz),
        id="census",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(settings.tz),
    )
    log.info(
        "connector_started",
        vendor=settings.source.vendor,
        schedule=str(settings.schedule),
        health_port=health.port if health else None,
    )
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        finished = idle.wait(STOP_BUDGET)  # the read and the push were told to stop: they end within seconds
        if health is not None:
            health.stop()
        if not finished:
            _abandon_cycle()
        agent.close()
        log.info("connector_stopped")
    return 0


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


def _next_try(job: Job, agent: Agent) -> float | None:
    """Unix time of the next cycle that will try to deliver: the next scheduled run, or the end of a pause after
    a refused token when that comes later. Read from the job itself: asking the scheduler would wait for its lock,
    which a shutdown holds while it waits for this very cycle."""
    if job.next_run_time is None:
        return None
    at = float(job.next_run_time.timestamp())
    paused = agent.courier.paused_until - time.monotonic()
    return max(at, time.time() + paused) if paused > 0 else at
