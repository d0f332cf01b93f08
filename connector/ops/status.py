"""The status page's board: what the agent already keeps, gathered after each cycle, drawn on request.

    cycle report ──note()──> history (state folder), last read, problems, disk gauges
    GET /  ──page()──> readiness verdict + board + history ──> connector.ops.status_page.render

A request never touches the database, the outbox or the API: it reads memory and renders (see bench/status_page.py
for its cost). Nothing here holds a patient's data or a secret: counts, times, kinds, the database's host.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Iterable

from connector import __version__
from connector.ops import metrics, telemetry
from connector.ops.cycle_report import CycleReport
from connector.ops.health import Readiness
from connector.ops.history import CycleFacts, Delivery, History
from connector.ops.status_page import Health, LastRead, SourceFacts, StatusView, render
from connector.ops.status_problems import Problem, problems_of
from connector.settings import Settings
from connector.settings.urls import source_url

RECENT = 8  # problems kept for "Antes"
_KINDS = {
    "oracle": "Oracle",
    "postgresql": "PostgreSQL",
    "mssql": "SQL Server",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "firebird": "Firebird",
    "sqlite": "SQLite",
}
_ORIGINS = {"ambiente": "variáveis de ambiente", "incumbent": "variáveis do integrador anterior (.env)"}


def describe_source(settings: Settings) -> SourceFacts:
    """Vendor, database kind and host, driver and probe, from the settings alone (no connection)."""
    assert settings.source.url is not None
    url = source_url(settings.source.url.get_secret_value())
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        host = f"arquivo {url.database or '(memória)'}"
    else:
        host = f"{url.host}:{url.port}" if url.port else str(url.host)
    driver_text = {"oracledb": f"python-oracledb, modo {_oracle_mode()}", "psycopg": "psycopg 3", "pymysql": "PyMySQL"}
    if driver == "pyodbc":
        named = url.query.get("driver")
        driver_text["pyodbc"] = f"ODBC ({named})" if isinstance(named, str) else "ODBC"
    if settings.change_probe is None:
        probe = f"desligada: o censo inteiro é lido na agenda ({settings.schedule})"
    else:
        probe = f"ligada a cada {settings.change_probe}; leitura completa ao mudar e a cada {settings.full_read_every}"
    return SourceFacts(
        vendor=settings.source.vendor,
        kind=_KINDS.get(backend, backend),
        host=host,
        driver=driver_text.get(driver, driver),
        probe=probe,
    )


def _oracle_mode() -> str:
    oracledb = sys.modules.get("oracledb")  # imported by the engine only; never imported here for the page
    if oracledb is not None and not oracledb.is_thin_mode():
        return "thick (Oracle Client)"
    return "thin (sem Oracle Client)"


def origin_of(sources: Iterable[tuple[str, dict[str, object]]]) -> str:
    """Where the settings came from, as the loader's layers name them (only those that set something)."""
    names = [_ORIGINS.get(name, name) for name, values in sources if values]
    return ", ".join(names) if names else "valores padrão"


class StatusBoard:
    """What the page shows besides the readiness verdict; updated by the runner after each cycle."""

    def __init__(self, settings: Settings, readiness: Readiness, *, origin: str = "valores padrão") -> None:
        self.settings, self.readiness, self.origin = settings, readiness, origin
        self.history = History.load(settings.state_dir)
        self.source = describe_source(settings)
        self.started = time.time()
        self.last_read: LastRead | None = None
        self.current: list[Problem] = []
        self.recent: list[Problem] = []
        self.refused_token: int | None = None
        self._lock = threading.Lock()
        if self.history.last_delivery is not None:  # the alert "not delivered for N minutes" survives a restart
            metrics.LAST_SUCCESS.set(self.history.last_delivery.at)
        self._measure_disk()

    def note(self, report: CycleReport) -> None:
        """Learn what a cycle did: its counts go to the history, its troubles to the problems. A defect here
        is told and swallowed: the page must never cost a cycle."""
        try:
            self._note(report)
        except Exception as error:  # noqa: BLE001 - the cycle is done; the next one tries again
            telemetry.crashed(type(error).__name__, "status.note")

    def _note(self, report: CycleReport) -> None:
        now = time.time()
        changes = report.changes
        self.history.record(
            CycleFacts(
                at=now,
                ok=report.ok,
                patients=report.patients,
                admissions=changes.admissions if changes else 0,
                discharges=changes.discharges if changes else 0,
                transfers=changes.transfers if changes else 0,
                deliveries=tuple(Delivery(d.at, d.count, d.latency) for d in report.delivered),
            )
        )
        with self._lock:
            if report.patients is not None and report.rows is not None:
                self.last_read = LastRead(now, report.rows, report.patients, report.extract_seconds)
            statuses = [f.status for f in report.round.failures if f.status in (401, 403)]
            if statuses:
                self.refused_token = statuses[-1]
            elif report.delivered:
                self.refused_token = None
            self._remember(problems_of(report, now, self.refused_token))
        self._measure_disk()

    def _remember(self, found: list[Problem]) -> None:
        """This cycle's problems become the current ones; those that ended move to the recent ones."""
        previous = {p.title: p for p in self.current}
        current = []
        for problem in found:
            earlier = previous.pop(problem.title, None)
            if earlier is not None:
                earlier.last, earlier.count = problem.last, earlier.count + 1
            current.append(earlier or problem)
        ended = sorted(previous.values(), key=lambda p: p.last, reverse=True)
        self.recent = (ended + [p for p in self.recent if p.title not in {e.title for e in ended}])[:RECENT]
        self.current = current

    def _measure_disk(self) -> None:
        try:
            usage = shutil.disk_usage(self.settings.state_dir)
        except OSError:
            return
        metrics.STATE_DISK_FREE.set(usage.free)
        metrics.STATE_DISK_SIZE.set(usage.total)

    def view(self, now: float | None = None) -> StatusView:
        """What the page shows now."""
        now = time.time() if now is None else now
        ready, body = self.readiness.verdict()
        last = self.history.last_delivery
        settings = self.settings
        with self._lock:
            current, recent, last_read = list(self.current), list(self.recent), self.last_read
        series = self.history.series(now)
        health, headline = _verdict(ready, body, _delivering(body, last, now, settings.ready_window), current)
        return StatusView(
            now=now,
            tz=settings.tz,
            health=health,
            headline=headline,
            reasons=list(body["reasons"]),
            last_delivery=last,
            window=settings.ready_window,
            next_try=self.readiness.retry_at,
            next_read=self.readiness.read_resumes_at,
            schedule=str(settings.schedule),
            depth=dict(body["outbox"]),
            held_note=self.readiness.held_note,
            source=self.source,
            last_read=last_read,
            version=__version__,
            origin=self.origin,
            started=self.started,
            state_dir=str(settings.state_dir),
            refresh=max(5, min(60, round(settings.schedule.nominal_interval))),
            series=series,
            hourly=self.history.hourly(now, series),
            current=current,
            recent=recent,
            notes=[f"Histórico: {self.history.problem}."] if self.history.problem else [],
        )

    def page(self) -> bytes:
        """The page, as the health server sends it."""
        return render(self.view()).encode("utf-8")


def _delivering(body: dict[str, object], last: Delivery | None, now: float, window: float) -> bool:
    """Whether a census reached the API within the window: by the monotonic age /readyz keeps in this process, else
    (just after a restart) by the history's wall time, which a clock stepped back makes lie in the future: then
    its age is unknown, not negative."""
    age = body.get("last_delivery_age_seconds")
    if isinstance(age, int | float):
        return age <= window
    return last is not None and 0 <= now - last.at <= window


def _verdict(ready: bool, body: dict[str, object], delivering: bool, current: list[Problem]) -> tuple[Health, str]:
    """Red when no census reached the API within the readiness window; amber when one did but something needs
    a look; green otherwise. The headline names a held census first: it waits for a person."""
    depth = body["outbox"]
    health: Health = "falha" if not delivering else ("atencao" if not ready or current else "ok")
    if isinstance(depth, dict) and depth.get("held", 0):
        return health if health == "falha" else "atencao", (
            "Censo retido pela proteção contra altas em massa: precisa de uma decisão"
        )
    if health == "falha":
        return health, "O censo não está chegando ao HOTELEITOS"
    return health, "O censo está chegando ao HOTELEITOS" + (", com avisos" if health == "atencao" else "")
