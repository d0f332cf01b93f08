"""Values as the hospital meant them, through the real CLI: dates in the hospital's time zone on PostgreSQL, hostile
text never reaching the API nor the operator's terminal, a SQLite file holding bytes that are not UTF-8."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.support.cli import run_cli
from tests.support.receivers import ScriptedReceiver

TOKEN = "token-valores-123"
COLUMNS = """ c.cod AS cod_ocorrencia, NULL AS cod_quarto, NULL AS cod_leito, NULL AS convenio_codigo,
    NULL AS convenio_nome, {admission} AS data_internacao, c.nome AS paciente_nome, NULL AS paciente_codigo,
    c.nascimento AS paciente_data_nascimento, NULL AS paciente_sexo, NULL AS profissional_cbos,
    NULL AS profissional_nome, NULL AS profissional_codigo, NULL AS tipo_ocorrencia_codigo,
    NULL AS tipo_ocorrencia_descricao"""


def env(url: str, query: Path, receiver: ScriptedReceiver, folder: Path, **extra: str) -> dict[str, str]:
    return {
        "HOTELEITOS_API_URL": receiver.url,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "custom",
        "HOTELEITOS_SOURCE_URL": url,
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_STATE_DIR": str(folder / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


@pytest.fixture
def pg_census(pg_url: URL) -> URL:
    """Admissions as timestamptz, names with control characters, birth dates out of any plausible range."""
    engine = create_engine(pg_url)
    with engine.begin() as db:
        db.execute(text("DROP TABLE IF EXISTS censo_valores"))
        db.execute(text("CREATE TABLE censo_valores (cod INTEGER, entrada TIMESTAMPTZ, nome TEXT, nascimento DATE)"))
        db.execute(
            text("INSERT INTO censo_valores VALUES (:c, CAST(:e AS TIMESTAMPTZ), :n, CAST(:b AS DATE))"),
            [
                {"c": 1, "e": "2026-11-26 22:30:00-03", "n": "MARIA\x1b]0;hacked\x07 SILVA\x1b[2J", "b": "1950-01-02"},
                {"c": 2, "e": "2026-11-27 00:30:00-03", "n": "JO\u202eSÉ", "b": "4713-01-01 BC"},
                {"c": 3, "e": "0001-01-01 10:00:00+00", "n": "ANA\x08\x08LU", "b": "2999-05-05"},
            ],
        )
    engine.dispose()
    return pg_url


@pytest.mark.parametrize("admission", ["c.entrada", "CAST(c.entrada AS DATE)"])
def test_admission_dates_are_in_the_hospitals_zone(
    pg_census: URL, receiver: ScriptedReceiver, tmp_path: Path, admission: str
) -> None:
    """A timestamptz at 22:30 in São Paulo is the 26th, whether Python or the database cuts it to a date; in
    Manaus (one hour behind) 00:30 of São Paulo's 27th is still the 26th. Year 1 and BC dates are null."""
    query = tmp_path / "censo.sql"
    query.write_text(f"SELECT {COLUMNS.format(admission=admission)} FROM censo_valores c", encoding="utf-8")
    url = pg_census.render_as_string(hide_password=False)
    for zone, second in (("America/Sao_Paulo", "2026-11-27"), ("America/Manaus", "2026-11-26")):
        done = run_cli("run", "--once", env=env(url, query, receiver, tmp_path, HOTELEITOS_TIMEZONE=zone), cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        records = {r["cod_ocorrencia"]: r for r in receiver.accepted[-1].json()["pacientes"]}
        assert records["1"]["data_internacao"] == "2026-11-26", zone
        assert records["2"]["data_internacao"] == second, zone
        assert records["3"]["data_internacao"] is None
        assert records["2"]["paciente_data_nascimento"] is None and records["3"]["paciente_data_nascimento"] is None


def test_hostile_text_is_cleaned_and_never_printed_raw(
    pg_census: URL, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """ESC sequences, BEL, backspace and a bidi override: gone from the census sent, counted in the log, and
    `preview --show-names` writes nothing a terminal would obey."""
    query = tmp_path / "censo.sql"
    query.write_text(f"SELECT {COLUMNS.format(admission='c.entrada')} FROM censo_valores c", encoding="utf-8")
    values = env(pg_census.render_as_string(hide_password=False), query, receiver, tmp_path)
    done = run_cli("run", "--once", env=values, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    names = [r["paciente_nome"] for r in receiver.accepted[-1].json()["pacientes"]]
    assert names == ["MARIA]0;hacked SILVA[2J", "JOSÉ", "ANALU"]
    assert '"kind": "control_characters"' in done.stdout and '"count": 3' in done.stdout
    shown = run_cli("preview", "--show-names", env=values, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for raw in ("\x1b", "\x07", "\x08", "\u202e"):
        assert raw not in shown.stdout and raw not in shown.stderr
    assert "3 × paciente_nome: caracteres de controle ou invisíveis removidos" in shown.stdout


def test_a_sqlite_value_that_is_not_utf8_is_decoded_not_fatal(receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """One Windows-1252 name in a SQLite file: the census goes out whole, the name decoded, the guess counted."""
    database = tmp_path / "his.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE censo_valores (cod INTEGER, entrada TEXT, nome TEXT, nascimento TEXT)")
        db.execute("INSERT INTO censo_valores VALUES (1, '2026-11-20 08:00', CAST(X'4a4f53c920d2' AS TEXT), NULL)")
        db.execute("INSERT INTO censo_valores VALUES (2, '2026-11-21', 'ANA', '1990-01-01')")
    query = tmp_path / "censo.sql"
    query.write_text(f"SELECT {COLUMNS.format(admission='c.entrada')} FROM censo_valores c", encoding="utf-8")
    done = run_cli("run", "--once", env=env(f"sqlite:///{database}", query, receiver, tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    names = [r["paciente_nome"] for r in receiver.accepted[-1].json()["pacientes"]]
    assert names == ["JOSÉ Ò", "ANA"]
    assert '"kind": "encoding_guessed"' in done.stdout
