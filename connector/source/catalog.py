"""What the configured user can read of the tables and columns a census query needs, asked of the database's
own catalog, and the GRANT statements that would close the gaps.

    access(engine, schema, needs) -> Access      per engine: PostgreSQL pg_catalog + has_column_privilege,
                                                 MySQL/MariaDB information_schema, Oracle ALL_TAB_COLUMNS,
                                                 SQL Server INFORMATION_SCHEMA + HAS_PERMS_BY_NAME, Firebird RDB$
                                                 tables, SQLite pragma table_info

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

# Columns of every catalog query: the table's schema (as the catalog spells it), table, column, whether the user
# may SELECT that column, and whether it may use the schema at all (PostgreSQL's USAGE; 1 elsewhere).
PG_COLUMNS = """
SELECT n.nspname AS sch, c.relname AS tbl, a.attname AS col,
    has_column_privilege(c.oid, a.attnum, 'SELECT') AS readable, has_schema_privilege(n.oid, 'USAGE') AS usable
FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
    AND {schema}
    AND lower(c.relname) IN :tables
"""
PG_SCHEMA = {True: "lower(n.nspname) = lower(:schema)", False: "n.nspname = ANY (current_schemas(false))"}
MYSQL_COLUMNS = """
SELECT c.TABLE_SCHEMA AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col, 1 AS readable, 1 AS usable
FROM information_schema.COLUMNS c
WHERE LOWER(c.TABLE_SCHEMA) = LOWER(COALESCE(:schema, DATABASE()))
    AND LOWER(c.TABLE_NAME) IN :tables
"""
ORACLE_COLUMNS = """
SELECT c.OWNER AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col, 1 AS readable, 1 AS usable
FROM ALL_TAB_COLUMNS c
WHERE c.OWNER = COALESCE(UPPER(:schema), SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
    AND c.TABLE_NAME IN :tables
"""
MSSQL_COLUMNS = """
SELECT c.TABLE_SCHEMA AS sch, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col,
    HAS_PERMS_BY_NAME(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME), 'OBJECT', 'SELECT',
        c.COLUMN_NAME, 'COLUMN') AS readable,
    1 AS usable
FROM INFORMATION_SCHEMA.COLUMNS c
WHERE c.TABLE_SCHEMA = COALESCE(:schema, SCHEMA_NAME())
    AND LOWER(c.TABLE_NAME) IN :tables
"""
# Firebird grants SELECT per table (RDB$FIELD_NAME is null then), to a user, a role or PUBLIC; SYSDBA, the
# database's owner, the table's owner and the RDB$ADMIN role read everything.
FIREBIRD_COLUMNS = """
SELECT CAST(NULL AS VARCHAR(1)) AS sch, TRIM(f.RDB$RELATION_NAME) AS tbl, TRIM(f.RDB$FIELD_NAME) AS col,
    CASE WHEN CURRENT_USER = 'SYSDBA' OR CURRENT_ROLE = 'RDB$ADMIN'
        OR CURRENT_USER = TRIM(r.RDB$OWNER_NAME)
        OR CURRENT_USER = (
            SELECT TRIM(d.RDB$OWNER_NAME) FROM RDB$RELATIONS d WHERE d.RDB$RELATION_NAME = 'RDB$DATABASE')
        OR EXISTS (
            SELECT 1 FROM RDB$USER_PRIVILEGES p
            WHERE p.RDB$RELATION_NAME = f.RDB$RELATION_NAME
                AND p.RDB$PRIVILEGE = 'S'
                AND (p.RDB$FIELD_NAME IS NULL OR p.RDB$FIELD_NAME = f.RDB$FIELD_NAME)
                AND TRIM(p.RDB$USER) IN (CURRENT_USER, CURRENT_ROLE, 'PUBLIC'))
    THEN 1 ELSE 0 END AS readable,
    1 AS usable
FROM RDB$RELATION_FIELDS f
    JOIN RDB$RELATIONS r ON r.RDB$RELATION_NAME = f.RDB$RELATION_NAME
WHERE TRIM(f.RDB$RELATION_NAME) IN :tables
"""
SQLITE_COLUMNS = (
    "SELECT NULL AS sch, :table AS tbl, t.name AS col, 1 AS readable, 1 AS usable FROM pragma_table_info(:table) t"
)
CURRENT_USER = {
    "postgresql": "SELECT current_user",
    "mysql": "SELECT CURRENT_USER()",
    "mariadb": "SELECT CURRENT_USER()",
    "oracle": "SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL",
    "mssql": "SELECT USER_NAME()",
    "firebird": "SELECT CURRENT_USER FROM RDB$DATABASE",
}
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
    sql = _columns_sql(backend, schema)
    try:
        with engine.connect() as db:
            user = db.execute(text(CURRENT_USER[backend])).scalar() if backend in CURRENT_USER else None
            rows = _catalog_rows(db, backend, sql, schema, list(needs))
            db.rollback()
    except SQLAlchemyError as error:
        raise translate(error, engine.url, sql) from None
    return _compare(backend, None if user is None else str(user).strip(), schema, needs, rows)


def _columns_sql(backend: str, schema: str | None) -> str:
    return {
        "postgresql": PG_COLUMNS.format(schema=PG_SCHEMA[bool(schema)]),
        "mysql": MYSQL_COLUMNS,
        "mariadb": MYSQL_COLUMNS,
        "oracle": ORACLE_COLUMNS,
        "mssql": MSSQL_COLUMNS,
        "firebird": FIREBIRD_COLUMNS,
    }.get(backend, SQLITE_COLUMNS)


def _catalog_rows(db: Connection, backend: str, sql: str, schema: str | None, tables: list[str]) -> list[Any]:
    if backend == "sqlite":
        return [row for table in tables for row in db.execute(text(sql), {"table": table})]
    names = [t.upper() for t in tables] if backend in ("oracle", "firebird") else [t.lower() for t in tables]
    statement = text(sql).bindparams(bindparam("tables", expanding=True))
    values: dict[str, Any] = {"tables": names}
    if ":schema" in sql:
        values["schema"] = schema or None
    return list(db.execute(statement, values))


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
