"""Oracle and SQL Server for real, in containers (testcontainers): the vendor queries on the vendor's server.

These need a Docker engine; where none answers they are skipped with the reason (CI here has none).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from adapters import adapter_for
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import custom_replica, mv_replica

READER_PASSWORD = "p@ss:w/rd%1A"


def docker_missing() -> str | None:
    """Why Docker cannot be used here, or None (checked on the socket first, so nothing is left open)."""
    import os
    import socket

    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(3)
                probe.connect(host.removeprefix("unix://"))
        else:
            address = host.split("://", 1)[-1].rsplit(":", 1)
            with socket.create_connection((address[0], int(address[1])), timeout=3):
                pass
    except (OSError, ValueError, IndexError) as error:
        return (
            f"sem Docker Engine em {host} ({type(error).__name__}): os testes de Oracle e SQL Server em contêiner "
            "só rodam onde houver Docker (sudo apt-get install docker.io)"
        )
    return None


pytestmark = [pytest.mark.docker, pytest.mark.skipif(bool(reason := docker_missing()), reason=reason or "")]


def census(url: URL, vendor: str, tmp_path: Path, **source: object) -> list[dict[str, str | None]]:
    values: dict[str, object] = {"vendor": vendor, "url": url.render_as_string(hide_password=False), **source}
    if vendor == "custom":
        values["query_file"] = str(custom_replica.query_file(tmp_path))
    settings = SourceSettings.model_validate(values)
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=30, query_timeout=60)
    try:
        census = adapter_for(settings).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()
    return census.records


@pytest.fixture(scope="module")
def oracle_admin() -> Iterator[URL]:
    """Oracle Free, and its administrator's URL."""
    from testcontainers.community.oracle import OracleDbContainer

    with OracleDbContainer("gvenzl/oracle-free:slim-faststart") as container:
        yield make_url(container.get_connection_url())


@pytest.fixture(scope="module")
def oracle(oracle_admin: URL) -> URL:
    """Oracle Free with the MV tables under DBAMV and a read-only user holding SELECT grants only."""
    admin_url = oracle_admin
    admin = create_engine(admin_url)
    with admin.begin() as db:
        db.execute(text("CREATE USER dbamv IDENTIFIED BY dbamv QUOTA UNLIMITED ON USERS"))
        db.execute(text(f'CREATE USER hoteleitos IDENTIFIED BY "{READER_PASSWORD}"'))
        db.execute(text("GRANT CREATE SESSION TO hoteleitos"))
    mv_replica.build(admin_url, schema="dbamv")
    with admin.begin() as db:
        for table in ("atendime", "paciente", "leito", "convenio", "prestador"):
            db.execute(text(f"GRANT SELECT ON dbamv.{table} TO hoteleitos"))
    admin.dispose()
    return admin_url.set(username="hoteleitos", password=READER_PASSWORD)


def test_mv_query_on_oracle(oracle: URL, tmp_path: Path) -> None:
    """The MV census on Oracle (thin mode, no client), through a read-only user, equals the expected one."""
    assert census(oracle, "mv", tmp_path) == mv_replica.EXPECTED


def catalog_gaps(url: URL, vendor: str, **source: object) -> list[object]:
    """What `check` finds missing for this user, from the server's catalog."""
    from connector.source.catalog import access

    settings = SourceSettings.model_validate({"vendor": vendor, "url": url.render_as_string(False), **source})
    adapter = adapter_for(settings)
    engine = create_source_engine(url.render_as_string(False), connect_timeout=30, query_timeout=60)
    try:
        return list(access(engine, adapter.schema, adapter.needed()).gaps)
    finally:
        engine.dispose()


def test_oracle_catalog_sees_the_readers_grants(oracle: URL) -> None:
    """ALL_TAB_COLUMNS shows the read-only user every MV column it was granted: nothing is missing."""
    assert catalog_gaps(oracle, "mv") == []


def test_oracle_session_is_read_only(oracle: URL) -> None:
    """Our census transaction is READ ONLY on Oracle."""
    engine = create_source_engine(oracle.render_as_string(False), connect_timeout=30, query_timeout=30)
    try:
        with engine.connect() as db:
            db.exec_driver_sql("SET TRANSACTION READ ONLY")
            with pytest.raises(Exception, match="ORA-01456"):
                db.execute(text("INSERT INTO dbamv.convenio (cd_convenio, nm_convenio) VALUES (99, 'X')"))
    finally:
        engine.dispose()


def test_oracle_sessions_name_themselves_read_clob_as_text_and_see_the_password_expiry(
    oracle: URL, oracle_admin: URL
) -> None:
    """V$SESSION shows the connector's program and module; a CLOB column comes back as text; an account whose
    profile expires its password in 10 days gets the warning, in thin mode."""
    from connector import __version__
    from connector.source.engine import oracle_status

    admin = create_engine(oracle_admin)
    with admin.begin() as db:
        db.execute(text("CREATE PROFILE hoteleitos_curto LIMIT PASSWORD_LIFE_TIME 10"))
        db.execute(text(f'CREATE USER curto IDENTIFIED BY "{READER_PASSWORD}" PROFILE hoteleitos_curto'))
        db.execute(text("GRANT CREATE SESSION TO curto"))
        db.execute(text("CREATE TABLE dbamv.notas (id NUMBER PRIMARY KEY, texto CLOB)"))
        db.execute(text("INSERT INTO dbamv.notas VALUES (1, 'evolução ' || RPAD('x', 3000, 'x'))"))
        db.execute(text("GRANT SELECT ON dbamv.notas TO curto"))
    url = oracle.set(username="curto").render_as_string(False)
    engine = create_source_engine(url, connect_timeout=30, query_timeout=30)
    try:
        with engine.connect() as db:
            texto = db.exec_driver_sql("SELECT texto FROM dbamv.notas").scalar_one()
            with admin.connect() as watcher:
                program, module = watcher.execute(
                    text("SELECT program, module FROM v$session WHERE username = 'CURTO'")
                ).one()
        status = oracle_status(engine, date.today())
    finally:
        engine.dispose()
        admin.dispose()
    assert isinstance(texto, str) and texto.startswith("evolução x")
    assert (program, module) == (f"hoteleitos-connector/{__version__}", f"hoteleitos-connector {__version__}")
    assert status is not None and status.mode == "thin"
    assert status.password_warning is not None and "PASSWORD_LIFE_TIME UNLIMITED" in status.password_warning


@pytest.fixture(scope="module")
def sqlserver() -> Iterator[URL]:
    """SQL Server with the MV tables under schema dbamv and a custom HIS, reached through pyodbc + FreeTDS."""
    from testcontainers.community.mssql import SqlServerContainer

    from connector.settings.urls import odbc_driver

    with SqlServerContainer("mcr.microsoft.com/mssql/server:2022-latest", dialect="mssql+pyodbc") as container:
        url = make_url(container.get_connection_url()).set(
            query={"driver": odbc_driver(), "TrustServerCertificate": "yes", "TDS_Version": "7.4"}
        )
        mv_replica.build(url, schema="dbamv")
        custom_replica.build(url)
        yield url


def test_mv_query_on_sql_server(sqlserver: URL, tmp_path: Path) -> None:
    """The MV query's portable SQL also runs on SQL Server through pyodbc."""
    assert census(sqlserver, "mv", tmp_path, schema="dbamv") == mv_replica.EXPECTED


def test_sql_server_catalog_sees_every_mv_column(sqlserver: URL) -> None:
    """INFORMATION_SCHEMA and HAS_PERMS_BY_NAME give the administrator every MV column: nothing is missing."""
    assert catalog_gaps(sqlserver, "mv", schema="dbamv") == []


def test_custom_query_on_sql_server(sqlserver: URL, tmp_path: Path) -> None:
    """A hospital's own SQL on SQL Server."""
    assert census(sqlserver, "custom", tmp_path) == custom_replica.EXPECTED
