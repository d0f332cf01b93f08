"""Vendor queries parsed in their database's dialect, so Oracle-only syntax errors are caught here."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlglot
from sqlalchemy import create_engine
from sqlglot import exp

from adapters import registry
from adapters.base import Query, strip_comments
from connector.census import FIELDS
from connector.settings import SourceSettings
from connector.source.statements import QUERIES

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
TODAY = date(2026, 11, 26)  # the capture date bound where a query asks for it


PROBES = sorted(name for name, adapter in registry().items() if adapter.probe_resource() is not None)


def rendered(vendor: str, query: Query = "census") -> str:
    """The SQL exactly as SQLAlchemy hands it to the vendor's driver (lists expanded into binds)."""
    source = SourceSettings.model_validate({"vendor": vendor, "url": "postgresql://u@h/db"})
    statement, values = registry()[vendor](source).statement(query, TODAY)
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
    template = QUERIES / "sigho" / "modelo-censo.sql"
    sql = strip_comments(template.read_text(encoding="utf-8")).replace("$schema.", "")
    tree = sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert [e.alias_or_name.lower() for e in tree.expressions] == list(FIELDS)


def columns_read(vendor: str, query: Query = "census") -> dict[str, set[str]]:
    """table -> the columns the vendor's query names, found by parsing it (aliases resolved to their tables;
    columns of a derived table, `(SELECT ...) u`, are the subquery's own and were counted inside it)."""
    read = SQLGLOT_READ.get(DIALECTS[vendor], DIALECTS[vendor])
    tree = sqlglot.parse_one(rendered(vendor, query), read=read, error_level=sqlglot.ErrorLevel.RAISE)
    tables = {table.alias_or_name.lower(): table.name for table in tree.find_all(exp.Table)}
    derived = {sub.alias.lower() for sub in tree.find_all(exp.Subquery) if sub.alias}
    found: dict[str, set[str]] = {}
    for column in tree.find_all(exp.Column):
        assert column.table, f"{vendor}: qualifique a coluna {column.name} com o apelido da tabela"
        if column.table.lower() not in derived:
            found.setdefault(tables[column.table.lower()], set()).add(column.name)
    return found


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_declared_needs_are_exactly_what_the_query_reads(vendor: str) -> None:
    """`needs` (what `check` verifies the user can read) names every table and column of census.sql, and no other."""
    adapter = registry()[vendor]
    declared = {table: set(columns) for table, columns in adapter.needs.items()}
    assert declared == columns_read(vendor)


def test_vendors_with_a_bed_table_ship_a_change_probe() -> None:
    """MV, Wareline, AGHU and SPDATA have a bed table in the known schema, so each ships probe.sql; Tasy's known
    tables have none (its probe is the hospital's file)."""
    assert PROBES == ["aghu", "mv", "spdata", "wareline"]
    assert registry()["tasy"].probe_resource() is None


@pytest.mark.parametrize("vendor", PROBES)
def test_vendor_probe_parses_and_its_needs_are_exactly_what_it_reads(vendor: str) -> None:
    """probe.sql parses strictly in the vendor's dialect; `probe_needs` names every table and column it reads."""
    adapter = registry()[vendor]
    declared = {table: set(columns) for table, columns in adapter.probe_needs.items()}
    assert declared == columns_read(vendor, "probe")


@pytest.mark.parametrize("vendor", [v for v in PROBES if DIALECTS[v] == "oracle"])
def test_oracle_probes_avoid_syntax_oracle_refuses(vendor: str) -> None:
    """The same rules as the census: no AS before a table alias, no LIMIT, no ::, no semicolon, no double quotes."""
    sql = rendered(vendor, "probe")
    assert not re.search(r"\b(?:FROM|JOIN)\s+[\w$.()]+\s+AS\s", sql, re.IGNORECASE)
    assert not re.search(r"\)\s+AS\s+\w+\s*$", sql, re.IGNORECASE)
    assert not re.search(r"\bLIMIT\b|::|\bILIKE\b", sql, re.IGNORECASE)
    assert '"' not in sql and not sql.rstrip().endswith(";")
    assert sqlglot.transpile(sql, read="oracle", write="oracle")


def test_wareline_probe_stays_within_postgresql_9_1() -> None:
    """The probe is as plain as the census: it runs on the same old servers."""
    sql = rendered("wareline", "probe")
    for construct in (r"\bFILTER\s*\(", r"\bLATERAL\b", r"::"):
        assert not re.search(construct, sql, re.IGNORECASE), construct
    assert "public.cadlei" in sql
