"""Wareline's reality on real PostgreSQL: LATIN1 and SQL_ASCII databases with mixed bytes, a schema named
`"PACIENTE"`, the optional `cadprest.cbo`, and nothing an 8.4 server would log as an error."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters.wareline import WarelineAdapter
from connector.census import Census
from connector.errors import SourceError
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import wareline_replica
from tests.support.services import PG_ADMIN_URL, server_hint, unavailable

TODAY = date(2026, 11, 26)
SERVER_LOG = Path("/var/log/postgresql")


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[URL]:
    """A fresh database with the encoding the test names (UTF8 by default), dropped afterwards."""
    encoding = getattr(request, "param", "UTF8")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hoteleitos_enc_{encoding.lower()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as db:
            db.execute(
                text(f"CREATE DATABASE {name} ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
            )
    except Exception as error:  # the server is down: fail under CI, skip elsewhere
        admin.dispose()
        unavailable(f"PostgreSQL inacessível ({type(error).__name__}); {server_hint(PG_ADMIN_URL)}")
    try:
        yield admin.url.set(database=name)
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def read(url: URL, **source: object) -> tuple[Census, WarelineAdapter]:
    settings = SourceSettings.model_validate({"vendor": "wareline", "url": url.render_as_string(False), **source})
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)  # type: ignore[union-attr]
    adapter = WarelineAdapter(settings)
    try:
        return adapter.read(engine, TODAY).census, adapter
    finally:
        engine.dispose()


def build(url: URL, **options: object) -> None:
    """The replica, written through a UTF-8 client whatever the server's own encoding."""
    wareline_replica.build(url.update_query_dict({"client_encoding": "UTF8"}), **options)  # type: ignore[arg-type]


def store_bytes(url: URL, table: str, column: str, key: str, key_value: str, raw: bytes) -> None:
    """Put exactly these bytes in a text column, as a legacy client would have (no conversion by the server)."""
    engine = create_engine(url.update_query_dict({"client_encoding": "UTF8"}))
    with engine.begin() as db:
        encoding = db.execute(text("SHOW server_encoding")).scalar_one()
        db.execute(
            text(f"UPDATE {table} SET {column} = convert_from(decode(:hex, 'hex'), :enc) WHERE {key} = :k"),
            {"hex": raw.hex(), "enc": encoding, "k": key_value},
        )
    engine.dispose()


MIXED = {  # patient code -> (bytes a legacy client wrote, the name they mean)
    "00000777": ("JOSÉ D’ÁVILA".encode("cp1252"), "JOSÉ D’ÁVILA"),  # Windows-1252: É, the quote 0x92, Á
    "00000778": ("JOÃO BATISTA".encode(), "JOÃO BATISTA"),  # UTF-8 bytes in a single-byte database
}


@pytest.mark.parametrize("database", ["LATIN1", "SQL_ASCII"], indirect=True)
def test_names_arrive_as_correct_unicode_from_mixed_bytes(database: URL) -> None:
    """Windows-1252 and UTF-8 bytes in one LATIN1 or SQL_ASCII table: each name decoded on its own, the vendor SQL's
    'INTERNAÇÃO' intact, no U+FFFD nor control character, and the guessed values counted."""
    build(database)
    for code, (raw, _) in MIXED.items():
        store_bytes(database, "cadpac", "nomepac", "codpac", code, raw)
    store_bytes(database, "cadconv", "nomeconv", "codconv", "0007", "SAÚDE NORTE".encode("latin-1"))
    census, _ = read(database)
    by_patient = {r["paciente_codigo"]: r for r in census.records}
    assert {code: by_patient[code]["paciente_nome"] for code in MIXED} == {c: n for c, (_, n) in MIXED.items()}
    assert by_patient["00000777"]["convenio_nome"] == "SAÚDE NORTE"
    assert {r["tipo_ocorrencia_descricao"] for r in census.records} == {"INTERNAÇÃO"}
    every_text = "".join(str(v) for r in census.records for v in r.values())
    assert "\ufffd" not in every_text and not re.search(r"[\x00-\x1f\x7f-\x9f]", every_text)
    # Guessed: on LATIN1, what is not LATIN1 (the cp1252 quote, the UTF-8 bytes); on SQL_ASCII, what is not UTF-8.
    latin1 = "latin1" in str(database.database)
    assert census.issues.counts[("encoding_guessed", "paciente_nome")] == (2 if latin1 else 1)
    assert census.issues.counts[("encoding_guessed", "convenio_nome")] == (0 if latin1 else 1)


@pytest.mark.parametrize("database", ["UTF8"], indirect=True)
def test_utf8_database_reads_as_it_is(database: URL) -> None:
    """A healthy UTF8 database: the census equals the expected one, no warning."""
    build(database)
    census, _ = read(database)
    assert census.records == wareline_replica.EXPECTED
    assert not census.issues.counts


@pytest.mark.parametrize("database", ["LATIN1"], indirect=True)
def test_forced_encoding_decodes_every_value_with_it(database: URL) -> None:
    """HOTELEITOS_SOURCE_ENCODING=cp1252 reads bytes as Windows-1252 without guessing; UTF-8 bytes then show as what
    Windows-1252 makes of them (the operator's choice), never as U+FFFD."""
    build(database)
    store_bytes(database, "cadpac", "nomepac", "codpac", "00000777", "JOSÉ D’ÁVILA".encode("cp1252"))
    census, _ = read(database, encoding="cp1252")
    names = {r["paciente_codigo"]: r["paciente_nome"] for r in census.records}
    assert names["00000777"] == "JOSÉ D’ÁVILA"
    assert not census.issues.counts


def test_schema_holding_the_tables_is_found_and_quoted(database: URL) -> None:
    """Tables in a schema named "PACIENTE" (upper case): with no schema configured the catalog finds it."""
    build(database, schema="PACIENTE")
    census, adapter = read(database)
    assert census.records == wareline_replica.EXPECTED
    assert adapter.layout is not None and adapter.layout.schema == '"PACIENTE"'
    assert adapter.layout.found == "encontrado no catálogo"
    configured, _ = read(database, schema="paciente")  # the operator's spelling is matched to the catalog's
    assert configured.records == wareline_replica.EXPECTED


def test_tables_in_two_schemas_are_refused_until_one_is_configured(database: URL) -> None:
    """Wareline's tables in both "PACIENTE" and public: no silent choice (public used to win, even as a stale copy);
    the read is refused with both schemas named and the setting to fill; configured, that schema is read."""
    build(database, schema="PACIENTE")
    build(database)
    with pytest.raises(SourceError) as refused:
        read(database)
    assert refused.value.kind == "config"
    assert "mais de um schema (PACIENTE, public)" in refused.value.message
    assert "HOTELEITOS_SOURCE_SCHEMA" in refused.value.message
    census, chosen = read(database, schema="PACIENTE")
    assert census.records == wareline_replica.EXPECTED
    assert chosen.layout is not None and chosen.layout.schema == '"PACIENTE"' and chosen.layout.found == "configurado"
    _, public = read(database, schema="public")
    assert public.layout is not None and public.layout.schema == "public"


@pytest.mark.parametrize("database", ["UTF8"], indirect=True)
def test_cbo_comes_from_the_optional_column_when_filled(database: URL) -> None:
    """cadprest.cbo, where the column exists and is filled, wins over cbos; empty, cbos stays."""
    build(database, cbo={"000042": "225124"})
    census, adapter = read(database)
    assert {r["profissional_cbos"] for r in census.records} == {"225124"}
    assert adapter.layout is not None and adapter.layout.columns == {"cbo": True}
    build(database, cbo={"000042": "  "})
    census, _ = read(database)
    assert {r["profissional_cbos"] for r in census.records} == {"225125"}


@pytest.mark.parametrize("database", ["LATIN1"], indirect=True)
def test_nothing_an_old_server_would_log_as_an_error(database: URL) -> None:
    """Every statement the connector sends (engine start-up included) exists on PostgreSQL 8.4: no hstore lookup, no
    to_regtype, application_name set only after asking the version; the server logs no error for us."""
    log = next(iter(sorted(SERVER_LOG.glob("postgresql-*-main.log"))), None)
    if log is None:
        unavailable(
            f"log do PostgreSQL não encontrado em {SERVER_LOG}: o teste lê o log do servidor local "
            "(sudo apt-get install postgresql)"
        )
    build(database)
    role = f"leitor_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE ROLE {role} LOGIN"))
        db.execute(text(f"ALTER ROLE {role} SET log_statement = 'all'"))
        db.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    start = log.stat().st_size  # type: ignore[union-attr]
    try:
        census, _ = read(database.set(username=role))
        assert len(census) == 2
    finally:
        with admin.connect() as db:
            db.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            db.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    with open(log, encoding="utf-8", errors="replace") as handle:  # type: ignore[arg-type]
        handle.seek(start)
        ours = [line for line in handle if f"{role}@" in line]
    assert ours, "log_statement não registrou nada"
    assert not [line for line in ours if re.search(r"\b(ERROR|FATAL|WARNING):", line)]
    joined = "\n".join(ours)
    assert "hstore" not in joined and "to_regtype" not in joined
    statements = [m.group(1) for line in ours if (m := re.search(r"(?:statement|execute [^:]*): (.*)$", line))]
    allowed = re.compile(
        r"^(BEGIN|COMMIT|ROLLBACK|select pg_catalog\.version\(\)|select current_schema\(\)|"
        r"show transaction isolation level|show standard_conforming_strings|SET statement_timeout = \d+|"
        r"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY|SET TIME ZONE '[\w/]+'|"
        r"SET application_name = 'hoteleitos-connector'|SELECT table_schema FROM information_schema\.tables .*|"
        r"SELECT 1 FROM information_schema\.columns .*|DECLARE \S+ (?:NO SCROLL )?CURSOR (?:WITHOUT HOLD )?FOR .*|"
        r"FETCH FORWARD \d+ FROM \S+|CLOSE \S+|SELECT|;)$"
    )
    assert [s for s in statements if not allowed.match(s.strip())] == []
