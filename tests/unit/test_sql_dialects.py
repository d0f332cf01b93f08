"""Vendor queries parsed in their database's dialect, so Oracle-only syntax errors are caught here."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlalchemy import create_engine
from sqlglot import exp

from adapters import registry
from adapters.base import strip_comments
from connector.census import FIELDS
from connector.settings import SourceSettings

# vendor -> the dialect its database speaks (each vendor folder says it)
DIALECTS = {name: adapter.dialect for name, adapter in registry().items() if adapter.dialect}
DRIVER_URLS = {
    "oracle": "oracle+oracledb://",
    "postgres": "postgresql+psycopg://",
    "tsql": "mssql+pyodbc://",
    "mysql": "mysql+pymysql://",
    "firebird": "firebird+firebird://",
}
# sqlglot has no Firebird dialect: Firebird queries are parsed with its generic (ANSI) one.
SQLGLOT_READ = {"firebird": ""}


def rendered(vendor: str) -> str:
    """The SQL exactly as SQLAlchemy hands it to the vendor's driver (lists expanded into binds)."""
    source = SourceSettings.model_validate({"vendor": vendor, "url": "postgresql://u@h/db"})
    statement, values = registry()[vendor](source).statement()
    dialect = create_engine(DRIVER_URLS[DIALECTS[vendor]]).dialect
    compiled = statement.bindparams(**values).compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled)


def test_vendors_with_their_own_query_name_its_dialect() -> None:
    """Every vendor folder with a census.sql says which SQL dialect its database speaks."""
    assert {"mv", "wareline", "tasy", "aghu", "spdata"} <= set(DIALECTS)
    assert all(name in DIALECTS for name, adapter in registry().items() if adapter.census_resource() is not None)


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_vendor_query_parses_in_its_dialect_with_canonical_aliases(vendor: str) -> None:
    """The query parses strictly in the vendor's dialect and selects exactly the 15 canonical aliases."""
    read = SQLGLOT_READ.get(DIALECTS[vendor], DIALECTS[vendor])
    tree = sqlglot.parse_one(rendered(vendor), read=read, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    assert [e.alias_or_name.lower() for e in tree.expressions] == list(FIELDS)


@pytest.mark.parametrize("vendor", sorted(v for v, d in DIALECTS.items() if d == "oracle"))
def test_oracle_queries_avoid_syntax_oracle_refuses(vendor: str) -> None:
    """No AS before table aliases, no LIMIT, no :: casts, no ILIKE, no trailing semicolon, no double quotes."""
    sql = rendered(vendor)
    assert not re.search(r"\b(?:FROM|JOIN)\s+[\w$.]+\s+AS\s", sql, re.IGNORECASE)
    assert not re.search(r"\bLIMIT\b|::|\bILIKE\b|\bTRUE\b|\bFALSE\b", sql, re.IGNORECASE)
    assert not sql.rstrip().endswith(";")
    assert '"' not in sql
    assert sqlglot.transpile(sql, read="oracle", write="oracle")


def test_wareline_query_stays_within_postgresql_9_1() -> None:
    """No FILTER, LATERAL, :: casts, identity columns or other syntax PostgreSQL 9.1 lacks."""
    sql = rendered("wareline")
    for construct in (r"\bFILTER\s*\(", r"\bLATERAL\b", r"::", r"\bGENERATED\b", r"\bON CONFLICT\b", r"->>"):
        assert not re.search(construct, sql, re.IGNORECASE), construct
    assert "public.arqint" in sql


def test_schema_prefix_is_replaced_and_comments_are_stripped() -> None:
    """$schema. becomes the configured schema; an empty schema leaves bare table names."""
    source = SourceSettings.model_validate({"vendor": "mv", "url": "postgresql://u@h/db"})
    assert "DBAMV.ATENDIME" in registry()["mv"](source).sql()
    bare = SourceSettings.model_validate({"vendor": "mv", "url": "postgresql://u@h/db", "schema": ""})
    sql = registry()["mv"](bare).sql()
    assert " ATENDIME " in sql and "$schema" not in sql and "--" not in sql


def test_colons_inside_string_literals_are_not_parameters() -> None:
    """'10:30' and ':nome' in quotes stay text; real parameters still bind."""
    from sqlalchemy import text

    statement = text(strip_comments("SELECT '10:30' AS hora, ' :nome ' AS t FROM x WHERE y = :real"))
    assert list(statement.compile().params) == ["real"]
    assert "'10:30'" in str(statement) and "' :nome '" in str(statement)


def test_strip_comments_keeps_string_literals() -> None:
    """Dashes inside quotes are data, not comments."""
    assert strip_comments("SELECT '--x' AS a -- comment\nFROM t; ") == "SELECT '--x' AS a  \nFROM t"


@pytest.mark.parametrize("dialect", [None, "postgres", "oracle", "tsql", "mysql"])
def test_sigho_template_parses_in_every_dialect(dialect: str | None) -> None:
    """The template hospitals start from is plain SQL with the 15 aliases, in contract order."""
    from pathlib import Path

    template = Path(__file__).resolve().parents[2] / "docs" / "modelos" / "sigho-censo.sql"
    sql = strip_comments(template.read_text(encoding="utf-8")).replace("$schema.", "")
    tree = sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert [e.alias_or_name.lower() for e in tree.expressions] == list(FIELDS)


def columns_read(vendor: str) -> dict[str, set[str]]:
    """table -> the columns the vendor's query names, found by parsing it (aliases resolved to their tables)."""
    read = SQLGLOT_READ.get(DIALECTS[vendor], DIALECTS[vendor])
    tree = sqlglot.parse_one(rendered(vendor), read=read, error_level=sqlglot.ErrorLevel.RAISE)
    tables = {table.alias_or_name.lower(): table.name for table in tree.find_all(exp.Table)}
    found: dict[str, set[str]] = {}
    for column in tree.find_all(exp.Column):
        assert column.table, f"{vendor}: qualifique a coluna {column.name} com o apelido da tabela"
        found.setdefault(tables[column.table.lower()], set()).add(column.name)
    return found


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_declared_needs_are_exactly_what_the_query_reads(vendor: str) -> None:
    """`needs` (what `check` verifies the user can read) names every table and column of census.sql, and no other."""
    adapter = registry()[vendor]
    declared = {table: set(columns) for table, columns in adapter.needs.items()}
    assert declared == columns_read(vendor)
