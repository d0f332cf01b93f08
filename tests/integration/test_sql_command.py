"""`hoteleitos-connector sql`: the statements for the current configuration as they will run, for the DBA: the
schema and the optional columns as the catalog shows them (or said plainly when the database cannot be reached),
bound values listed, session set-up included, and never a secret."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import URL

from tests.support import aghu_replica, custom_replica, wareline_replica
from tests.support.cli import run_cli
from tests.support.services import PG_ADMIN_URL, fresh_database

PASSWORD = "senha-do-banco-991"
TOKEN = "token-da-api-772"


def env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_URL": url,
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }


def with_password(url: URL) -> str:
    return url.set(password=PASSWORD).render_as_string(hide_password=False)


def test_listing_shows_what_the_catalog_found(tmp_path: Path) -> None:
    """Wareline in a schema named "PACIENTE" with the optional cbo column: the census is printed with the quoted
    schema and the cbo fragment for a present column, after the session set-up and the catalog look-ups with their
    values; the password and the token appear nowhere."""
    with fresh_database(PG_ADMIN_URL, "sql") as url:
        wareline_replica.build(url, schema="PACIENTE", cbo={})
        done = run_cli("sql", env=env(with_password(url), tmp_path, HOTELEITOS_SOURCE_VENDOR="wareline"), cwd=tmp_path)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert 'Banco consultado: schema "PACIENTE" (encontrado no catálogo); coluna opcional cbo: presente.' in out
    assert "-- Sessão: a cada conexão nova — queries/postgresql/session.sql\n" in out
    assert "SET statement_timeout = 60000;\nSET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;\n" in out
    assert "SET TIME ZONE 'America/Sao_Paulo';\nSET application_name = 'hoteleitos-connector';" in out
    assert "sem valor para $client_encoding" in out and "--   SET client_encoding TO '$client_encoding'" in out
    assert "queries/ansi/schemas-holding.sql\n-- parâmetro :t = 'arqatend'\nSELECT table_schema FROM" in out
    assert "-- parâmetro :s = 'PACIENTE'\n-- parâmetro :t = 'cadprest'\n-- parâmetro :c = 'cbo'\n" in out
    census = out.split("— queries/wareline/census.sql\n")[1].split(";\n")[0]
    assert 'FROM "PACIENTE".arqint i' in census and "$" not in census and "--" not in census
    assert "COALESCE(NULLIF(TRIM(pr.cbo), ''), pr.cbos)" in census
    assert "desligada nesta configuração (HOTELEITOS_CHANGE_PROBE): não enviada" in out
    assert "-- parâmetro :tables = ('arqint', 'arqatend', 'cadlei', 'cadpac', 'cadplaco', 'cadconv', 'cadprest')" in out
    assert PASSWORD not in out + done.stderr and TOKEN not in out + done.stderr


def test_unreachable_database_is_said_plainly_and_bound_values_are_listed(tmp_path: Path) -> None:
    """MV on an Oracle that does not answer: the listing still comes (exit 0), says the catalog was not read,
    renders the census with the vendor's usual schema and lists the bound values of the configured options."""
    url = f"oracle://leitor:{PASSWORD}@127.0.0.1:9/?service_name=ORCL"
    values = env(url, tmp_path, HOTELEITOS_SOURCE_VENDOR="mv", HOTELEITOS_SOURCE_MULTI_EMPRESA="1,3")
    done = run_cli("sql", env={**values, "HOTELEITOS_SOURCE_CONNECT_TIMEOUT": "3"}, cwd=tmp_path)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "O banco não respondeu (" in out and "sem o catálogo (colunas opcionais como ausentes)" in out
    assert "ALTER SESSION SET TIME_ZONE = 'America/Sao_Paulo';" in out
    assert (
        "-- Abertura de cada leitura (censo e sonda) — queries/oracle/transaction.sql\nSET TRANSACTION READ ONLY;"
        in out
    )
    assert "-- parâmetro :t = 'ATENDIME'" in out
    assert (
        "-- parâmetro :tipos_atendimento = ('I')\n-- parâmetro :todas_empresas = 0\n-- parâmetro :empresas = (1, 3)"
        in (out)
    )
    assert "FROM DBAMV.ATENDIME a" in out and "a.CD_MULTI_EMPRESA IN :empresas" in out
    assert "(aviso de senha perto de expirar) — queries/oracle/password-expiry.sql\nSELECT" in out
    assert PASSWORD not in out + done.stderr and TOKEN not in out + done.stderr


def test_json_names_the_hospitals_own_file(pg_url: URL, tmp_path: Path) -> None:
    """With the hospital's query file, the census statement is that file's, named by its path; no catalog look-up
    and no permission query (nothing is known of what it reads); the session set-up still comes."""
    custom_replica.build(pg_url)
    query = custom_replica.query_file(tmp_path)
    values = env(with_password(pg_url), tmp_path, HOTELEITOS_SOURCE_VENDOR="custom")
    done = run_cli("sql", "--json", env={**values, "HOTELEITOS_SOURCE_QUERY_FILE": str(query)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["reached"] is True and listing["vendor"] == "custom" and PASSWORD not in done.stdout
    origins = [item["origin"] for item in listing["statements"]]
    assert origins == ["queries/postgresql/session.sql"] * 5 + [str(query)]
    census = listing["statements"][-1]
    assert census["sql"].startswith("SELECT\n    i.id_atendimento AS cod_ocorrencia,") and census["parameters"] == {}
    assert census["sql"].endswith("WHERE i.saida IS NULL")


def test_the_capture_date_is_listed_as_the_hospitals_today(pg_url: URL, tmp_path: Path) -> None:
    """AGHU binds :hoje, the capture date: listed as a DATE literal of today in the hospital's zone (UTC+14 here, a
    day ahead of UTC for most of it) with a note that each read uses its own day; in --json, the ISO date."""
    aghu_replica.build(pg_url)
    zone = "Pacific/Kiritimati"
    values = env(with_password(pg_url), tmp_path, HOTELEITOS_SOURCE_VENDOR="aghu", HOTELEITOS_TIMEZONE=zone)
    before = datetime.now(ZoneInfo(zone)).date()
    done = run_cli("sql", env=values, cwd=tmp_path)
    listing = run_cli("sql", "--json", env=values, cwd=tmp_path)
    days = {before, datetime.now(ZoneInfo(zone)).date()}  # the listing may run across the hospital's midnight
    assert done.returncode == 0 and listing.returncode == 0, done.stderr + listing.stderr
    census = done.stdout.split("— queries/aghu/census.sql\n")[1].split(";\n")[0]
    assert any(f"-- parâmetro :hoje = DATE '{day.isoformat()}' (a data de hoje no fuso" in census for day in days)
    assert "cada leitura usa a data do seu dia)" in census
    assert "CAST(t.dt_fim AS DATE) >= :hoje" in census
    statements = json.loads(listing.stdout)["statements"]
    (bound,) = [s["parameters"] for s in statements if s["origin"] == "queries/aghu/census.sql"]
    assert bound in [{"hoje": day.isoformat()} for day in days]
