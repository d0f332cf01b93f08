"""What the catalog says the configured user can see: which schemas hold a table, whether a column exists.

A hospital must not have to know where its vendor keeps the tables (Wareline: `public` on most installations, a
schema named `"PACIENTE"` on others) nor which optional columns its version has. Plain catalog SQL that PostgreSQL
8.4, MariaDB, SQL Server and Oracle all answer (queries/<dialect>/schemas-holding.sql and has-column.sql); SQLite
and Firebird have no schemas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from connector.source.errors import translate
from connector.source.statements import dialect_sql

NO_SCHEMAS = ("sqlite", "firebird")
T = TypeVar("T")
Lookup = tuple[str, dict[str, str | None]]  # a catalog statement (queries/<dialect>/) and its bound values


def schemas_holding_lookup(backend: str, table: str) -> Lookup:
    """queries/<dialect>/schemas-holding.sql and its values."""
    return dialect_sql(backend, "schemas-holding.sql"), {"t": table}


def has_column_lookup(backend: str, schema: str | None, table: str, column: str) -> Lookup:
    """queries/<dialect>/has-column.sql and its values (SQLite: no schema)."""
    values: dict[str, str | None] = {"s": schema, "t": table, "c": column}
    if backend == "sqlite":
        del values["s"]
    return dialect_sql(backend, "has-column.sql"), values


def schemas_holding(connection: Connection, table: str) -> list[str]:
    """The schemas (exact catalog names) holding a table or view of that name, visible to the user."""
    backend = connection.engine.url.get_backend_name()
    if backend in NO_SCHEMAS:
        return []
    sql, values = schemas_holding_lookup(backend, table)
    return _catalog(connection, sql, values, lambda rows: sorted({_name(row[0]) for row in rows}))


def has_column(connection: Connection, schema: str | None, table: str, column: str) -> bool:
    """Whether `schema.table` has `column` (SQLite: in the main database)."""
    sql, values = has_column_lookup(connection.engine.url.get_backend_name(), schema, table, column)
    return _catalog(connection, sql, values, bool)


def quoted_schema(connection: Connection, schema: str) -> str:
    """The schema name as SQL must spell it (`"PACIENTE"` on PostgreSQL, `DBAMV` on Oracle)."""
    return connection.dialect.identifier_preparer.quote_schema(schema)


def _name(value: object) -> str:
    """A catalog name; on a legacy-encoding database text comes back as bytes (see `connector.source.driver_text`)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def folded(connection: Connection, name: str) -> str:
    """How the catalog spells a name written without quotes (Oracle: upper case; the others: lower case)."""
    return name.upper() if connection.dialect.name == "oracle" else name.lower()


def _catalog(connection: Connection, sql: str, values: dict[str, str | None], shape: Callable[[Sequence[Any]], T]) -> T:
    try:
        rows = connection.execute(text(sql), values).all()
    except SQLAlchemyError as error:
        raise translate(error, connection.engine.url, sql) from None
    return shape(rows)
