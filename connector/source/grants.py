"""The GRANT statements that give a read-only user what the census query needs, in each engine's own syntax.

Column-level SELECT exists on PostgreSQL, MySQL/MariaDB and SQL Server: when the DBA granted some columns of a
table, only the missing ones are asked for. Oracle and Firebird grant SELECT per table.
"""

from __future__ import annotations

import re

from connector.source.catalog import Access

TABLE_GRANT = {
    "postgresql": "GRANT SELECT ON {t} TO {u};",
    "mysql": "GRANT SELECT ON {t} TO {u};",
    "mariadb": "GRANT SELECT ON {t} TO {u};",
    "oracle": "GRANT SELECT ON {t} TO {u};",
    "mssql": "GRANT SELECT ON {t} TO {u};",
    "firebird": "GRANT SELECT ON {t} TO USER {u};",
}
COLUMN_GRANT = {
    "postgresql": "GRANT SELECT ({c}) ON {t} TO {u};",
    "mysql": "GRANT SELECT ({c}) ON {t} TO {u};",
    "mariadb": "GRANT SELECT ({c}) ON {t} TO {u};",
    "mssql": "GRANT SELECT ON {t} ({c}) TO {u};",
}
_PLAIN_PG = re.compile(r"[a-z_][a-z0-9_$]*")


def grant_statements(access: Access) -> list[str]:
    """What to ask the DBA for, one statement per table (none for tables that do not exist at all)."""
    backend = access.backend
    if backend not in TABLE_GRANT or access.user is None:
        return []
    user = grantee(backend, access.user)
    statements = []
    if backend == "postgresql" and not access.schema_usable and access.schema:
        statements.append(f"GRANT USAGE ON SCHEMA {_pg_name(access.schema)} TO {user};")
    for gap in access.gaps:
        if gap.kind == "absent":
            continue
        target = qualified(backend, access.schema, gap.table)
        if gap.whole_table or backend not in COLUMN_GRANT:
            statement = TABLE_GRANT[backend].format(t=target, u=user)
        else:
            statement = COLUMN_GRANT[backend].format(t=target, u=user, c=", ".join(gap.columns))
        if statement not in statements:
            statements.append(statement)
    return statements


def grantee(backend: str, user: str) -> str:
    """The user as a GRANT names it: MySQL's 'name'@'host', SQL Server's [name], PostgreSQL quoted if needed."""
    if backend in ("mysql", "mariadb"):
        name, _, host = user.rpartition("@") if "@" in user else (user, "", "%")
        return f"'{name}'@'{host}'"
    if backend == "mssql":
        return f"[{user}]"
    if backend == "postgresql":
        return _pg_name(user)
    return user


def qualified(backend: str, schema: str | None, table: str) -> str:
    """schema.table as the engine writes it (Firebird has no schemas)."""
    if backend == "firebird" or not schema:
        return table
    return f"{_pg_name(schema)}.{table}" if backend == "postgresql" else f"{schema}.{table}"


def _pg_name(name: str) -> str:
    """A PostgreSQL identifier that keeps its case: `"PACIENTE"` needs quotes, `dbamv` does not."""
    return name if _PLAIN_PG.fullmatch(name) else '"' + name.replace('"', '""') + '"'
