"""What the configured user can read of the tables and columns a census query needs, asked of the database's
own catalog, and the GRANT statements that would close the gaps.

    access(engine, schema, needs) -> Access      per engine (queries/<dialect>/columns.sql): PostgreSQL pg_catalog
                                                 + has_column_privilege, MySQL/MariaDB information_schema, Oracle
                                                 ALL_TAB_COLUMNS, SQL Server INFORMATION_SCHEMA + HAS_PERMS_BY_NAME,
                                                 Firebird RDB$ tables, SQLite pragma table_info

Catalogs differ in what they show a user without privileges: PostgreSQL, Firebird and SQLite list every table and
column (so one that is not listed does not exist), the others list only what the user may touch (so one that is not
listed is either missing or not granted). `Gap.kind` keeps that difference for the operator's message. The GRANT
syntax of each engine is in connector/source/grants.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from connector.source.errors import translate
from connector.source.statements import dialect_sql, has_dialect_file

# The catalog queries are queries/<dialect>/current-user.sql and columns.sql. Each columns.sql returns the table's
# schema (as the catalog spells it), table, column, whether the user may SELECT that column, and whether it may use
# the schema at all (PostgreSQL's USAGE; 1 elsewhere).

# Engines whose catalog leaves out what the user may not touch: (tables hidden, columns hidden).
HIDES = {"mysql": (True, True), "mariadb": (True, True), "mssql": (True, True), "oracle": (True, False)}


@dataclass(frozen=True)
class Gap:
    """Needed columns of one table the user cannot read.

    kind: "grant"   the catalog shows them and says the user may not SELECT them;
          "hidden"  the catalog does not show them to this user: not granted, or missing;
          "absent"  the catalog shows everything and they are not there (wrong schema, other version).
    """

    table: str  # as the catalog spells it when it shows the table, else as the query names it
    columns: tuple[str, ...]
    whole_table: bool
    kind: Literal["grant", "hidden", "absent"]


@dataclass(frozen=True)
class Access:
    """The catalog's answer for one user: what the census query needs and cannot read."""

    backend: str
    user: str | None
    schema: str | None  # as the catalog spells it (None: no schemas, or none configured)
    tables: int
    columns: int
    gaps: list[Gap] = field(default_factory=list)
    schema_usable: bool = True  # PostgreSQL: USAGE on the schema


def access(engine: Engine, schema: str | None, needs: Mapping[str, Sequence[str]]) -> Access:
    """Ask the database's catalog which of `needs` (table -> columns) the engine's user can read."""
    backend = engine.url.get_backend_name()
    sql = dialect_sql(backend, "columns.sql")
    try:
        with engine.connect() as db:
            user = db.execute(text(dialect_sql(backend, "current-user.sql"))).scalar() if _names_user(backend) else None
            rows = _catalog_rows(db, backend, sql, schema, list(needs))
            db.rollback()
    except SQLAlchemyError as error:
        raise translate(error, engine.url, sql) from None
    return _compare(backend, None if user is None else str(user).strip(), schema, needs, rows)


def _names_user(backend: str) -> bool:
    """Whether the engine has users to name (SQLite has none: no current-user.sql)."""
    return has_dialect_file(backend, "current-user.sql")


def columns_parameters(backend: str, sql: str, schema: str | None, tables: list[str]) -> list[dict[str, Any]]:
    """What columns.sql is run with: once per table on SQLite, once for all of them elsewhere (`tables` expands into
    `IN (...)`), names folded as the catalog spells them."""
    if backend == "sqlite":
        return [{"table": table} for table in tables]
    names = [t.upper() for t in tables] if backend in ("oracle", "firebird") else [t.lower() for t in tables]
    values: dict[str, Any] = {"tables": names}
    if ":schema" in sql:
        values["schema"] = schema or None
    return [values]


def _catalog_rows(db: Connection, backend: str, sql: str, schema: str | None, tables: list[str]) -> list[Any]:
    statement = text(sql)
    if backend != "sqlite":
        statement = statement.bindparams(bindparam("tables", expanding=True))
    return [row for values in columns_parameters(backend, sql, schema, tables) for row in db.execute(statement, values)]


def _compare(
    backend: str, user: str | None, schema: str | None, needs: Mapping[str, Sequence[str]], rows: list[Any]
) -> Access:
    """The gaps between what is needed and what the catalog rows show readable."""
    hides_tables, hides_columns = HIDES.get(backend, (False, False))
    seen: dict[str, tuple[str, dict[str, bool]]] = {}
    spelled_schema = schema
    for row in rows:
        spelled_schema = row.sch or spelled_schema
        name, columns = seen.setdefault(str(row.tbl).lower(), (str(row.tbl), {}))
        columns[str(row.col).strip().lower()] = bool(row.readable) and bool(row.usable)
    gaps: list[Gap] = []
    for table, needed in needs.items():
        if table.lower() not in seen:
            gaps.append(Gap(table, tuple(needed), True, "hidden" if hides_tables else "absent"))
            continue
        name, found = seen[table.lower()]
        refused = tuple(c for c in needed if found.get(c.lower()) is False)
        if refused:
            gaps.append(Gap(name, refused, not any(found.values()), "grant"))
        unseen = tuple(c for c in needed if c.lower() not in found)
        if unseen:
            gaps.append(Gap(name, unseen, False, "hidden" if hides_columns else "absent"))
    return Access(
        backend=backend,
        user=user,
        schema=spelled_schema,
        tables=len(needs),
        columns=sum(len(c) for c in needs.values()),
        gaps=gaps,
        schema_usable=all(row.usable for row in rows),
    )
