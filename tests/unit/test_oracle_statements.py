"""The Oracle statements in queries/, rendered as SQLAlchemy hands them to python-oracledb and parsed strictly in the
Oracle dialect: MV's change probe in its 11g form (chosen from the server's version) and the password-expiry look-up."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlglot
from sqlalchemy import create_engine, text
from sqlglot import exp

from adapters import registry
from connector.settings import SourceSettings
from connector.source.statements import dialect_sql

ORACLE = create_engine("oracle+oracledb://").dialect
TODAY = date(2026, 11, 26)


def mv_probe(server: tuple[str, tuple[int, ...]] | None) -> str:
    """MV's probe as sent to a server of this dialect and version (None: no session opened yet)."""
    source = SourceSettings.model_validate({"vendor": "mv", "url": "oracle+oracledb://u:p@h/?service_name=P"})
    adapter = registry()["mv"](source)
    adapter.server = server
    statement, values = adapter.statement("probe", TODAY)
    compiled = statement.bindparams(**values).compile(dialect=ORACLE, compile_kwargs={"render_postcompile": True})
    return str(compiled)


@pytest.mark.parametrize(
    ("server", "eleven"),
    [
        (("oracle", (11, 2, 0, 4, 0)), True),
        (("oracle", (12, 1, 0, 2, 0)), False),
        (("oracle", (19, 0, 0, 0, 0)), False),
        (None, False),
        (("postgresql", (9, 6)), False),  # an MV replica on an old PostgreSQL is not an old Oracle
    ],
)
def test_mv_probe_form_follows_the_server_version(server: tuple[str, tuple[int, ...]] | None, eleven: bool) -> None:
    """Oracle before 12c gets ROWNUM over an ordered inline view; 12c and later keep FETCH FIRST."""
    sql = mv_probe(server)
    assert ("ROWNUM" in sql) is eleven
    assert ("FETCH FIRST" in sql) is not eleven


def test_mv_11g_probe_parses_in_oracle_reads_what_the_probe_reads_and_never_max() -> None:
    """The 11g form parses strictly; ROWNUM filters a subquery that orders by the key descending (the index, read
    backwards, stops at the first row); no MAX() (it would read every encounter of those types); the same tables
    and columns as probe.sql, so `check` verifies the same grants."""
    sql = mv_probe(("oracle", (11, 2)))
    tree = sqlglot.parse_one(sql, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
    assert not list(tree.find_all(exp.Max)) and "MAX(" not in sql.upper()
    assert not re.search(r"\bFETCH\b|\bLIMIT\b|::|\"", sql, re.IGNORECASE)
    limited = next(s for s in tree.find_all(exp.Select) if "ROWNUM" in str(s.args.get("where", "")).upper())
    ordered = limited.find(exp.From).this.this  # type: ignore[union-attr]
    assert isinstance(ordered, exp.Select) and ordered.args["order"].expressions[0].args.get("desc") is True
    columns = {(c.table.lower(), c.name.upper()) for c in tree.find_all(exp.Column) if c.table in ("l", "a")}
    adapter = registry()["mv"]
    needs = {("l" if t == "LEITO" else "a", c) for t, cols in adapter.probe_needs.items() for c in cols}
    assert columns == needs


def test_password_expiry_lookup_parses_in_oracle_and_reads_the_accounts_own_row() -> None:
    """USER_USERS (every user reads its own row, no grant), two aliased columns, bound as SQLAlchemy sends it."""
    sql = str(text(dialect_sql("oracle", "password-expiry.sql")).compile(dialect=ORACLE))
    tree = sqlglot.parse_one(sql, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
    assert [t.name.upper() for t in tree.find_all(exp.Table)] == ["USER_USERS"]
    assert [e.alias_or_name.lower() for e in tree.expressions] == ["expiry_date", "account_status"]
