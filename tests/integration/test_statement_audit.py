"""The statement audit: what PostgreSQL receives from the connector during `run --once` and `check` (recorded by the
server itself, `log_statement = 'all'` on the connector's role) comes from files under queries/ (or the hospital's own
query file), apart from the driver's own statements named below; and `hoteleitos-connector sql` printed each one."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.support import aghu_replica, custom_replica, wareline_replica
from tests.support.cli import ROOT, run_cli
from tests.support.receivers import ScriptedReceiver
from tests.support.services import PG_ADMIN_URL, fresh_database, unavailable

QUERIES = ROOT / "queries"
SERVER_LOG = Path("/var/log/postgresql")
# Statements the driver (psycopg) and SQLAlchemy send of their own; none reads a table of the HIS.
DRIVER_INTERNAL = {
    "transaction boundaries (psycopg opens a transaction per read; SQLAlchemy ends it)": r"BEGIN|COMMIT|ROLLBACK",
    "SQLAlchemy's first connection: the server's version": r"select pg_catalog\.version\(\)",
    "SQLAlchemy's first connection: the default schema": r"select current_schema\(\)",
    "SQLAlchemy's first connection: how the server reads backslashes": r"show standard_conforming_strings",
    "SQLAlchemy's first connection: the default isolation level": r"show transaction isolation level",
    "SQLAlchemy's pool_pre_ping on psycopg: an empty statement": r";",
    "psycopg's server-side cursor (stream_results): the next batch": r'FETCH FORWARD \d+ FROM "c_\w+"',
    "psycopg's server-side cursor: closed after the read": r'CLOSE "c_\w+"',
}
_INTERNAL = re.compile("|".join(f"(?:{pattern})" for pattern in DRIVER_INTERNAL.values()))
# psycopg's server-side cursor wraps the statement it reads; the statement inside is audited like any other.
_CURSOR = re.compile(r'DECLARE "c_\w+"(?: NO SCROLL)? CURSOR(?: WITHOUT HOLD)? FOR (.*)', re.DOTALL)
_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] ")
_STATEMENT = re.compile(r"LOG:  (?:statement|execute [^:]*): (.*)", re.DOTALL)
_TOKEN = re.compile(
    r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|\$schema\.|(?<![\w$])\$[a-z_]+|(?<![:\w\\]):\w+|\s+|.", re.DOTALL
)
_PLACEHOLDER = re.compile(r"(?<![\w$])\$([a-z_]+)")
PLAIN = r"[\w/+:.\-]+"  # a placeholder's value: plain, as the connector checks it
BOUND = r"(?:\$\d+|\(\s*\$\d+(?:\s*,\s*\$\d+)*\s*\))"  # a bound value as psycopg sends it; a list expands


def templates(sql: str, fragments: dict[str, list[str]]) -> list[str]:
    """Regular expressions matching each statement of a file as a driver sends it: comments gone, `$schema.` any
    schema or none, `$name` a plain value (or one of the file's fragments), `:name` a bound value."""
    statements: list[list[str]] = [[]]
    for token in _TOKEN.findall(sql):
        if token == ";":
            statements.append([])
        elif token.isspace() or token.startswith(("--", "/*")):
            statements[-1].append(r"\s*")
        elif token == "$schema.":
            statements[-1].append(r'(?:(?:"[^"]+"|\w+)\.)?')
        elif token.startswith("$"):
            options = [t for fragment in fragments.get(token[1:], []) for t in templates(fragment, {})]
            statements[-1].append("(?:" + "|".join([*options, PLAIN]) + ")")
        elif token.startswith(":") and len(token) > 1:
            statements[-1].append(BOUND)
        elif token.startswith("'"):  # a literal may hold a placeholder: '$timezone'
            pieces = _PLACEHOLDER.split(token)
            statements[-1].append("".join(PLAIN if i % 2 else re.escape(p) for i, p in enumerate(pieces)))
        else:
            statements[-1].append(re.escape(token))
    return [r"\s*" + "".join(parts) + r"\s*" for parts in statements if "".join(parts).replace(r"\s*", "")]


def file_templates(extra: list[Path]) -> dict[str, list[str]]:
    """Every file under queries/ (and `extra`, the hospital's own), by path, as the patterns of its statements."""
    found = {}
    for path in [*sorted(QUERIES.rglob("*.sql")), *extra]:
        fragments: dict[str, list[str]] = {}
        for fragment in path.parent.glob("*.*.sql"):
            fragments.setdefault(fragment.name.split(".")[0], []).append(fragment.read_text(encoding="utf-8"))
        found[path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)] = templates(
            path.read_text(encoding="utf-8"), fragments
        )
    return found


def audit(statements: list[str], files: dict[str, list[str]]) -> tuple[set[str], list[str]]:
    """The files the statements came from, and the statements that came from none and are not the driver's own."""
    used, unexplained = set(), []
    for sent in statements:
        inner = _CURSOR.fullmatch(sent.strip())
        statement = inner.group(1) if inner else sent
        if not inner and _INTERNAL.fullmatch(statement.strip()):
            continue
        origin = next((f for f, patterns in files.items() if any(re.fullmatch(p, statement) for p in patterns)), None)
        if origin is None:
            unexplained.append(statement)
        else:
            used.add(origin)
    return used, unexplained


def logged(log: Path, start: int, role: str) -> list[str]:
    """The statements the server logged for `role` since byte `start` (a statement may span several lines)."""
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        records: list[str] = []
        for line in handle:
            if _RECORD.match(line):
                records.append(line)
            elif records:  # the server indents a statement's further lines with a tab
                records[-1] += line.removeprefix("\t")
    mine = [record.split(f"{role}@", 1)[1] for record in records if f" {role}@" in record]
    return [m.group(1).rstrip("\n") for record in mine if (m := _STATEMENT.search(record))]


@contextmanager
def audited_role(url: URL, schema: str) -> Iterator[tuple[URL, Callable[[], list[str]]]]:
    """A login role that may read `schema`, whose every statement the server logs; the logged statements."""
    log = next(iter(sorted(SERVER_LOG.glob("postgresql-*-main.log"))), None)
    if log is None:
        unavailable(f"log do PostgreSQL não encontrado em {SERVER_LOG}")
    assert log is not None
    role = f"auditado_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote_schema(schema)
    with admin.connect() as db:
        db.execute(text(f"CREATE ROLE {role} LOGIN"))
        db.execute(text(f"ALTER ROLE {role} SET log_statement = 'all'"))
        db.execute(text(f"GRANT USAGE ON SCHEMA {quoted} TO {role}"))
        db.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {quoted} TO {role}"))
    start = log.stat().st_size
    try:
        yield url.set(username=role), lambda: logged(log, start, role)
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP OWNED BY {role}"))
            db.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


VENDORS = {  # vendor -> (schema of its tables, files that must have been used besides the session's)
    "wareline": ("PACIENTE", {"queries/wareline/census.sql", "queries/wareline/probe.sql",
                              "queries/ansi/schemas-holding.sql", "queries/ansi/has-column.sql"}),
    "aghu": ("agh", {"queries/aghu/census.sql", "queries/aghu/probe.sql", "queries/ansi/schemas-holding.sql"}),
    "custom": ("public", set()),
}  # fmt: skip


@pytest.fixture(params=sorted(VENDORS))
def his(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, URL, dict[str, str]]]:
    """A database holding one vendor's tables (Wareline in a schema named "PACIENTE", with the optional cbo column;
    AGHU in agh; a hospital's own tables read by its own query file), and the settings naming them."""
    vendor = request.param
    with fresh_database(PG_ADMIN_URL, "audit") as url:
        extra: dict[str, str] = {"HOTELEITOS_CHANGE_PROBE": "2s"}
        if vendor == "wareline":
            wareline_replica.build(url, schema="PACIENTE", cbo={})
        elif vendor == "aghu":
            aghu_replica.build(url)
        else:
            custom_replica.build(url)
            extra = {"HOTELEITOS_SOURCE_QUERY_FILE": str(custom_replica.query_file(tmp_path))}
        yield vendor, url, extra


def test_every_statement_the_server_receives_comes_from_queries(
    his: tuple[str, URL, dict[str, str]], receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """During `check` and `run --once`, each statement PostgreSQL logs for the connector's role is a statement of a
    file under queries/ (or the hospital's query file) or one of DRIVER_INTERNAL; and `sql` had printed each."""
    vendor, url, extra = his
    schema, expected = VENDORS[vendor]
    with audited_role(url, schema) as (role_url, statements):
        env = {
            "HOTELEITOS_API_URL": receiver.url,
            "HOTELEITOS_API_TOKEN": "token-auditoria",
            "HOTELEITOS_SOURCE_VENDOR": vendor,
            "HOTELEITOS_SOURCE_URL": role_url.render_as_string(hide_password=False),
            "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
            **extra,
        }
        checked = run_cli("check", env=env, cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        listing = run_cli("sql", "--json", env=env, cwd=tmp_path)
        assert listing.returncode == 0, listing.stderr
        received = statements()
    hospital_file = [Path(extra["HOTELEITOS_SOURCE_QUERY_FILE"])] if "HOTELEITOS_SOURCE_QUERY_FILE" in extra else []
    used, unexplained = audit(received, file_templates(hospital_file))
    assert unexplained == []
    session = {
        "queries/postgresql/session.sql",
        "queries/postgresql/current-user.sql",
        "queries/postgresql/columns.sql",
    }
    assert expected | (session if vendor != "custom" else {"queries/postgresql/session.sql"}) <= used
    assert hospital_file == [] or str(hospital_file[0]) in used
    printed = [s for s in json.loads(listing.stdout)["statements"] if s["sent"]]
    shown = {"printed": [t for s in printed for t in templates(s["sql"], {})]}
    assert audit(received, shown)[1] == []


def test_the_audit_flags_a_statement_from_no_file() -> None:
    """The audit is not blind: an inline read of a table, bare or inside psycopg's cursor, is unexplained; a
    statement of a file with another schema and bound values is not."""
    files = file_templates([])
    inline = "SELECT nomepac FROM public.cadpac WHERE codpac = $1"
    wrapped = f'DECLARE "c_7f_1" CURSOR FOR {inline}'
    probe = (
        'SELECT\n    l.codlei AS leito,\n    l.tipobloq AS bloqueio,\n    l.auxatend AS atendimento\nFROM "X".cadlei l'
    )
    used, unexplained = audit([inline, wrapped, probe, "BEGIN", "SET TIME ZONE 'America/Sao_Paulo'"], files)
    assert unexplained == [inline, inline]
    assert used == {"queries/wareline/probe.sql", "queries/postgresql/session.sql"}
