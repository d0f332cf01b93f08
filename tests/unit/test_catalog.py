"""The catalog queries parse in their engine's dialect (Oracle and SQL Server cannot run here), the gaps tell a
missing grant from a missing column per engine, and each engine gets GRANTs in its own syntax."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlglot
from sqlalchemy import String, bindparam, text
from sqlalchemy.engine import make_url

from connector.source.catalog import Access, Gap, _compare
from connector.source.grants import grant_statements
from connector.source.statements import dialect_sql

NEEDS = {"ATENDIME": ("CD_ATENDIMENTO", "CD_LEITO"), "PACIENTE": ("CD_PACIENTE", "NM_PACIENTE")}


def rendered(sql: str, url: str) -> str:
    """The catalog SQL as its engine runs it, the table list expanded (values inline, as sqlglot cannot read
    every driver's placeholders)."""
    binds = [bindparam("tables", ["ATENDIME", "PACIENTE"], expanding=True, type_=String())]
    binds += [bindparam("schema", "DBAMV", type_=String())] if ":schema" in sql else []
    compiled = (
        text(sql)
        .bindparams(*binds)
        .compile(dialect=make_url(url).get_dialect()(), compile_kwargs={"literal_binds": True})
    )
    return str(compiled)


ENGINES = [  # backend, driver URL, sqlglot dialect
    ("oracle", "oracle+oracledb://", "oracle"),
    ("mssql", "mssql+pyodbc://", "tsql"),
    ("postgresql", "postgresql+psycopg://", "postgres"),
    ("mysql", "mysql+pymysql://", "mysql"),
]


@pytest.mark.parametrize(("backend", "url", "dialect"), ENGINES)
def test_catalog_queries_parse_in_their_dialect(backend: str, url: str, dialect: str) -> None:
    """Strict parse of each engine's columns.sql, as its driver receives it, selecting the five columns."""
    sql = dialect_sql(backend, "columns.sql")
    tree = sqlglot.parse_one(rendered(sql, url), read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert [e.alias_or_name.lower() for e in tree.expressions] == ["sch", "tbl", "col", "readable", "usable"]


@pytest.mark.parametrize(("backend", "dialect"), [(backend, dialect) for backend, _url, dialect in ENGINES])
def test_user_and_schema_lookups_parse_in_their_dialect(backend: str, dialect: str) -> None:
    """current-user.sql, schemas-holding.sql and has-column.sql of each engine (or the standard ones it shares)
    parse strictly in its dialect."""
    for name in ("current-user.sql", "schemas-holding.sql", "has-column.sql"):
        sql = re.sub(r":(\w+)", r"'\1'", dialect_sql(backend, name))
        sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)


def row(table: str, column: str, readable: bool = True, schema: str | None = "DBAMV") -> SimpleNamespace:
    return SimpleNamespace(sch=schema, tbl=table, col=column, readable=readable, usable=True)


@pytest.mark.parametrize(
    ("backend", "kind"),
    [
        ("oracle", "hidden"),
        ("mariadb", "hidden"),
        ("mssql", "hidden"),
        ("postgresql", "absent"),
        ("firebird", "absent"),
    ],
)
def test_a_table_not_in_the_catalog_is_hidden_or_absent_by_engine(backend: str, kind: str) -> None:
    """Engines that hide ungranted tables cannot tell "missing" from "not granted"; the others can."""
    rows = [row("ATENDIME", "CD_ATENDIMENTO"), row("ATENDIME", "CD_LEITO")]
    found = _compare(backend, "LEITOR", "DBAMV", NEEDS, rows)
    assert found.gaps == [Gap("PACIENTE", ("CD_PACIENTE", "NM_PACIENTE"), True, kind)]


@pytest.mark.parametrize(("backend", "kind"), [("oracle", "absent"), ("mariadb", "hidden"), ("postgresql", "absent")])
def test_a_column_not_in_the_catalog_depends_on_column_level_privileges(backend: str, kind: str) -> None:
    """Oracle shows every column of a visible table; MariaDB hides the columns a user was not granted."""
    rows = [row("atendime", "cd_atendimento"), row("atendime", "cd_leito"), row("paciente", "cd_paciente")]
    found = _compare(backend, "leitor", "dbamv", NEEDS, rows)
    assert found.gaps == [Gap("paciente", ("NM_PACIENTE",), False, kind)]


def test_refused_columns_of_a_partly_granted_table_are_named() -> None:
    """PostgreSQL column grants: only the refused columns are a gap, and the table is not wholly refused."""
    rows = [row("atendime", "cd_atendimento"), row("atendime", "cd_leito", readable=False)]
    rows += [row("paciente", "cd_paciente", readable=False), row("paciente", "nm_paciente", readable=False)]
    found = _compare("postgresql", "leitor", "dbamv", NEEDS, rows)
    assert found.gaps == [
        Gap("atendime", ("CD_LEITO",), False, "grant"),
        Gap("paciente", ("CD_PACIENTE", "NM_PACIENTE"), True, "grant"),
    ]


def access_with(backend: str, user: str, schema: str | None, *gaps: Gap, usable: bool = True) -> Access:
    return Access(backend, user, schema, tables=2, columns=4, gaps=list(gaps), schema_usable=usable)


PARTIAL = Gap("PACIENTE", ("NM_PACIENTE", "TP_SEXO"), False, "grant")
WHOLE = Gap("LEITO", ("CD_LEITO",), True, "hidden")
ABSENT = Gap("CONVENIO", ("CD_CONVENIO",), True, "absent")


@pytest.mark.parametrize(
    ("backend", "user", "schema", "expected"),
    [
        ("oracle", "HOTELEITOS", "DBAMV",
         ["GRANT SELECT ON DBAMV.PACIENTE TO HOTELEITOS;", "GRANT SELECT ON DBAMV.LEITO TO HOTELEITOS;"]),
        ("mssql", "hoteleitos", "dbo",
         ["GRANT SELECT ON dbo.PACIENTE (NM_PACIENTE, TP_SEXO) TO [hoteleitos];",
          "GRANT SELECT ON dbo.LEITO TO [hoteleitos];"]),
        ("mariadb", "leitor@10.0.0.%", "his",
         ["GRANT SELECT (NM_PACIENTE, TP_SEXO) ON his.PACIENTE TO 'leitor'@'10.0.0.%';",
          "GRANT SELECT ON his.LEITO TO 'leitor'@'10.0.0.%';"]),
        ("postgresql", "leitor", "PACIENTE",
         ['GRANT SELECT (NM_PACIENTE, TP_SEXO) ON "PACIENTE".PACIENTE TO leitor;',
          'GRANT SELECT ON "PACIENTE".LEITO TO leitor;']),
        ("firebird", "LEITOR", None,
         ["GRANT SELECT ON PACIENTE TO USER LEITOR;", "GRANT SELECT ON LEITO TO USER LEITOR;"]),
    ],
)  # fmt: skip
def test_each_engine_gets_grants_in_its_own_syntax(
    backend: str, user: str, schema: str | None, expected: list[str]
) -> None:
    """Column grants where the engine has them, table grants elsewhere; nothing for a table that does not exist."""
    assert grant_statements(access_with(backend, user, schema, PARTIAL, WHOLE, ABSENT)) == expected


def test_postgres_schema_usage_comes_first() -> None:
    """Without USAGE on the schema no SELECT helps: USAGE is asked for before the tables."""
    statements = grant_statements(access_with("postgresql", "leitor", "agh", WHOLE, usable=False))
    assert statements == ["GRANT USAGE ON SCHEMA agh TO leitor;", "GRANT SELECT ON agh.LEITO TO leitor;"]


def test_sqlite_has_no_grants() -> None:
    """SQLite has no users: a missing table is only ever absent, and there is nothing to ask a DBA."""
    assert grant_statements(access_with("sqlite", "", None, ABSENT)) == []
