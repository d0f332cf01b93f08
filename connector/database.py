"""Connections to the HIS database: one engine per run, read-only sessions, timeouts on every query.

Drivers are imported by SQLAlchemy only when an engine is created, so `--help` stays fast and a hospital
on PostgreSQL never needs the ODBC libraries.
"""

from __future__ import annotations

import contextlib
import re
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.sql.elements import TextClause

if TYPE_CHECKING:
    from connector.settings import SourceSettings

# The driver each dialect gets when the URL names none: the stack's own drivers.
DEFAULT_DRIVERS = {
    "oracle": "oracledb",
    "postgresql": "psycopg",
    "postgres": "psycopg",
    "mysql": "pymysql",
    "mariadb": "pymysql",
    "mssql": "pyodbc",
}
APPLICATION_NAME = "hoteleitos-connector"


def source_url(url: str) -> URL:
    """The SQLAlchemy URL with the stack's driver filled in (`postgresql://` -> `postgresql+psycopg://`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        backend = "postgresql" if backend == "postgres" else backend
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    return parsed


def check_url(url: str) -> str | None:
    """Why this database URL cannot work (in Portuguese, without the URL itself), or None."""
    try:
        parsed = source_url(url)
    except (ArgumentError, ValueError):
        return "URL de banco inválida; formato: dialeto+driver://usuario:senha@servidor:porta/banco."
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return (
            f"dialeto '{parsed.drivername}' desconhecido; use oracle+oracledb, postgresql+psycopg, "
            "mssql+pyodbc, mysql+pymysql, mariadb+pymysql ou sqlite."
        )
    if parsed.get_backend_name() != "sqlite" and not parsed.host:
        return "a URL do banco não informa o servidor (host)."
    return None


def safe_url(url: URL) -> str:
    """The URL without its password, for messages and `config`."""
    return url.render_as_string(hide_password=True)


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
    from sqlalchemy import create_engine

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


# Engines whose database holds dates Python cannot represent: their dates are loaded leniently (a little
# slower, so only where needed).
_LENIENT_DATES: weakref.WeakSet[Engine] = weakref.WeakSet()
_UNREPRESENTABLE = re.compile(r"(date|timestamp)[^:]*too (large|small)|infinity| BC", re.IGNORECASE)


def _unrepresentable_dates(engine: Engine, error: SQLAlchemyError) -> bool:
    return (
        engine.driver == "psycopg"
        and engine not in _LENIENT_DATES
        and bool(_UNREPRESENTABLE.search(str(getattr(error, "orig", error))))
    )


def _lenient_psycopg_dates(dbapi_connection: Any) -> None:
    """Dates Python cannot hold (PostgreSQL's 'infinity', years BC) arrive as text instead of failing the whole
    census: normalisation then nulls that one field with a warning, and the patient stays in the census."""
    from psycopg import DataError
    from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader

    for type_name, base in (("date", DateLoader), ("timestamp", TimestampLoader), ("timestamptz", TimestamptzLoader)):

        class Lenient(base):  # type: ignore[valid-type,misc]
            def load(self, data: Any) -> Any:
                try:
                    return super().load(data)
                except DataError:
                    return bytes(data).decode("utf-8", "replace")

        dbapi_connection.adapters.register_loader(type_name, Lenient)


# Statements that open each census read, where read-only is a property of the transaction.
READ_ONLY_TRANSACTION = {"oracle": "SET TRANSACTION READ ONLY"}


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


BATCH_ROWS = 5000
T = TypeVar("T")
Consumer = Callable[[list[str], Iterator[Sequence[Any]]], T]


def fetch(engine: Engine, statement: TextClause, parameters: dict[str, Any], consume: Consumer[T]) -> tuple[T, float]:
    """Run the census query and hand its column names and row batches to `consume`, inside the transaction.

    Rows are streamed (a server-side cursor where the driver has one), so a large census never sits twice in
    memory. Any failure, including one in the middle of the rows, raises `SourceError`: `consume` never gets
    the chance to turn part of a result into a census. Returns what `consume` returned and the seconds taken.
    """
    from connector.db_errors import translate

    started = time.perf_counter()
    try:
        try:
            value = _read(engine, statement, parameters, consume)
        except SQLAlchemyError as error:
            if not _unrepresentable_dates(engine, error):
                raise
            _LENIENT_DATES.add(engine)  # from now on this database's dates are loaded leniently
            value = _read(engine, statement, parameters, consume)
    except SQLAlchemyError as error:
        raise translate(error, engine.url, statement.text) from None
    return value, time.perf_counter() - started


def _read(engine: Engine, statement: TextClause, parameters: dict[str, Any], consume: Consumer[T]) -> T:
    with engine.connect() as connection:
        if engine in _LENIENT_DATES:
            _lenient_psycopg_dates(connection.connection.dbapi_connection)
        opening = READ_ONLY_TRANSACTION.get(engine.dialect.name)
        if opening:
            connection.exec_driver_sql(opening)
        streaming = {"stream_results": True, "max_row_buffer": BATCH_ROWS}
        result = connection.execute(statement, parameters, execution_options=streaming)
        try:
            columns = [str(name).lower() for name in result.keys()]  # noqa: SIM118 - a Result, not a dict
            value = consume(columns, result.partitions(BATCH_ROWS))
        except BaseException:
            _abandon(connection, result)
            raise
        result.close()  # also drains what a limited read left (unbuffered drivers insist)
        connection.rollback()
    return value


def _abandon(connection: Connection, result: CursorResult[Any]) -> None:
    """Close a read that failed half-way; if the connection broke, drop it (its cursor cannot be closed on
    the server). The first error is the one worth reporting, so errors here are swallowed."""
    cursor = result.cursor
    try:
        result.close()
    except SQLAlchemyError:
        connection.invalidate()
        with contextlib.suppress(Exception):
            if cursor is not None:
                cursor.close()


def referenced_tables(sql: str) -> list[str]:
    """Tables named after FROM/JOIN in a query (for messages about grants), in order, without repeats."""
    names = re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w$#]*(?:\.[A-Za-z_][\w$#]*)?)", sql, re.IGNORECASE)
    return list(dict.fromkeys(names))
