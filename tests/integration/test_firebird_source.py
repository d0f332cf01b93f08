"""Firebird as a database for any vendor's SQL file, for real: the census read, read-only transactions, the
client-side statement bound, and Firebird's driver errors turned into operator messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from adapters import adapter_for
from adapters.base import strip_comments
from connector.census import Census
from connector.errors import SourceError
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import custom_replica, services

PASSWORD = "p@ss:w/rd%"
# A cross join of the system tables: millions of rows, minutes of work for the server.
SLOW = "(SELECT COUNT(*) FROM rdb$fields a, rdb$fields b, rdb$fields c, rdb$fields d) > 0"


@pytest.fixture(scope="module")
def custom_firebird(firebird_url: URL) -> URL:
    custom_replica.build(firebird_url)
    return firebird_url


@pytest.fixture(scope="module")
def firebird_reader(custom_firebird: URL) -> Iterator[URL]:
    """A Firebird user with a password full of URL characters and SELECT on `internacao` only."""
    with services.firebird_user(custom_firebird, PASSWORD, ["internacao"]) as url:
        yield url


def extract(url: URL, tmp_path: Path, sql: str = custom_replica.SQL, query_timeout: float = 30) -> Census:
    path = tmp_path / "censo.sql"
    path.write_text(sql, encoding="utf-8")
    settings = SourceSettings.model_validate(
        {"vendor": "custom", "url": url.render_as_string(False), "query_file": str(path)}
    )
    engine = create_source_engine(url.render_as_string(False), connect_timeout=5, query_timeout=query_timeout)
    try:
        return adapter_for(settings).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()


def failure(url: URL, tmp_path: Path, **kwargs: object) -> SourceError:
    with pytest.raises(SourceError) as caught:
        extract(url, tmp_path, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_custom_query_on_firebird(custom_firebird: URL, tmp_path: Path) -> None:
    """The hospital's SQL file on Firebird, with a URL that names no driver and no charset."""
    url = custom_firebird.set(drivername="firebird")
    assert extract(url, tmp_path).records == custom_replica.EXPECTED


def test_sessions_are_read_only(custom_firebird: URL) -> None:
    """Every transaction the connector opens is read-only: even a statement that tried could not write."""
    engine = create_source_engine(custom_firebird.render_as_string(False), connect_timeout=5, query_timeout=5)
    try:
        with engine.connect() as db, pytest.raises(DBAPIError, match=r"(?i)read-only"):
            db.execute(text("INSERT INTO paciente (id_paciente, nome) VALUES (99, 'X')"))
    finally:
        engine.dispose()


def test_slow_query_is_cancelled_on_the_server(custom_firebird: URL, tmp_path: Path) -> None:
    """Firebird 3 has no statement timeout: the connector cancels the query itself, on time, reported as such."""
    started = time.monotonic()
    error = failure(
        custom_firebird, tmp_path, sql=custom_replica.SQL.replace("WHERE", f"WHERE {SLOW} AND"), query_timeout=0.5
    )
    assert error.kind == "timeout"
    assert "HOTELEITOS_SOURCE_QUERY_TIMEOUT" in error.message
    assert time.monotonic() - started < 10


def test_slow_rows_after_the_first_are_cancelled_too(custom_firebird: URL, tmp_path: Path) -> None:
    """The bound covers the whole read: rows that keep the server busy after the first ones are cancelled too."""
    census = strip_comments(custom_replica.SQL)
    slow_tail = f"{census} UNION ALL {census.replace('WHERE', f'WHERE {SLOW} AND')}"
    error = failure(custom_firebird, tmp_path, sql=slow_tail, query_timeout=1)
    assert error.kind == "timeout"


def test_the_connection_still_works_after_a_cancelled_query(custom_firebird: URL, tmp_path: Path) -> None:
    """A cancelled statement leaves the next cycle's read intact."""
    engine = create_source_engine(custom_firebird.render_as_string(False), connect_timeout=5, query_timeout=0.5)
    try:
        with engine.connect() as db:
            with pytest.raises(DBAPIError, match="cancelled"):
                db.execute(text(f"SELECT 1 FROM rdb$database WHERE {SLOW}")).all()
            db.rollback()
            assert db.execute(text("SELECT COUNT(*) FROM internacao")).scalar() == 3
    finally:
        engine.dispose()


def test_password_with_url_characters_authenticates_and_missing_grant_is_named(
    firebird_reader: URL, tmp_path: Path
) -> None:
    """@ : / % survive the URL; SELECT on `internacao` alone is not enough: the GRANT for `paciente` is given."""
    error = failure(firebird_reader, tmp_path)
    assert error.kind == "permission"
    assert f"GRANT SELECT ON PACIENTE TO USER {firebird_reader.username};" in error.message
    assert PASSWORD not in error.message


@pytest.mark.parametrize(
    ("change", "kind", "said"),
    [
        ({"password": "errada-123"}, "auth", "recusou o usuário"),
        ({"port": 1}, "unreachable", "DB_HOST/DB_PORT"),
        ({"database": "/var/lib/firebird/nao-existe.fdb"}, "unknown_database", "nao-existe.fdb"),
    ],
)
def test_connection_errors_are_named(
    custom_firebird: URL, tmp_path: Path, change: dict[str, object], kind: str, said: str
) -> None:
    """Wrong password, closed port, missing database file: each its own message, never the password."""
    error = failure(custom_firebird.set(**change), tmp_path)  # type: ignore[arg-type]
    assert error.kind == kind
    assert said in error.message
    assert "errada-123" not in error.message and "masterkey" not in error.message


def test_missing_table_and_column_are_named(custom_firebird: URL, tmp_path: Path) -> None:
    """An unknown table gets its GRANT hint; an unknown column points at the query file."""
    table = failure(custom_firebird, tmp_path, sql=custom_replica.SQL.replace("FROM internacao", "FROM internacoes"))
    assert table.kind == "missing_table"
    assert "INTERNACOES" in table.message
    column = failure(custom_firebird, tmp_path, sql=custom_replica.SQL.replace("i.cbo ", "i.cbo_sus "))
    assert column.kind == "missing_column"
    assert "HOTELEITOS_SOURCE_QUERY_FILE" in column.message
