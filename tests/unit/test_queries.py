"""queries/ is the DBA's audit surface: every file listed in its README, vendor and dialect folders only, SQL nowhere
else in the code that talks to the hospital's database, placeholders rendered only from plain values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from adapters import registry
from connector.source.engine import session_values
from connector.source.statements import CHAINS, QUERIES, render, session_listing, session_statements, split
from tests.support.cli import ROOT

# Code that sends SQL to the hospital's database; connector/delivery/ (the outbox's own SQLite file) and
# connector/commands/demo/ (the synthetic hospital's SQLite file) talk to files of the connector's own.
HOSPITAL_SIDE = [ROOT / "adapters", *(p for p in (ROOT / "connector").iterdir() if p.name not in ("delivery",))]
_SQL_START = re.compile(r"^\s*(select|set|alter|pragma|show|declare|exec|execute|with\s+\w+\s+as)\s", re.IGNORECASE)


def sql_files() -> set[str]:
    return {path.relative_to(QUERIES).as_posix() for path in QUERIES.rglob("*.sql")}


def test_readme_lists_every_file_and_nothing_else() -> None:
    """Each .sql under queries/ has its line in queries/README.md, and each file the README names exists."""
    readme = (QUERIES / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([\w./-]+\.sql)` \|", readme, re.MULTILINE))
    assert listed == sql_files()


def test_folders_are_vendors_or_dialects() -> None:
    """A folder of queries/ is a vendor's (with its adapters/ folder) or a dialect's; a vendor query has a vendor."""
    dialects = {folder for chain in CHAINS.values() for folder in chain}
    folders = {path.name for path in QUERIES.iterdir() if path.is_dir()}
    assert folders - dialects <= set(registry())
    assert {"mv", "tasy", "wareline", "aghu", "spdata", "postgresql", "oracle", "ansi"} <= folders


def test_every_vendor_with_its_own_query_has_it_under_queries() -> None:
    """census.sql for every vendor that ships one, under queries/<vendor>/; no .sql anywhere under adapters/."""
    assert {"mv/census.sql", "tasy/census.sql", "wareline/census.sql", "aghu/census.sql", "spdata/census.sql"} <= (
        sql_files()
    )
    assert not list((ROOT / "adapters").rglob("*.sql"))
    assert not list((ROOT / "connector").rglob("*.sql"))


def string_constants(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module (f-strings by their first literal part), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            found.append((node.lineno, str(node.values[0].value)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value))
    return found


def test_no_sql_string_in_the_code_that_talks_to_the_hospital() -> None:
    """No string in adapters/ or connector/ (but the outbox's and the demo's own SQLite) starts like a statement:
    the SQL is in queries/, the code only reads it (GRANT suggestions are text for the DBA, never sent)."""
    modules = [
        module
        for place in HOSPITAL_SIDE
        for module in ([place] if place.suffix == ".py" else sorted(place.rglob("*.py")))
        if "demo" not in module.relative_to(ROOT).parts
    ]
    assert len(modules) > 40
    inline = [
        f"{module.relative_to(ROOT)}:{line}: {value[:40]!r}"
        for module in modules
        for line, value in string_constants(module)
        if _SQL_START.match(value)
    ]
    assert inline == []


def test_the_scan_sees_an_inline_statement(tmp_path: Path) -> None:
    """The scan above is not blind: a module with an inline SELECT or SET is caught, its docstring is not."""
    module = tmp_path / "m.py"
    module.write_text('"""Select the right thing."""\nA = "SELECT 1 FROM t"\nB = f"SET x = {1}"\n', encoding="utf-8")
    assert sorted({line for line, value in string_constants(module) if _SQL_START.match(value)}) == [2, 3]


def test_placeholders_render_plain_values_and_skip_statements_without_one() -> None:
    """`$name` takes a plain value; a statement whose value is None is not sent; Firebird's RDB$ names are no
    placeholders."""
    assert render("SET TIME ZONE '$timezone'", {"timezone": "America/Sao_Paulo"}) == "SET TIME ZONE 'America/Sao_Paulo'"
    assert render("SET client_encoding TO '$client_encoding'", {"client_encoding": None}) is None
    assert render("SELECT 1 FROM RDB$DATABASE", {}) == "SELECT 1 FROM RDB$DATABASE"


@pytest.mark.parametrize("value", ["x'; DROP TABLE t; --", "a b", "", "1;2"])
def test_a_value_that_is_not_plain_is_refused(value: str) -> None:
    """A value that would change the statement's shape never reaches the text."""
    with pytest.raises(ValueError, match="impróprio"):
        render("SET TIME ZONE '$timezone'", {"timezone": value})


def test_an_unknown_placeholder_is_a_mistake_in_the_file() -> None:
    """A placeholder the connector has no value for is an error, not a silent literal."""
    with pytest.raises(ValueError, match=r"\$fuso desconhecido"):
        render("SET TIME ZONE '$fuso'", {"timezone": "UTC"})


def test_split_keeps_semicolons_inside_literals() -> None:
    """Statements split on `;` outside quotes; comments go."""
    assert split("-- a\nSET a = 'x;y';\nSET b = 1; -- c\n") == ["SET a = 'x;y'", "SET b = 1"]


@pytest.mark.parametrize("dialect", sorted(CHAINS))
def test_every_session_placeholder_has_a_value(dialect: str) -> None:
    """Each dialect's session.sql renders with the connector's values (no unknown placeholder)."""
    values = session_values(30, "America/Sao_Paulo")
    listing = session_listing(dialect, {**values, "client_encoding": "SQL_ASCII"})
    assert all(sent is not None for _written, sent in listing)
    assert all("$" not in statement for statement in session_statements(dialect, values))


def test_postgresql_session_as_sent() -> None:
    """PostgreSQL's session set-up, rendered: the client encoding only on SQL_ASCII, application_name when known."""
    values = session_values(30, "America/Sao_Paulo")
    assert session_statements("postgresql", values) == [
        "SET statement_timeout = 30000",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET TIME ZONE 'America/Sao_Paulo'",
        "SET application_name = 'hoteleitos-connector'",
    ]
    assert session_statements("postgresql", {**values, "timezone": None, "client_encoding": "SQL_ASCII"})[0] == (
        "SET client_encoding TO 'SQL_ASCII'"
    )
    assert session_statements("mariadb", values)[1] == "SET SESSION max_statement_time = 30.000"
