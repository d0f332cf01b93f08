"""A new vendor is a pair of folders, adapters/<name>/ + queries/<name>/: the example of docs/novo-fornecedor.md,
dropped into a copy of the tree, works; so does a vendor's pair copied under a new name.

The example's files are taken from the page itself (the blocks after `<!-- arquivo: ... -->`), so the page cannot rot.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.support import wareline_replica
from tests.support.cli import ROOT, run_cli
from tests.support.receivers import ScriptedReceiver
from tests.support.services import PG_ADMIN_URL, fresh_database

TOKEN = "token-acme-123"
PAGE = ROOT / "docs" / "novo-fornecedor.md"
_FILE_BLOCK = re.compile(r"<!-- arquivo: (?P<path>[\w/.]+) -->\n```\w*\n(?P<body>.*?)\n```", re.DOTALL)

ROWS = [
    # id, ala, quarto, leito, nome, prontuario, nascimento, sexo, convenio, entrada, saida
    (1, "UTI", "101", "101-A", " Maria  da Silva ", "P1", "1950-03-02", "F", "SUS", "2026-11-20 22:30", None),
    (2, "CLI", "201", "201-B", "JOSÉ  SOUZA", "P2", "1975-01-01", "M", None, "2026-11-21 08:00", None),
    (3, "UTI", "102", "102-A", "ALTA DE ONTEM", "P3", "1990-05-05", "F", "SUS", "2026-11-01 10:00", "2026-11-25 10:00"),
    (4, "PED", "301", None, "CRIANÇA SÓ COM QUARTO", "P4", "2020-02-02", "M", "UNIMED", "2026-11-24 09:00", None),
]


def page_files() -> dict[str, str]:
    return {m["path"]: m["body"] + "\n" for m in _FILE_BLOCK.finditer(PAGE.read_text(encoding="utf-8"))}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of what an installation holds (connector, adapters, queries, side by side), outside the repository."""
    root = tmp_path / "arvore"
    for name in ("connector", "adapters", "queries"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def package(tree: Path) -> Path:
    """The copy with the page's example vendor added, and nothing else changed."""
    root = tree
    files = page_files()
    assert set(files) == {"adapters/acme/__init__.py", "queries/acme/census.sql", "queries/acme/probe.sql"}
    for relative, body in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(body, encoding="utf-8")
    return root


@pytest.fixture
def acme_url(pg_url: URL) -> URL:
    engine = create_engine(pg_url)
    with engine.begin() as db:
        db.execute(text("DROP SCHEMA IF EXISTS acme CASCADE"))
        db.execute(text("CREATE SCHEMA acme"))
        db.execute(
            text(
                "CREATE TABLE acme.internacao (id INTEGER PRIMARY KEY, ala TEXT, quarto TEXT, leito TEXT, nome TEXT, "
                "prontuario TEXT, nascimento DATE, sexo CHAR(1), convenio TEXT, entrada TIMESTAMP, saida TIMESTAMP)"
            )
        )
        db.execute(
            text(
                "INSERT INTO acme.internacao VALUES (:i, :a, :q, :l, :n, :p, CAST(:b AS DATE), :s, :c, "
                "CAST(:e AS TIMESTAMP), CAST(:x AS TIMESTAMP))"
            ),
            [dict(zip("iaqlnpbscex", row, strict=True)) for row in ROWS],
        )
        db.execute(text("CREATE TABLE acme.leito (codigo TEXT PRIMARY KEY, internacao INTEGER)"))
        db.execute(
            text("INSERT INTO acme.leito VALUES (:c, :i)"),
            [{"c": row[3], "i": None if row[10] else row[0]} for row in ROWS if row[3]],
        )
    engine.dispose()
    return pg_url


def env(package: Path, url: URL, api_url: str, state: Path, **extra: str) -> dict[str, str]:
    return {
        "PYTHONPATH": str(package),  # the copy alone: its connector finds its own queries/
        "HOTELEITOS_API_URL": api_url,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "acme",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_STATE_DIR": str(state),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def test_example_vendor_folder_runs_end_to_end(
    package: Path, acme_url: URL, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """`config` lists the folder and its option, `check` passes (with the probe on, the probe runs too and its
    columns are checked), `run --once` delivers its census."""
    values = env(package, acme_url, receiver.url, tmp_path / "state", HOTELEITOS_SOURCE_ALAS="UTI,PED")
    shown = run_cli("config", env=values, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "acme — Acme (exemplo)" in shown.stdout
    assert "source.alas = UTI,PED — ambiente" in shown.stdout
    checked = run_cli("check", env=values, cwd=tmp_path)
    assert "[OK   ] Banco e consulta do censo" in checked.stdout, checked.stdout + checked.stderr
    assert "[OK   ] Permissões de leitura: 'postgres' lê as 1 tabela(s) e 11 coluna(s)" in checked.stdout
    assert "fornecedor acme" in checked.stdout
    probed = run_cli("check", env={**values, "HOTELEITOS_CHANGE_PROBE": "2s"}, cwd=tmp_path)
    assert "[OK   ] Sonda de mudança: queries/acme/probe.sql executada em" in probed.stdout, probed.stdout
    assert "3 linha(s) resumidas" in probed.stdout
    assert "[OK   ] Permissões de leitura: 'postgres' lê as 2 tabela(s) e 13 coluna(s)" in probed.stdout

    done = run_cli("run", "--once", env=values, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    body = receiver.accepted[-1].json()
    assert body["source"]["vendor"] == "acme"
    assert [p["cod_ocorrencia"] for p in body["pacientes"]] == ["1", "4"]
    first, child = body["pacientes"]
    assert first["paciente_nome"] == "Maria da Silva"
    assert first["data_internacao"] == "2026-11-20"
    assert first["convenio_codigo"] is None and first["tipo_ocorrencia_descricao"] == "INTERNAÇÃO"
    assert child["cod_leito"] is None and child["cod_quarto"] == "301"


def test_example_vendor_without_its_option_reads_every_ward(
    package: Path, acme_url: URL, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """The option's default (empty) keeps every admitted patient; the discharged one never appears."""
    done = run_cli("run", "--once", env=env(package, acme_url, receiver.url, tmp_path / "state"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p["cod_ocorrencia"] for p in receiver.accepted[-1].json()["pacientes"]] == ["1", "2", "4"]


def test_unknown_vendor_message_lists_the_new_folder(package: Path, acme_url: URL, tmp_path: Path) -> None:
    """With the folder in place, the list of valid vendors names it; a bad option value is one line, exit 2."""
    base = env(package, acme_url, "http://127.0.0.1:9", tmp_path / "state")
    wrong = run_cli("config", env={**base, "HOTELEITOS_SOURCE_VENDOR": "acmee"}, cwd=tmp_path)
    assert wrong.returncode == 2
    assert "acme" in wrong.stderr.split("use um de:")[1]
    foreign = run_cli("config", env={**base, "HOTELEITOS_SOURCE_MULTI_EMPRESA": "1"}, cwd=tmp_path)
    assert foreign.returncode == 2
    assert "opção do fornecedor mv; não se aplica ao fornecedor acme" in foreign.stderr
    assert TOKEN not in foreign.stderr


def test_a_copied_pair_of_vendor_folders_runs_as_a_new_vendor(
    tree: Path, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """adapters/wareline + queries/wareline copied as `hospital_x` (its census changed in one literal, to tell whose
    SQL ran): `config` lists it, `sql` shows its files, and `run --once` delivers Wareline's census read by the
    copy's queries, the optional-column fragments included."""
    shutil.copytree(tree / "adapters" / "wareline", tree / "adapters" / "hospital_x")
    shutil.copytree(tree / "queries" / "wareline", tree / "queries" / "hospital_x")
    census = tree / "queries" / "hospital_x" / "census.sql"
    census.write_text(census.read_text(encoding="utf-8").replace("'INTERNAÇÃO'", "'INTERNAÇÃO X'"), encoding="utf-8")
    with fresh_database(PG_ADMIN_URL, "copia") as url:
        wareline_replica.build(url, cbo={"000042": "225130"})
        values = {**env(tree, url, receiver.url, tmp_path / "state"), "HOTELEITOS_SOURCE_VENDOR": "hospital_x"}
        shown = run_cli("config", env=values, cwd=tmp_path)
        listing = run_cli("sql", env=values, cwd=tmp_path)
        done = run_cli("run", "--once", env=values, cwd=tmp_path)
    assert "hospital_x — Wareline" in shown.stdout, shown.stdout + shown.stderr
    assert f"Arquivos em {tree / 'queries'} " in listing.stdout
    assert "— queries/hospital_x/census.sql" in listing.stdout and "coluna opcional cbo: presente" in listing.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    body = receiver.accepted[-1].json()
    assert body["source"]["vendor"] == "hospital_x"
    expected = {record["cod_ocorrencia"] for record in wareline_replica.EXPECTED}
    assert {p["cod_ocorrencia"] for p in body["pacientes"]} == expected
    assert {p["tipo_ocorrencia_descricao"] for p in body["pacientes"]} == {"INTERNAÇÃO X"}
    assert {p["profissional_cbos"] for p in body["pacientes"]} == {"225130"}  # queries/hospital_x/cbo.present.sql
