"""Where an installation keeps a vendor's tables, asked of the catalog at the first read: the schema (when none is
configured, or its exact spelling when one is) and which optional columns exist.

The look-ups are queries/<dialect>/schemas-holding.sql and has-column.sql; `lookups` lists them as they will run,
for `hoteleitos-connector sql`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from connector.errors import SourceError
from connector.source.fetch import inspect
from connector.source.schemas import (
    NO_SCHEMAS,
    folded,
    has_column,
    has_column_lookup,
    quoted_schema,
    schemas_holding,
    schemas_holding_lookup,
)


@dataclass(frozen=True)
class OptionalColumn:
    """A column some installations of the vendor have: `$<name>` in the census SQL becomes the fragment
    queries/<vendor>/<name>.present.sql where the catalog shows `table.column`, <name>.absent.sql elsewhere."""

    table: str
    column: str


@dataclass(frozen=True)
class Layout:
    """Where this installation keeps the vendor's tables, as the catalog showed it: the schema as SQL spells it
    (None: no prefix), how it was found, which optional columns exist, and the schema as the catalog names it."""

    schema: str | None
    found: str
    columns: dict[str, bool]
    catalog_schema: str | None = None


@dataclass(frozen=True)
class Tables:
    """What a vendor says of where its tables are, with the hospital's configured schema."""

    configured: str | None  # HOTELEITOS_SOURCE_SCHEMA ("" means: no prefix)
    default: str | None  # the vendor's usual schema
    schema_table: str | None  # a table that tells, in the catalog, which schema is the vendor's
    optional_columns: Mapping[str, OptionalColumn]


def discover(tables: Tables, engine: Engine, sql: str) -> Layout:
    """Ask the catalog (`sql`, the census query, names the tables in messages about grants)."""

    def look(connection: Connection) -> Layout:
        schema, found, catalog_name = _schema(tables, connection)
        columns = {
            name: has_column(connection, catalog_name, column.table, column.column)
            for name, column in tables.optional_columns.items()
        }
        return Layout(schema, found, columns, catalog_name)

    return inspect(engine, look, sql)


def lookups(tables: Tables, backend: str, layout: Layout | None) -> list[tuple[str, str, dict[str, str | None]]]:
    """The catalog look-ups `discover` runs on `backend`, in order: (file name, SQL, bound values). Before the
    catalog was read (`layout` None) the optional columns are looked up under the schema the vendor expects."""
    found: list[tuple[str, str, dict[str, str | None]]] = []
    catalog_name = None
    if tables.configured != "" and backend not in NO_SCHEMAS:
        if tables.schema_table:
            found.append(("schemas-holding.sql", *schemas_holding_lookup(backend, tables.schema_table)))
        wanted = tables.configured or tables.default
        if layout is not None:
            catalog_name = layout.catalog_schema
        elif wanted is not None:
            catalog_name = wanted.upper() if backend == "oracle" else wanted.lower()
    for column in tables.optional_columns.values():
        found.append(("has-column.sql", *has_column_lookup(backend, catalog_name, column.table, column.column)))
    return found


def _schema(tables: Tables, connection: Connection) -> tuple[str | None, str, str | None]:
    """The schema as SQL spells it, how it was chosen, and its name in the catalog."""
    configured = tables.configured
    if configured == "" or connection.engine.url.get_backend_name() in NO_SCHEMAS:
        return (configured or None), "sem schema", None
    holders = schemas_holding(connection, tables.schema_table) if tables.schema_table else []
    wanted = configured or tables.default
    exact = next((h for h in holders if wanted and h.lower() == wanted.lower()), None)
    if configured is None and len(holders) > 1:  # even the vendor's usual one may be a stale copy
        raise SourceError(
            f"a tabela {tables.schema_table} existe em mais de um schema ({', '.join(holders)}); o conector não "
            "escolhe um por conta própria: informe o do sistema hospitalar em HOTELEITOS_SOURCE_SCHEMA (ou "
            "DB_SCHEMA).",
            kind="config",
        )
    if exact is None and configured is None and holders:
        exact = holders[0]
    if exact is not None:
        how = "configurado" if configured else "encontrado no catálogo"
        return quoted_schema(connection, exact), how, exact
    if wanted is None:
        return None, "sem schema", None
    return wanted, "configurado" if configured else "padrão do fornecedor", folded(connection, wanted)
