"""Engines for the HIS database: one per run, read-only sessions, timeouts on every query.

Drivers are imported by SQLAlchemy only when an engine is created, so `--help` stays fast and a hospital
on PostgreSQL never needs the ODBC libraries.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from connector.settings import SourceSettings
from connector.settings.urls import source_url
from connector.source import firebird
from connector.source.driver_text import (
    ORACLE_TIMESTAMP_TZ_FORMAT,
    before_execute_ascii,
    oracle_timestamp_tz_as_text,
    psycopg_raw_text,
    sqlite_text,
)
from connector.source.watchdog import GRACE, watch

APPLICATION_NAME = "hoteleitos-connector"
log = structlog.get_logger("hoteleitos.source")


def _connect_args(driver: str, connect_timeout: float, query_timeout: float) -> dict[str, Any]:
    """Driver keywords that bound the connection (and, where the driver has one, the read).

    PostgreSQL: no application_name at start-up (8.4 refuses it with a FATAL in its log; it is set afterwards
    where the server knows it), and UTF-8 on the wire whatever the database's own encoding.
    """
    if driver == "psycopg":
        return {
            "connect_timeout": max(1, round(connect_timeout)),
            "client_encoding": "UTF8",
            # A peer gone silent is noticed by the kernel too: probes after 5 s idle, given up 10 s unanswered.
            **{"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3},
            "tcp_user_timeout": 10_000,
        }
    if driver == "pymysql":
        return {"connect_timeout": connect_timeout, "read_timeout": query_timeout + 5, "write_timeout": query_timeout}
    if driver == "pyodbc":
        return {"timeout": max(1, round(connect_timeout)), "readonly": True}
    if driver == "oracledb":
        return {"tcp_connect_timeout": connect_timeout, "expire_time": 1}  # expire_time: probes every minute
    return {}


def create_source_engine(
    url: str, *, connect_timeout: float, query_timeout: float, timezone: str | None = None, encoding: str | None = None
) -> Engine:
    """An engine whose every session is read-only where the database allows, bounded in time, and in the
    hospital's `timezone` (so that the database cuts timestamps to dates in the hospital's zone too)."""
    parsed = source_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 600}
    if parsed.get_backend_name() == "sqlite":
        options = {}
    if parsed.get_driver_name() == "psycopg":
        options["use_native_hstore"] = False  # its type lookup is an error in the log of servers before 9.4
    engine = create_engine(
        parsed, connect_args=_connect_args(parsed.get_driver_name(), connect_timeout, query_timeout), **options
    )
    if parsed.get_backend_name() == "oracle":
        _ORACLE_NAMES[engine] = OracleName()
        event.listen(engine, "do_connect", _ORACLE_NAMES[engine])
    event.listen(engine, "connect", _session_setup(engine, query_timeout, timezone))
    if parsed.get_driver_name() == "psycopg":
        event.listen(engine, "before_cursor_execute", before_execute_ascii, retval=True)
    if parsed.get_backend_name() == "firebird":  # read-only transactions; statements bounded on the client
        firebird.prepare(engine, connect_timeout, query_timeout, encoding)
    watch(engine, connect_timeout + query_timeout + GRACE)
    return engine


def engine_for(source: SourceSettings, timezone: str | None = None) -> Engine:
    """The engine of the configured HIS database, with the configured timeouts, in the hospital's time zone."""
    assert source.url is not None
    return create_source_engine(
        source.url.get_secret_value(),
        connect_timeout=source.connect_timeout,
        query_timeout=source.query_timeout,
        timezone=timezone,
        encoding=source.encoding,
    )


def _session_setup(engine: Engine, query_timeout: float, timezone: str | None) -> Any:
    """Per-connection settings: statement timeout, the hospital's time zone, text as stored and, where a session can
    be, read-only."""
    ms = int(query_timeout * 1000)
    dialect = engine.dialect

    def setup(dbapi_connection: Any, record: Any) -> None:
        backend = dialect.name
        mariadb = backend == "mariadb" or bool(getattr(dialect, "is_mariadb", False))
        statements = _statements("mariadb" if mariadb else backend, dbapi_connection, query_timeout, timezone)
        if backend == "oracle":
            dbapi_connection.call_timeout = ms  # read-only: SET TRANSACTION READ ONLY in `fetch`
            oracle_timestamp_tz_as_text(dbapi_connection)
        elif engine.driver == "pyodbc":
            dbapi_connection.timeout = max(1, round(query_timeout))
        elif backend == "postgresql":
            psycopg_raw_text(dbapi_connection, record.info)
        elif backend == "sqlite":
            dbapi_connection.text_factory = sqlite_text
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        if backend == "postgresql":
            dbapi_connection.commit()

    return setup


def _statements(backend: str, dbapi_connection: Any, query_timeout: float, timezone: str | None) -> list[str]:
    """The SQL that sets a new session up, for the server it is (old PostgreSQL versions included)."""
    ms = int(query_timeout * 1000)
    if backend == "oracle":
        zone = [f"ALTER SESSION SET TIME_ZONE = '{timezone}'"] if timezone else []
        return [*zone, f"ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = '{ORACLE_TIMESTAMP_TZ_FORMAT}'"]
    if backend == "postgresql":
        statements = [f"SET statement_timeout = {ms}", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"]
        if timezone:
            statements.append(f"SET TIME ZONE '{timezone}'")
        if dbapi_connection.info.server_version >= 90000:  # application_name exists since 9.0
            statements.append(f"SET application_name = '{APPLICATION_NAME}'")
        return statements
    if backend in ("mysql", "mariadb"):  # mariadb+pymysql:// URLs (DB_DIALECT=mariadb) name their dialect so
        timeout = (
            f"SET SESSION max_statement_time = {query_timeout:.3f}"
            if backend == "mariadb"
            else f"SET SESSION max_execution_time = {ms}"
        )
        zone = [f"SET time_zone = '{_utc_offset(timezone)}'"] if timezone else []  # named zones need tz tables
        return ["SET SESSION TRANSACTION READ ONLY", timeout, *zone]
    if backend == "sqlite":
        return ["PRAGMA query_only = ON"]
    return []


def _utc_offset(timezone: str) -> str:
    """The zone's current offset from UTC as MySQL takes it (`-03:00`)."""
    offset = datetime.now(ZoneInfo(timezone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_ORACLE_NAMES: weakref.WeakKeyDictionary[Engine, OracleName] = weakref.WeakKeyDictionary()


class OracleName:
    """Connect with the name as given; if the listener does not know it, try it as the other kind, and keep
    using the kind it accepted (no refused attempt in the listener's log for every later connection).

    The incumbent's DB_NAME holds an SID on some hospitals and a service name on others.
    """

    def __init__(self) -> None:
        self.swap: tuple[str, str] | None = None  # (what the URL says, what the listener accepted)

    @property
    def used(self) -> str | None:
        """`SID` or `SERVICE_NAME` once the listener refused the URL's kind and accepted the other."""
        return None if self.swap is None else self.swap[1].rstrip("=")

    def __call__(self, dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        dsn = str(cparams.get("dsn", ""))
        if self.swap is not None and self.swap[0] in dsn:
            return dialect.dbapi.connect(*cargs, **{**cparams, "dsn": dsn.replace(*self.swap)})
        try:
            return dialect.dbapi.connect(*cargs, **cparams)
        except dialect.dbapi.DatabaseError as error:
            code = str(error)
            if "ORA-12514" in code and "SERVICE_NAME=" in dsn:
                swap = ("SERVICE_NAME=", "SID=")
            elif "ORA-12505" in code and "SID=" in dsn:
                swap = ("SID=", "SERVICE_NAME=")
            else:
                raise
            connection = dialect.dbapi.connect(*cargs, **{**cparams, "dsn": dsn.replace(*swap)})
            self.swap = swap
            log.info("oracle_name_kind", used=self.used)
            return connection


def oracle_name_used(engine: Engine) -> str | None:
    """`SID` or `SERVICE_NAME` when this engine's connections use the other kind than the URL's; else None."""
    name = _ORACLE_NAMES.get(engine)
    return None if name is None else name.used
