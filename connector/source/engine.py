"""Engines for the HIS database: one per run, read-only sessions, timeouts on every query.

Drivers are imported by SQLAlchemy only when an engine is created, so `--help` stays fast and a hospital
on PostgreSQL never needs the ODBC libraries.
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from connector.settings import SourceSettings
from connector.settings.oracle import OracleSettings
from connector.settings.urls import source_url
from connector.source import firebird
from connector.source.driver_text import (
    before_execute_ascii,
    oracle_timestamp_tz_as_text,
    psycopg_raw_text,
    sqlite_text,
)
from connector.source.errors import translate
from connector.source.oracle_connect import NAME, OracleConnect, OracleStatus, connect_arguments, thick_arguments
from connector.source.pg_tls import TlsChoice, managed
from connector.source.statements import session_statements
from connector.source.watchdog import GRACE, watch

APPLICATION_NAME = "hoteleitos-connector"
SESSION = "hoteleitos_session"  # key, in a pool entry's `info`, of (session.sql's dialect, its placeholders' values)
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
    url: str,
    *,
    connect_timeout: float,
    query_timeout: float,
    timezone: str | None = None,
    oracle: OracleSettings | None = None,
    encoding: str | None = None,
) -> Engine:
    """An engine whose every session is read-only where the database allows, bounded in time, and in the
    hospital's `timezone` (so that the database cuts timestamps to dates in the hospital's zone too); on Oracle, in
    the driver mode `oracle` asks for (thick mode: the Oracle Client loads here, or `SourceError` says why not)."""
    parsed = source_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 600}
    connect_args = _connect_args(parsed.get_driver_name(), connect_timeout, query_timeout)
    if parsed.get_backend_name() == "sqlite":
        options = {}
    if parsed.get_driver_name() == "psycopg":
        options["use_native_hstore"] = False  # its type lookup is an error in the log of servers before 9.4
    if parsed.get_driver_name() == "oracledb":
        oracle = oracle or OracleSettings()
        connect_args.update(connect_arguments(oracle))
        if oracle.client == "thick":
            options["thick_mode"] = thick_arguments(oracle)
    try:
        engine = create_engine(parsed, connect_args=connect_args, **options)
    except Exception as error:
        if "thick_mode" not in options or "DPI-" not in str(error):  # only the Oracle Client's load is expected
            raise
        raise translate(error, parsed, "") from None
    if parsed.get_backend_name() == "oracle":
        _ORACLE_NAMES[engine] = OracleConnect(oracle)
        event.listen(engine, "do_connect", _ORACLE_NAMES[engine])
    event.listen(engine, "connect", _session_setup(engine, query_timeout, timezone))
    if parsed.get_driver_name() == "psycopg":
        event.listen(engine, "before_cursor_execute", before_execute_ascii, retval=True)
    if parsed.get_backend_name() == "firebird":  # read-only transactions; statements bounded on the client
        firebird.prepare(engine, connect_timeout, query_timeout, encoding)
    watch(engine, connect_timeout + query_timeout + GRACE)
    if parsed.get_driver_name() == "psycopg" and managed(parsed):  # one authentication per try (pg_tls)
        # after the watchdog's own listener (`insert=True` does not reorder an engine's do_connect listeners):
        # a read it broke must not connect again
        event.listen(engine, "do_connect", TlsChoice())
    return engine


def engine_for(source: SourceSettings, timezone: str | None = None, oracle: OracleSettings | None = None) -> Engine:
    """The engine of the configured HIS database, with the configured timeouts, in the hospital's time zone (and,
    on Oracle, the configured driver mode). `SourceError` when thick mode's Oracle Client does not load."""
    assert source.url is not None
    return create_source_engine(
        source.url.get_secret_value(),
        connect_timeout=source.connect_timeout,
        query_timeout=source.query_timeout,
        timezone=timezone,
        oracle=oracle,
        encoding=source.encoding,
    )


def _session_setup(engine: Engine, query_timeout: float, timezone: str | None) -> Any:
    """Per-connection settings: statement timeout, the hospital's time zone, text as stored and, where a session can
    be, read-only (the statements are queries/<dialect>/session.sql)."""
    ms = int(query_timeout * 1000)
    dialect = engine.dialect

    def setup(dbapi_connection: Any, record: Any) -> None:
        backend = dialect.name
        mariadb = backend == "mariadb" or bool(getattr(dialect, "is_mariadb", False))
        values = session_values(query_timeout, timezone)
        if backend == "oracle":
            dbapi_connection.call_timeout = ms  # read-only: queries/oracle/transaction.sql in `fetch`
            dbapi_connection.module = NAME  # V$SESSION.MODULE, sent with the statements below
            oracle_timestamp_tz_as_text(dbapi_connection)
        elif engine.driver == "pyodbc":
            dbapi_connection.timeout = max(1, round(query_timeout))
        elif backend == "postgresql":
            values["client_encoding"] = psycopg_raw_text(dbapi_connection, record.info)
            if dbapi_connection.info.server_version < 90000:  # application_name exists since 9.0
                values["application_name"] = None
        elif backend == "sqlite":
            dbapi_connection.text_factory = sqlite_text
        record.info[SESSION] = ("mariadb" if mariadb else backend, values)
        cursor = dbapi_connection.cursor()
        try:
            for statement in session_statements("mariadb" if mariadb else backend, values):
                cursor.execute(statement)
            if backend == "oracle" and engine in _ORACLE_NAMES:
                _ORACLE_NAMES[engine].opened(dbapi_connection, cursor)
        finally:
            cursor.close()
        if backend == "postgresql":
            dbapi_connection.commit()

    return setup


def session_values(query_timeout: float, timezone: str | None) -> dict[str, str | None]:
    """The values of the placeholders of queries/<dialect>/session.sql (a driver hook may change some of them)."""
    return {
        "timeout_ms": str(int(query_timeout * 1000)),
        "timeout_seconds": f"{query_timeout:.3f}",
        "timezone": timezone,
        "utc_offset": _utc_offset(timezone) if timezone else None,
        "application_name": APPLICATION_NAME,
        "client_encoding": None,
    }


def _utc_offset(timezone: str) -> str:
    """The zone's current offset from UTC as MySQL takes it (`-03:00`)."""
    offset = datetime.now(ZoneInfo(timezone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_ORACLE_NAMES: weakref.WeakKeyDictionary[Engine, OracleConnect] = weakref.WeakKeyDictionary()


def oracle_name_used(engine: Engine) -> str | None:
    """`SID` or `SERVICE_NAME` when this engine's connections use the other kind than the URL's; else None."""
    name = _ORACLE_NAMES.get(engine)
    return None if name is None else name.used


def oracle_status(engine: Engine, today: date) -> OracleStatus | None:
    """The driver mode of this engine's Oracle sessions and the password's expiry warning (None: not Oracle, or no
    session opened yet)."""
    state = _ORACLE_NAMES.get(engine)
    return None if state is None else state.status(today)
