"""What the catalog says the configured user can see: which schemas hold a table, whether a column exists.

A hospital must not have to know where its vendor keeps the tables (Wareline: `public` on most installations, a
schema named `"PACIENTE"` on others) nor which optional columns its version has. Plain catalog SQL that PostgreSQL
8.4, MariaDB, SQL Server and Oracle all answer; SQLite and Firebird have no schemas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from connector.source.errors import translate

_SCHEMAS_HOLDING = {
    "oracle": "SELECT owner FROM all_tables WHERE table_name = UPPER(:t) "
    "UNION SELECT owner FROM all_views WHERE view_name = UPPER(:t)",
    "default": "SELECT table_schema FROM information_schema.tables WHERE LOWER(table_name) = LOWER(:t)",
}
_COLUMN = {
    "oracle": "SELECT 1 FROM all_tab_columns WHERE owner = :s AND table_name = UPPER(:t) AND column_name = UPPER(:c)",
    "default": "SELECT 1 FROM information_schema.columns WHERE table_schema = :s AND LOWER(table_name) = LOWER(:t) "
    "AND LOWER(column_name) = LOWER(:c)",
}
NO_SCHEMAS = ("sqlite", "firebird")
T = TypeVar("T")


def schemas_holding(connection: Connection, table: str) -> list[str]:
    """The schemas (exact catalog names) holding a table or view of that name, visible to the user."""
    dialect = connection.dialect.name
    if connection.engine.url.get_backend_name() in NO_SCHEMAS:  # Firebird's dialect is "firebird.firebird"
        return []
    sql = _SCHEMAS_HOLDING.get(dialect, _SCHEMAS_HOLDING["default"])
    return _catalog(connection, sql, {"t": table}, lambda rows: sorted({_name(row[0]) for row in rows}))


def has_column(connection: Connection, schema: str | None, table: str, column: str) -> bool:
    """Whether `schema.table` has `column` (SQLite: in the main database)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        sql = "SELECT 1 FROM pragma_table_info(:t) WHERE LOWER(name) = LOWER(:c)"
        return _catalog(connection, sql, {"t": table, "c": column}, bool)
    sql = _COLUMN.get(dialect, _COLUMN["default"])
    return _catalog(connection, sql, {"s": schema, "t": table, "c": column}, bool)


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
