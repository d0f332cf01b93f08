"""`check` knows what the vendor's query reads: for a user lacking grants it names the missing tables and columns
and the exact GRANT to ask for, on real PostgreSQL, MariaDB, Firebird and SQLite; running those GRANTs fixes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters import adapter_for
from connector.commands.demo.hospital import DemoHospital
from connector.settings import SourceSettings
from connector.source.catalog import Access, access
from connector.source.engine import create_source_engine
from connector.source.grants import grant_statements
from tests.support import aghu_replica, services, spdata_replica, wareline_replica
from tests.support.cli import run_cli

AGHU_READABLE = (
    "ain_internacoes",
    "ain_leitos",
    "rap_servidores",
    "rap_pessoas_fisicas",
    "rap_pessoa_tipo_informacoes",
)


def access_of(url: URL, vendor: str, **source: object) -> Access:
    settings = SourceSettings.model_validate({"vendor": vendor, "url": url.render_as_string(False), **source})
    adapter = adapter_for(settings)
    engine = create_source_engine(url.render_as_string(False), connect_timeout=5, query_timeout=10)
    try:
        return access(engine, adapter.schema, adapter.needed())
    finally:
        engine.dispose()


def run_as_admin(url: URL, statements: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as db:
        for statement in statements:
            db.execute(text(statement.rstrip(";")))
    engine.dispose()


@pytest.fixture(scope="module")
def aghu_pg(pg_url: URL) -> URL:
    aghu_replica.build(pg_url)
    return pg_url


@contextmanager
def pg_role(url: URL, *grants: str) -> Iterator[URL]:
    """A login role (trust authentication on 127.0.0.1) with exactly `grants` ({r} is its name)."""
    role = f"leitor_{uuid.uuid4().hex[:8]}"
    run_as_admin(url, [f"CREATE ROLE {role} LOGIN", *(grant.format(r=role) for grant in grants)])
    try:
        yield url.set(username=role)
    finally:
        run_as_admin(url, [f"DROP OWNED BY {role}", f"DROP ROLE {role}"])


def test_postgres_names_missing_tables_and_columns_with_their_grants(aghu_pg: URL) -> None:
    """A table never granted and a table granted only in part: table and column GRANTs, which then suffice."""
    grants = [f"GRANT SELECT ON agh.{table} TO {{r}}" for table in (*AGHU_READABLE, "agh_parametros")]
    grants += ["GRANT USAGE ON SCHEMA agh TO {r}", "GRANT SELECT (codigo, nome) ON agh.aip_pacientes TO {r}"]
    with pg_role(aghu_pg, *grants) as reader:
        found = access_of(reader, "aghu")
        role = reader.username
        assert [(g.table, g.whole_table, g.kind) for g in found.gaps] == [
            ("aip_pacientes", False, "grant"),
            ("fat_convenios_saude", True, "grant"),
        ]
        statements = grant_statements(found)
        assert statements == [
            f"GRANT SELECT (dt_nascimento, sexo, prontuario) ON agh.aip_pacientes TO {role};",
            f"GRANT SELECT ON agh.fat_convenios_saude TO {role};",
        ]
        run_as_admin(aghu_pg, statements)
        fixed = access_of(reader, "aghu")
        assert fixed.gaps == [] and fixed.user == role


def test_postgres_without_usage_on_the_schema_asks_for_it(aghu_pg: URL) -> None:
    """SELECT without USAGE reads nothing: USAGE comes first in what to ask for."""
    grants = ["GRANT SELECT ON ALL TABLES IN SCHEMA agh TO {r}"]
    with pg_role(aghu_pg, *grants) as reader:
        found = access_of(reader, "aghu")
        assert not found.schema_usable
        assert grant_statements(found)[0] == f"GRANT USAGE ON SCHEMA agh TO {reader.username};"
        run_as_admin(aghu_pg, grant_statements(found))
        assert access_of(reader, "aghu").gaps == []


def test_postgres_missing_column_is_told_apart_from_a_missing_grant(aghu_pg: URL) -> None:
    """A column this installation lacks is reported as absent, with no GRANT that could not help."""
    run_as_admin(aghu_pg, ["ALTER TABLE agh.aip_pacientes DROP COLUMN prontuario"])
    try:
        found = access_of(aghu_pg, "aghu")
    finally:
        aghu_replica.build(aghu_pg)
    assert [(g.table, g.columns, g.kind) for g in found.gaps] == [("aip_pacientes", ("prontuario",), "absent")]
    assert grant_statements(found) == []


def test_check_prints_the_grants_and_fails(aghu_pg: URL, tmp_path: Path) -> None:
    """`check` shows one verdict naming what is missing and the GRANTs, and exits 1."""
    with pg_role(aghu_pg, "GRANT USAGE ON SCHEMA agh TO {r}", "GRANT SELECT ON agh.ain_internacoes TO {r}") as reader:
        env = {
            "HOTELEITOS_API_URL": "http://127.0.0.1:9",
            "HOTELEITOS_API_TOKEN": "tok-abcdef",
            "HOTELEITOS_SOURCE_VENDOR": "aghu",
            "HOTELEITOS_SOURCE_URL": reader.render_as_string(False),
            "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        }
        done = run_cli("check", env=env, cwd=tmp_path)
    assert done.returncode == 1
    verdict = next(line for line in done.stdout.splitlines() if "Permissões de leitura" in line)
    assert verdict.startswith("[FALHA]") and "sem SELECT em agh.fat_convenios_saude" in verdict
    assert f"        GRANT SELECT ON agh.aip_pacientes TO {reader.username};" in done.stdout.splitlines()


def test_mariadb_names_the_hidden_tables_with_user_and_host(mariadb_url: URL) -> None:
    """MariaDB hides what is not granted: each hidden table gets its GRANT to 'user'@'host', which then suffices."""
    wareline_replica.build(mariadb_url, schema=str(mariadb_url.database))
    with services.mariadb_user(mariadb_url, "s3nha", "arqint") as reader:
        found = access_of(reader, "wareline", schema=mariadb_url.database)
        hidden = [g.table for g in found.gaps]
        assert hidden == ["arqatend", "cadlei", "cadpac", "cadplaco", "cadconv", "cadprest"]
        assert {g.kind for g in found.gaps} == {"hidden"}
        statements = grant_statements(found)
        assert statements[0] == f"GRANT SELECT ON {mariadb_url.database}.arqatend TO '{reader.username}'@'%';"
        run_as_admin(mariadb_url, statements)
        assert access_of(reader, "wareline", schema=mariadb_url.database).gaps == []


@pytest.fixture(scope="module")
def spdata_fb(firebird_url: URL) -> URL:
    spdata_replica.build(firebird_url)
    return firebird_url


def test_firebird_names_the_tables_a_user_was_not_granted(spdata_fb: URL) -> None:
    """Firebird's RDB$ tables show every table: the ungranted ones get `GRANT SELECT ON ... TO USER ...`."""
    assert access_of(spdata_fb, "spdata").gaps == []  # SYSDBA reads everything
    with services.firebird_user(spdata_fb, "s3nha", ["RILEITOS", "RICADINT"]) as reader:
        found = access_of(reader, "spdata")
        assert found.user == reader.username
        assert [(g.table, g.kind) for g in found.gaps] == [
            ("RICADPAC", "grant"),
            ("TBCONVEN", "grant"),
            ("TBPROFIS", "grant"),
        ]
        statements = grant_statements(found)
        assert statements == [
            f"GRANT SELECT ON {t} TO USER {reader.username};" for t in ("RICADPAC", "TBCONVEN", "TBPROFIS")
        ]
        run_as_admin(spdata_fb, statements)
        assert access_of(reader, "spdata").gaps == []


def test_sqlite_reports_a_table_the_file_lacks(tmp_path: Path) -> None:
    """SQLite has no users: a complete file passes, a file without a needed table names it, with no GRANT."""
    hospital = DemoHospital(tmp_path / "tasy.sqlite3", vendor="tasy", patients=20)
    hospital.close()
    url = create_engine(hospital.url).url
    assert access_of(url, "tasy").gaps == []
    run_as_admin(url, ["DROP TABLE convenio"])
    found = access_of(url, "tasy")
    assert [(g.table, g.whole_table, g.kind) for g in found.gaps] == [("CONVENIO", True, "absent")]
    assert grant_statements(found) == []


def test_hospital_query_file_is_not_checked_column_by_column(aghu_pg: URL, tmp_path: Path) -> None:
    """With HOTELEITOS_SOURCE_QUERY_FILE the vendor's needs no longer apply: `check` says it did not verify them."""
    query = tmp_path / "censo.sql"
    query.write_text("SELECT 1 AS cod_ocorrencia", encoding="utf-8")
    env = {
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": "tok-abcdef",
        "HOTELEITOS_SOURCE_VENDOR": "aghu",
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_SOURCE_URL": aghu_pg.render_as_string(False),
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
    }
    done = run_cli("check", env=env, cwd=tmp_path)
    assert "[AVISO] Permissões de leitura: não verificadas coluna a coluna" in done.stdout


def test_discovered_schema_and_optional_column_are_checked_too(pg_url: URL, tmp_path: Path) -> None:
    """Wareline in a schema named "PACIENTE" (found in the catalog, not configured) with the optional cadprest.cbo
    the query then reads: the quoted schema and the column-level GRANT are named; granted, all 23 columns pass."""
    from connector.commands.check import check_access
    from connector.commands.configuration import settings_from_values

    wareline_replica.build(pg_url, schema="PACIENTE", cbo={"000042": "225125"})
    tables = ["arqint", "arqatend", "cadlei", "cadpac", "cadplaco", "cadconv"]
    grants = ['GRANT USAGE ON SCHEMA "PACIENTE" TO {r}', *(f'GRANT SELECT ON "PACIENTE".{t} TO {{r}}' for t in tables)]
    grants.append('GRANT SELECT (codprest, nomeprest, cbo) ON "PACIENTE".cadprest TO {r}')
    try:
        with pg_role(pg_url, *grants) as reader:
            values = {
                "api": {"url": "http://127.0.0.1:9", "token": "tok-abcdef"},
                "source": {"vendor": "wareline", "url": reader.render_as_string(False)},
                "state_dir": str(tmp_path / "state"),
            }
            refused = check_access(settings_from_values(values))
            run_as_admin(pg_url, [f'GRANT SELECT (cbos) ON "PACIENTE".cadprest TO {reader.username}'])
            granted = check_access(settings_from_values(values))
    finally:  # a second copy of the tables makes an unconfigured schema ambiguous for the other tests
        run_as_admin(pg_url, ['DROP SCHEMA "PACIENTE" CASCADE'])
    assert refused.ok is False
    assert 'sem SELECT em "PACIENTE".cadprest (colunas cbos)' in refused.text
    assert f'GRANT SELECT (cbos) ON "PACIENTE".cadprest TO {reader.username};' in refused.text
    assert granted.ok is True and "7 tabela(s) e 23 coluna(s)" in granted.text
