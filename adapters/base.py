"""What every HIS adapter shares: its census SQL, its options, binding parameters, checking columns.

A vendor is a pair of folders: `adapters/<vendor>/` holds a small subclass of `Adapter` that says only what is
special about the vendor (its usual schema, its `Options`, a pydantic model of the keys it reads from `source:`, its
parameters); `queries/<vendor>/` holds its SQL (census.sql, probe.sql, optional-column fragments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, tzinfo
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import BindParameter, TextClause

from adapters.columns import check_columns
from adapters.layout import Layout, OptionalColumn, Tables, discover, lookups
from adapters.probe import ProbeReading, digest_rows
from adapters.reading import Reading
from connector.census import FIELDS, Census, normalise_batches
from connector.census.decoding import Decoder
from connector.errors import SourceError
from connector.settings import SourceSettings, split_list
from connector.settings.rules import read_query_file
from connector.source.fetch import Consumer, fetch
from connector.source.statements import read, shown, strip_comments, vendor_file

_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")

T = TypeVar("T")
Query = Literal["census", "probe"]  # the census query, or the change probe
# A list option: `1,3` in an environment variable, `[1, 3]` in YAML.
CommaList = Annotated[list[Any], BeforeValidator(split_list)]
# What a census query reads: table -> its columns, spelled as in the SQL (without the schema).
Needs = Mapping[str, tuple[str, ...]]


def reads(**tables: str) -> dict[str, tuple[str, ...]]:
    """A vendor's `needs`, compactly: `reads(LEITO="CD_LEITO DS_ENFERMARIA")`."""
    return {table: tuple(columns.split()) for table, columns in tables.items()}


class VendorOptions(BaseModel):
    """A vendor's own options: keys of the YAML's `source:` section, or `HOTELEITOS_SOURCE_<KEY>` variables.

    Every field needs a description (it documents the option) and a default (a hospital that does not set it
    gets the vendor's usual behaviour). Raise `connector.settings.problem(...)` for a bad value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class Adapter:
    """Base of the vendor adapters: the census query, the vendor's options and what to bind to the query."""

    name: ClassVar[str]  # the vendor folder's name, set for every subclass
    title: ClassVar[str] = ""  # how operators know the HIS, e.g. "MV (SOUL MV, MV 2000)"
    guide: ClassVar[str] = "docs/sql-proprio.md"  # the vendor's page for hospital IT
    default_schema: ClassVar[str | None] = None
    # SQL dialect of the vendor's database, for the tests: a sqlglot name, or "firebird" (parsed as plain SQL)
    dialect: ClassVar[str | None] = None
    schema_table: ClassVar[str | None] = None  # a table that tells, in the catalog, which schema is the vendor's
    optional_columns: ClassVar[dict[str, OptionalColumn]] = {}
    # Every table and column the vendor's census.sql reads (a unit test holds the two together): `check` verifies
    # the configured user can read each one and names the GRANT that is missing.
    needs: ClassVar[Needs] = {}
    probe_needs: ClassVar[Needs] = {}  # the same for probe.sql, the change probe (checked when the probe is on)
    # census changes the vendor's own probe.sql cannot see, in Portuguese (each measured by
    # tests/integration/test_probe_blind_spots.py): they reach HOTELEITOS at the next full read
    probe_blind_spots: ClassVar[tuple[str, ...]] = ()
    Options: ClassVar[type[VendorOptions]] = VendorOptions

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.__module__.rsplit(".", 1)[-1]
        cls.title = cls.__dict__.get("title") or cls.name

    def __init__(self, source: SourceSettings) -> None:
        self.source = source
        self.options = self.Options.model_validate(source.options)
        self.layout: Layout | None = None  # found in the catalog at the first read
        self.server: tuple[str, tuple[int, ...]] | None = None  # dialect and version, once a session was opened

    @classmethod
    def census_resource(cls) -> Path | None:
        """The vendor's own `queries/<vendor>/census.sql`; None for a vendor whose SQL the hospital supplies."""
        return vendor_file(cls.name, "census.sql")

    @classmethod
    def probe_resource(cls) -> Path | None:
        """The vendor's own `queries/<vendor>/probe.sql` (the change probe), None for a vendor without one."""
        return vendor_file(cls.name, "probe.sql")

    def origin(self, query: Query = "census") -> str:
        """Where the SQL of `query` comes from, as messages name it: the hospital's file or queries/<vendor>/."""
        configured = self.source.query_file if query == "census" else self.source.probe_file
        if configured is not None:
            return str(configured)
        resource = self.census_resource() if query == "census" else self.probe_resource()
        return shown(resource) if resource is not None else f"queries/{self.name}/{query}.sql"

    def has_probe(self) -> bool:
        """A change probe can run: the hospital's probe file or the vendor's own `probe.sql`."""
        return self.source.probe_file is not None or self.probe_resource() is not None

    @property
    def schema(self) -> str | None:
        """The configured schema, else the vendor's usual one (none on SQLite, which has no schemas)."""
        if self.source.db_schema is not None:
            return self.source.db_schema
        assert self.source.url is not None
        return None if self.source.url.get_secret_value().startswith("sqlite") else self.default_schema

    def problems(self) -> list[str]:
        """Configuration problems only this vendor knows of (one operator line each)."""
        if self.source.query_file is not None or self.census_resource() is not None:
            return []
        return [
            f"HOTELEITOS_SOURCE_QUERY_FILE: obrigatório com o fornecedor {self.name}: informe o arquivo SQL do censo, "
            f"uma linha por atendimento internado agora, com as colunas {', '.join(FIELDS)} (NULL AS campo quando o "
            f"sistema não tiver o dado).{self.why_query_file()} No contêiner, monte o arquivo (ex.: "
            "./censo.sql:/app/censo.sql:ro) e defina HOTELEITOS_SOURCE_QUERY_FILE=/app/censo.sql. "
            f"Guia e modelo: {self.guide}."
        ]

    def why_query_file(self) -> str:
        """Why this vendor needs the hospital's SQL file (a sentence with a leading space), for `problems`."""
        return ""

    def needed(self, *, probe: bool = False) -> Needs:
        """What the query that will run reads: the vendor's `needs` plus the optional columns the catalog showed
        (after `discover`), or nothing known for the hospital's own file; with `probe`, what the vendor's change
        probe reads too."""
        needed: dict[str, tuple[str, ...]] = {}
        if probe and self.source.probe_file is None:
            needed = {table: tuple(columns) for table, columns in self.probe_needs.items()}
        if self.source.query_file is not None:
            return needed
        for table, columns in self.needs.items():
            needed[table] = (*needed.get(table, ()), *(c for c in columns if c not in needed.get(table, ())))
        present = self.layout.columns if self.layout is not None else {}
        for name, column in self.optional_columns.items():
            if present.get(name) and column.column not in needed.get(column.table, ()):
                needed[column.table] = (*needed.get(column.table, ()), column.column)
        return needed

    def raw_sql(self, query: Query = "census") -> str:
        """The census SQL (or the change probe's) as written: the hospital's file if configured, else the vendor's
        own."""
        configured = self.source.query_file if query == "census" else self.source.probe_file
        if configured is not None:
            try:
                return read_query_file(Path(configured))
            except (OSError, ValueError) as error:  # it was readable at start: moved, or its rights changed
                setting = "HOTELEITOS_SOURCE_" + ("QUERY_FILE" if query == "census" else "PROBE_FILE")
                why = str(error) if isinstance(error, ValueError) else error.strerror or type(error).__name__
                raise SourceError(
                    f"não foi possível ler o arquivo de consulta {configured} ({why}); confira {setting} e as "
                    "permissões do arquivo.",
                    kind="config",
                ) from None
        resource = self.census_resource() if query == "census" else self.probe_resource()
        if resource is None:
            raise SourceError(f"o fornecedor {self.name} precisa de um arquivo de consulta.", kind="config")
        return read(resource)

    def sql(self, query: Query = "census") -> str:
        """The SQL to run: comments stripped, `$schema.` replaced by the schema (as the catalog showed it, once
        read), each optional column's `$name` by its SQL for this installation (before a read: as if absent)."""
        schema = self.layout.schema if self.layout is not None else self.schema
        sql = strip_comments(self.raw_sql(query)).replace("$schema.", f"{schema}." if schema else "")
        for name in self.optional_columns:
            present = self.layout is not None and self.layout.columns.get(name, False)
            sql = sql.replace(f"${name}", self.fragment(name, present=present))
        return sql

    def fragment(self, name: str, *, present: bool) -> str:
        """The SQL an optional column's `$name` becomes: queries/<vendor>/<name>.present.sql or .absent.sql."""
        path = vendor_file(self.name, f"{name}.{'present' if present else 'absent'}.sql")
        if path is None:
            raise SourceError(f"queries/{self.name}/: falta o trecho da coluna opcional {name}.", kind="config")
        return strip_comments(read(path))

    def discover(self, engine: Engine) -> Layout:
        """Look the vendor's tables up in the catalog (once): the schema when none is configured (or its exact
        spelling when one is), and the optional columns. `SourceError` when the catalog cannot be read."""
        if self.layout is not None:
            return self.layout
        if not self.schema_table and not self.optional_columns:  # nothing to look up: no connection spent on it
            self.layout = Layout(self.schema, "configurado" if self.source.db_schema else "padrão do fornecedor", {})
            return self.layout
        self.layout = discover(self.tables(), engine, self.raw_sql())
        return self.layout

    def tables(self) -> Tables:
        """Where the vendor's tables may be: the configured schema, the usual one, the tables that tell."""
        return Tables(self.source.db_schema, self.default_schema, self.schema_table, self.optional_columns)

    def lookups(self, backend: str) -> list[tuple[str, str, dict[str, str | None]]]:
        """The catalog look-ups `discover` runs (none when it has nothing to look up): for `sql`."""
        if not self.schema_table and not self.optional_columns:
            return []
        return lookups(self.tables(), backend, self.layout)

    def parameters(self, today: date) -> dict[str, Any]:
        """Values bound to the query's `:name` parameters for a read on `today`, the capture date in the hospital's
        time zone (computed for each read: the agent runs across midnights); lists expand into `IN (...)`."""
        return {}

    def statement(self, query: Query, today: date) -> tuple[TextClause, dict[str, Any]]:
        """The statement of `query` and the values it binds, for a read on the capture date `today`."""
        sql = self.sql(query)
        used = set(_BIND.findall(sql))
        values = {key: value for key, value in self.parameters(today).items() if key in used}
        statement = text(sql)
        expanding: list[BindParameter[Any]] = [
            bindparam(key, expanding=True) for key, value in values.items() if isinstance(value, list)
        ]
        if expanding:
            statement = statement.bindparams(*expanding)
        return statement, values

    def read(self, engine: Engine, today: date, limit: int | None = None, *, tz: tzinfo | None = None) -> Reading:
        """Run the census query and normalise what it returns, batch by batch.

        A result without the 15 canonical columns is refused before a single row is read; `limit` stops
        after that many rows (for `check`). `today` is the capture date in the hospital's time zone `tz`, to
        which time-zone-aware timestamps are converted before they are cut to a date.
        """

        def consume(columns: list[str], batches: Iterator[Sequence[Any]], declared: str | None) -> Census:
            check_columns(columns)
            decoder = Decoder(forced=self.source.encoding, declared=declared)
            rows = batches if limit is None else _first(batches, limit)
            return normalise_batches(columns, self._within_ceiling(rows), today, tz=tz, decoder=decoder)

        census, duration = self._fetch(engine, "census", today, consume)
        return Reading(census=census, duration=duration)

    def _within_ceiling(self, batches: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        """The batches, until the rows read pass `max_rows`: then the read stops with a `SourceError` (before a
        runaway query exhausts the memory; nothing of it is sent)."""
        ceiling, read = self.source.max_rows, 0
        for batch in batches:
            read += len(batch)
            if read > ceiling:
                shown = f"{ceiling:_}".replace("_", ".")
                raise SourceError(
                    f"a consulta do censo devolveu mais de {shown} linhas, o teto de HOTELEITOS_SOURCE_MAX_ROWS: "
                    "a leitura foi interrompida e o censo deste ciclo descartado (nada dele foi enviado). Uma consulta "
                    "que perdeu um filtro, ou um JOIN que multiplica linhas, costuma ser a causa: confira "
                    f"{self.origin()}. Se o hospital tem mesmo tantos internados, aumente HOTELEITOS_SOURCE_MAX_ROWS "
                    "(cada 100.000 linhas pedem uns 35 MB de memória).",
                    kind="too_large",
                )
            yield batch

    def probe(self, engine: Engine, today: date, limit: float | None = None) -> ProbeReading:
        """Run the change probe (same schema, parameters and session as the census, `today` the capture date;
        `limit`: its own bound in seconds) and return a digest of its rows: equal digests, same bed table. The rows
        themselves are never kept."""
        (digest, rows), duration = self._fetch(
            engine, "probe", today, lambda _c, batches, _d: digest_rows(batches), probe_limit=limit
        )
        return ProbeReading(digest=digest, rows=rows, duration=duration)

    def _fetch(
        self, engine: Engine, query: Query, today: date, consume: Consumer[T], *, probe_limit: float | None = None
    ) -> tuple[T, float]:
        self.discover(engine)
        version = getattr(engine.dialect, "server_version_info", None)
        self.server = (engine.dialect.name, tuple(version)) if version else self.server
        statement, values = self.statement(query, today)
        try:
            return fetch(engine, statement, values, consume, probe_limit=probe_limit)
        except SourceError as error:
            if error.kind in ("missing_table", "missing_column"):
                self.layout = None  # the DBA may have moved or changed the tables: look again next time
            raise


def _first(batches: Iterator[Sequence[Any]], limit: int) -> Iterator[Sequence[Any]]:
    for batch in batches:
        yield batch[:limit]
        limit -= len(batch)
        if limit <= 0:
            return
