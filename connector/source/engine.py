"""Engines for the HIS database: one per run, read-only sessions, timeouts on every query.

Drivers are imported by SQLAlchemy only when an engine is created, so `--help` stays fast and a hospital
on PostgreSQL never needs the ODBC libraries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from connector.settings import SourceSettings
from connector.source import firebird
from connector.source.urls import source_url

APPLICATION_NAME = "hoteleitos-connector"


def _connect_args(driver: str, connect_timeout: float, query_timeout: float) -> dict[str, Any]:
    """Driver keywords that bound the connection (and, where the driver has one, the read)."""
    if driver == "psycopg":
        return {"connect_timeout": max(1, round(connect_timeout)), "application_name": APPLICATION_NAME}
    if driver == "pymysql":
        return {"connect_timeout": connect_timeout, "read_timeout": query_timeout + 5}
    if driver == "pyodbc":
        return {"timeout": max(1, round(connect_timeout)), "readonly": True}
    if driver == "oracledb":
        return {"tcp_connect_timeout": connect_timeout}
    return {}


def create_source_engine(url: str, *, connect_timeout: float, query_timeout: float) -> Engine:
    """An engine whose every session is read-only where the database allows and bounded in time."""
    parsed = source_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 600}
    if parsed.get_backend_name() == "sqlite":
        options = {}
    engine = create_engine(
        parsed, connect_args=_connect_args(parsed.get_driver_name(), connect_timeout, query_timeout), **options
    )
    if parsed.get_backend_name() == "oracle":
        event.listen(engine, "do_connect", _oracle_sid_or_service_name)
    event.listen(engine, "connect", _session_setup(engine, query_timeout))
    if parsed.get_backend_name() == "firebird":  # read-only transactions; statements bounded on the client
        firebird.prepare(engine, connect_timeout, query_timeout)
    return engine


def engine_for(source: SourceSettings) -> Engine:
    """The engine of the configured HIS database, with the configured timeouts."""
    assert source.url is not None
    return create_source_engine(
        source.url.get_secret_value(), connect_timeout=source.connect_timeout, query_timeout=source.query_timeout
    )


def _session_setup(engine: Engine, query_timeout: float) -> Any:
    """Per-connection settings: statement timeout and, where a session can be, read-only."""
    ms = int(query_timeout * 1000)
    dialect = engine.dialect

    def setup(dbapi_connection: Any, _record: Any) -> None:
        backend = dialect.name
        if backend == "oracle":
            dbapi_connection.call_timeout = ms  # read-only: SET TRANSACTION READ ONLY in `fetch`
            return
        if engine.driver == "pyodbc":
            dbapi_connection.timeout = max(1, round(query_timeout))
        mysql = [
            "SET SESSION TRANSACTION READ ONLY",
            f"SET SESSION max_statement_time = {query_timeout:.3f}"
            if getattr(dialect, "is_mariadb", False)
            else f"SET SESSION max_execution_time = {ms}",
        ]
        statements = {
            "postgresql": [f"SET statement_timeout = {ms}", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"],
            "mysql": mysql,
            "mariadb": mysql,  # mariadb+pymysql:// URLs (DB_DIALECT=mariadb) name their dialect so
            "sqlite": ["PRAGMA query_only = ON"],
        }.get(backend, [])
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        if backend == "postgresql":
            dbapi_connection.commit()

    return setup


def _oracle_sid_or_service_name(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
    """Connect with the name as given; if the listener does not know it, try it as the other kind.

    The incumbent's DB_NAME holds an SID on some hospitals and a service name on others.
    """
    try:
        return dialect.dbapi.connect(*cargs, **cparams)
    except dialect.dbapi.DatabaseError as error:
        dsn = str(cparams.get("dsn", ""))
        code = str(error)
        if "ORA-12514" in code and "SERVICE_NAME=" in dsn:
            swapped = dsn.replace("SERVICE_NAME=", "SID=")
        elif "ORA-12505" in code and "SID=" in dsn:
            swapped = dsn.replace("SID=", "SERVICE_NAME=")
        else:
            raise
        return dialect.dbapi.connect(*cargs, **{**cparams, "dsn": swapped})
