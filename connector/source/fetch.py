"""The census read: one read-only transaction, rows streamed in batches, any failure a `SourceError`."""

from __future__ import annotations

import contextlib
import re
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import TextClause

from connector.errors import SourceError
from connector.source.driver_text import RAW_TEXT, TEXT_ENCODING, raw_bytes
from connector.source.errors import translate
from connector.source.statements import dialect_sql, has_dialect_file
from connector.source.watchdog import Guard, guarded

BATCH_ROWS = 5000
T = TypeVar("T")
# consume(column names, row batches, the text encoding the database declares for values handed over as bytes)
Consumer = Callable[[list[str], Iterator[Sequence[Any]], str | None], T]

# Engines whose database holds dates Python cannot represent: their dates are loaded leniently (a little
# slower, so only where needed).
_LENIENT_DATES: weakref.WeakSet[Engine] = weakref.WeakSet()
_UNREPRESENTABLE = re.compile(r"(date|timestamp)[^:]*too (large|small)|infinity| BC", re.IGNORECASE)


def fetch(
    engine: Engine,
    statement: TextClause,
    parameters: dict[str, Any],
    consume: Consumer[T],
    *,
    probe_limit: float | None = None,
) -> tuple[T, float]:
    """Run the census query and hand its column names and row batches to `consume`, inside the transaction.

    Rows are streamed (a server-side cursor where the driver has one), so a large census never sits twice in
    memory. Any failure, including one in the middle of the rows, raises `SourceError`: `consume` never gets
    the chance to turn part of a result into a census. Returns what `consume` returned and the seconds taken.
    `probe_limit`: the change probe's own bound, in seconds, much shorter than the census read's.
    """
    started = time.perf_counter()
    with guarded(engine, probe_limit) as guard:
        try:
            try:
                value = _read(engine, statement, parameters, consume)
            except SQLAlchemyError as error:
                if not _unrepresentable_dates(engine, error) or (guard and guard.reason):
                    raise
                _LENIENT_DATES.add(engine)  # from now on this database's dates are loaded leniently
                value = _read(engine, statement, parameters, consume)
        except SQLAlchemyError as error:
            if guard is not None and guard.reason is not None:
                raise _cut(guard) from None
            raise translate(error, engine.url, statement.text) from None
        except UnicodeError as error:  # a driver that decodes text itself, and met bytes its codec refuses
            raise undecodable(error) from None
        _never_after_a_cut(guard)
    return value, time.perf_counter() - started


def _never_after_a_cut(guard: Guard | None) -> None:
    """A read the watchdog broke is a failure even when the driver ended it quietly (a cancelled statement that
    reports no more rows instead of an error): what `consume` made of it may be part of the census only."""
    if guard is not None and guard.reason is not None:
        raise _cut(guard)


def undecodable(error: UnicodeError) -> SourceError:
    """A value the driver could not decode: the setting that fixes it, never the value."""
    codec = getattr(error, "encoding", None) or "?"
    return SourceError(
        f"o driver do banco não conseguiu decodificar um texto como {codec}; informe a codificação em que o sistema "
        "hospitalar grava o texto em HOTELEITOS_SOURCE_ENCODING (ex.: cp1252 para Windows-1252, latin1) e rode de "
        "novo. O censo deste ciclo foi descartado.",
        kind="encoding",
    )


def inspect(engine: Engine, look: Callable[[Connection], T], sql: str = "") -> T:
    """Run `look` on a connection of `engine` (catalog look-ups), bounded by the same watchdog as the census read;
    any failure is a `SourceError` (`sql` names the tables in messages about grants)."""
    with guarded(engine) as guard:
        try:
            with engine.connect() as connection:
                found = look(connection)
        except SQLAlchemyError as error:
            if guard is not None and guard.reason is not None:
                raise _cut(guard) from None
            raise translate(error, engine.url, sql) from None
        _never_after_a_cut(guard)
        return found


def _cut(guard: Guard) -> SourceError:
    """Why the watchdog broke the read (see `connector.source.watchdog`)."""
    if guard.reason == "stop":
        return SourceError("leitura do censo interrompida pela parada do conector.", kind="stopped")
    if guard.limit < guard.watched.limit:
        return SourceError(
            f"a sonda de mudança não respondeu em {guard.limit:.0f}s, o limite dela (bem menor que o da leitura do "
            "censo, para nunca atrasar o ciclo): foi cortada deste lado. Costuma ser a tabela de leitos bloqueada "
            "por outra transação ou o servidor sobrecarregado.",
            kind="timeout",
            detail="probe_deadline",
        )
    return SourceError(
        f"o banco não respondeu em {guard.limit:.0f}s (HOTELEITOS_SOURCE_CONNECT_TIMEOUT + "
        "HOTELEITOS_SOURCE_QUERY_TIMEOUT + folga): a leitura foi cortada deste lado e o censo deste ciclo "
        "descartado. Confira a rede até o banco (firewall ou VPN que descarta pacotes) e a carga do servidor.",
        kind="timeout",
        detail="client_deadline",
    )


def _read(engine: Engine, statement: TextClause, parameters: dict[str, Any], consume: Consumer[T]) -> T:
    with engine.connect() as connection:
        if engine in _LENIENT_DATES:
            _lenient_psycopg_dates(connection.connection.dbapi_connection)
        if has_dialect_file(engine.dialect.name, "transaction.sql"):  # read-only is a property of the transaction
            connection.exec_driver_sql(dialect_sql(engine.dialect.name, "transaction.sql", escape_colons=False))
        streaming = {"stream_results": True, "max_row_buffer": BATCH_ROWS}
        result = connection.execute(statement, parameters, execution_options=streaming)
        try:
            columns = [str(name).lower() for name in result.keys()]  # noqa: SIM118 - a Result, not a dict
            declared = connection.connection.info.get(TEXT_ENCODING)
            batches: Iterator[Sequence[Any]] = result.partitions(BATCH_ROWS)
            raw = connection.connection.info.get(RAW_TEXT)
            value = consume(columns, batches if raw is None else raw_bytes(batches, raw), declared)
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
