"""Databases for real: custom queries on MariaDB (PyMySQL and ODBC), driver errors turned into operator
messages, read-only sessions and statement timeouts on PostgreSQL and MariaDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from adapters import adapter_for
from connector.errors import SourceError
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import custom_replica, mv_replica, services
from tests.support.services import unavailable

TODAY = date(2026, 11, 26)
PASSWORD = "p@ss:w/rd%"


def extract(url: URL | str, tmp_path: Path, *, vendor: str = "custom", sql: str | None = None, **source: object):  # type: ignore[no-untyped-def]
    """Run the vendor's census query (or `sql`) through the connector's own engine and adapter."""
    values: dict[str, object] = {"vendor": vendor, "url": url if isinstance(url, str) else url.render_as_string(False)}
    if sql is not None or vendor == "custom":
        path = tmp_path / f"q{uuid.uuid4().hex[:6]}.sql"
        path.write_text(sql or custom_replica.SQL, encoding="utf-8")
        values["query_file"] = str(path)
    settings = SourceSettings.model_validate({**values, **source})
    engine = create_source_engine(
        settings.url.get_secret_value(), connect_timeout=5, query_timeout=float(source.get("query_timeout", 30))
    )
    try:
        census = adapter_for(settings).read(engine, TODAY).census
    finally:
        engine.dispose()
    return census


def failure(url: URL | str, tmp_path: Path, **kwargs: object) -> SourceError:
    with pytest.raises(SourceError) as caught:
        extract(url, tmp_path, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def custom_mariadb(mariadb_url: URL) -> URL:
    custom_replica.build(mariadb_url)
    return mariadb_url


@pytest.fixture(scope="module")
def mariadb_reader(custom_mariadb: URL) -> Iterator[URL]:
    """A MariaDB user with a password full of URL characters and SELECT on one table only."""
    with services.mariadb_user(custom_mariadb, PASSWORD, "internacao") as url:
        yield url


def test_custom_query_on_mariadb(custom_mariadb: URL, tmp_path: Path) -> None:
    """The hospital's SQL file, canonical aliases, trailing semicolon and comment included."""
    assert extract(custom_mariadb, tmp_path).records == custom_replica.EXPECTED


def test_custom_query_through_a_real_odbc_driver(custom_mariadb: URL, tmp_path: Path) -> None:
    """pyodbc with Debian's MariaDB ODBC driver: connect, run the census query, map it."""
    try:
        import pyodbc
    except ImportError as error:
        unavailable(
            f"pyodbc sem unixODBC ({error}); sudo apt-get install unixodbc odbc-mariadb (ou sudo ./scripts/test)"
        )
    if "MariaDB Unicode" not in pyodbc.drivers():
        unavailable(
            "driver ODBC 'MariaDB Unicode' não registrado; sudo apt-get install odbc-mariadb (ou sudo ./scripts/test)"
        )
    url = custom_mariadb.set(drivername="mysql+pyodbc", query={"driver": "MariaDB Unicode"})
    assert extract(url, tmp_path).records == custom_replica.EXPECTED


def test_missing_and_unknown_columns_are_named(custom_mariadb: URL, tmp_path: Path) -> None:
    """A query without the 15 aliases is refused before any push, naming what is wrong."""
    sql = custom_replica.SQL.replace("AS cod_leito", "AS leito").replace("NULL             AS profissional_codigo,", "")
    error = failure(custom_mariadb, tmp_path, sql=sql)
    assert error.kind == "columns"
    assert "faltam as colunas cod_leito, profissional_codigo" in error.message
    assert "colunas desconhecidas leito" in error.message


def test_password_with_url_characters_authenticates(mariadb_reader: URL, tmp_path: Path) -> None:
    """@ : / % in the password survive the URL; the grant on `internacao` alone is not enough for the join."""
    error = failure(mariadb_reader, tmp_path)
    assert error.kind == "permission"
    assert "SELECT" in error.message and "paciente" in error.message
    assert f"GRANT SELECT ON {mariadb_reader.database}.paciente TO '{mariadb_reader.username}'@'%'" in error.message
    assert PASSWORD not in error.message


def test_wrong_password_is_named_without_the_password(mariadb_reader: URL, tmp_path: Path) -> None:
    """1045 becomes the user-or-password message."""
    error = failure(mariadb_reader.set(password="errada-123"), tmp_path)
    assert error.kind == "auth"
    assert mariadb_reader.username in error.message
    assert "errada-123" not in error.message and "errada-123" not in (error.detail or "")


@pytest.mark.parametrize("driver", ["mysql+pymysql", "mariadb+pymysql"])
def test_mariadb_statement_timeout(custom_mariadb: URL, tmp_path: Path, driver: str) -> None:
    """A query slower than the limit is cancelled by the server and reported as a timeout."""
    sql = custom_replica.SQL.replace("WHERE i.saida IS NULL", "WHERE i.saida IS NULL AND SLEEP(3) = 0")
    error = failure(custom_mariadb.set(drivername=driver), tmp_path, sql=sql, query_timeout=0.5)
    assert error.kind == "timeout"
    assert "HOTELEITOS_SOURCE_QUERY_TIMEOUT" in error.message


@pytest.mark.parametrize(
    ("fixture", "driver"),
    [("custom_mariadb", "mysql+pymysql"), ("custom_mariadb", "mariadb+pymysql"), ("pg_url", None)],
)
def test_sessions_are_read_only(fixture: str, driver: str | None, request: pytest.FixtureRequest) -> None:
    """The connector's own sessions cannot write, even if a query tried to (both MariaDB URL forms)."""
    url: URL = request.getfixturevalue(fixture)
    url = url.set(drivername=driver) if driver else url
    engine = create_source_engine(url.render_as_string(False), connect_timeout=5, query_timeout=5)
    try:
        with engine.connect() as db, pytest.raises(DBAPIError, match=r"(?i)read.only"):
            db.execute(text("CREATE TABLE escrita_proibida (x INTEGER)"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def mv_pg(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def test_postgres_unknown_user(mv_pg: URL, tmp_path: Path) -> None:
    """A role that does not exist is an authentication problem, named with the user."""
    error = failure(mv_pg.set(username="ninguem_aqui", password="segredo-x"), tmp_path, vendor="mv")
    assert error.kind == "auth"
    assert "ninguem_aqui" in error.message and "segredo-x" not in error.message


def test_postgres_unreachable(mv_pg: URL, tmp_path: Path) -> None:
    """A closed port says host/port and firewall."""
    error = failure(mv_pg.set(port=1), tmp_path, vendor="mv")
    assert error.kind == "unreachable"
    assert "DB_HOST/DB_PORT" in error.message


def test_postgres_missing_table_names_the_grant(mv_pg: URL, tmp_path: Path) -> None:
    """Tables under a schema that is not there: the message lists the census tables and the GRANT."""
    error = failure(mv_pg, tmp_path, vendor="mv", schema="nao_existe")
    assert error.kind == "missing_table"
    assert "nao_existe.atendime" in error.message.lower()
    assert "GRANT SELECT ON" in error.message


def test_postgres_missing_select_grant(mv_pg: URL, tmp_path: Path) -> None:
    """A login role with USAGE but no SELECT gets the GRANT to run on the refused table."""
    role = f"leitor_{uuid.uuid4().hex[:8]}"
    admin = create_engine(mv_pg)
    with admin.begin() as db:
        db.execute(text(f"CREATE ROLE {role} LOGIN"))
        db.execute(text(f"GRANT USAGE ON SCHEMA dbamv TO {role}"))
    try:
        error = failure(mv_pg.set(username=role), tmp_path, vendor="mv")
    finally:
        with admin.begin() as db:
            db.execute(text(f"REVOKE USAGE ON SCHEMA dbamv FROM {role}"))
            db.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    assert error.kind == "permission"
    # PostgreSQL names the table alone; the GRANT takes the schema from the query (USAGE on that schema, not public)
    assert f"grant usage on schema dbamv to {role}; grant select on dbamv.atendime to {role};" in error.message.lower()


def test_postgres_statement_timeout(pg_url: URL, tmp_path: Path) -> None:
    """statement_timeout cancels a slow census query: reported as a timeout, nothing partial."""
    custom_replica.build(pg_url)
    assert extract(pg_url, tmp_path).records == custom_replica.EXPECTED
    sql = custom_replica.SQL.replace(
        "WHERE i.saida IS NULL", "WHERE i.saida IS NULL AND (SELECT 1 FROM pg_sleep(3)) = 1"
    )
    error = failure(pg_url, tmp_path, sql=sql, query_timeout=0.5)
    assert error.kind == "timeout"


def test_bad_columns_stop_the_cycle_before_any_push(custom_mariadb: URL, tmp_path: Path) -> None:
    """`check` names the wrong columns; `run --once` sends nothing and exits 1 with the same message."""
    from tests.support.cli import run_cli
    from tests.support.receivers import ScriptedReceiver

    query = tmp_path / "censo.sql"
    query.write_text(custom_replica.SQL.replace("AS paciente_sexo", "AS sexo"), encoding="utf-8")
    with ScriptedReceiver() as receiver:
        env = {
            "HOTELEITOS_API_URL": receiver.url,
            "HOTELEITOS_API_TOKEN": "tok-abcdef",
            "HOTELEITOS_SOURCE_VENDOR": "custom",
            "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
            "HOTELEITOS_SOURCE_URL": custom_mariadb.render_as_string(False),
            "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        }
        checked = run_cli("check", env=env, cwd=tmp_path)
        once = run_cli("run", "--once", env=env, cwd=tmp_path)
    assert checked.returncode == 1
    assert "faltam as colunas paciente_sexo; colunas desconhecidas sexo" in checked.stdout
    assert once.returncode == 1
    assert "faltam as colunas paciente_sexo" in once.stdout
    assert receiver.received == []


def test_dates_python_cannot_hold_only_null_their_field(pg_url: URL, tmp_path: Path) -> None:
    """PostgreSQL 'infinity' and a date BC: the patients stay, those fields are null, warnings are counted."""
    custom_replica.build(pg_url)
    sql = custom_replica.SQL.replace(
        "p.nascimento     AS paciente_data_nascimento",
        "CASE WHEN p.id_paciente = 1 THEN DATE 'infinity' ELSE DATE '0044-03-15 BC' END AS paciente_data_nascimento",
    ).replace("i.entrada        AS data_internacao", "TIMESTAMP '-infinity' AS data_internacao")
    census = extract(pg_url, tmp_path, sql=sql)
    assert [r["cod_ocorrencia"] for r in census.records] == ["70", "71"]
    assert all(r["paciente_data_nascimento"] is None and r["data_internacao"] is None for r in census.records)
    assert census.issues.counts[("invalid_date", "data_internacao")] == 2
    assert census.issues.count("invalid_date") + census.issues.count("date_out_of_range") == 4
