"""A census that grows without bound: far beyond the last accepted one (held until released), beyond the row
ceiling (the read stops), and large (read into a compressed body, never held whole). Real PostgreSQL, a real
receiver on 127.0.0.1, the connector as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import URL

from connector.census import FIELDS
from tests.support.cli import ROOT, events, run_cli
from tests.support.hospital import Hospital
from tests.support.receivers import ScriptedReceiver

GENERATED = {
    "cod_ocorrencia": "g::text",
    "cod_quarto": "'QUARTO ' || (g / 2)",
    "cod_leito": "'LEITO-' || g",
    "convenio_codigo": "(g % 12)::text",
    "convenio_nome": "'CONVÊNIO SAÚDE ' || (g % 12)",
    "data_internacao": "DATE '2026-11-01' + (g % 25)",
    "paciente_nome": "'JOSÉ DA SILVA CONCEIÇÃO ' || g",
    "paciente_codigo": "(9000000 + g)::text",
    "paciente_data_nascimento": "DATE '1940-01-01' + (g % 30000)",
    "paciente_sexo": "(ARRAY['M', 'F'])[1 + g % 2]",
    "profissional_nome": "'DR(A). PROFISSIONAL ' || (g % 200)",
    "tipo_ocorrencia_codigo": "'I'",
}


def generated(rows: int) -> str:
    """A census of `rows` patients made by the server (values like a real hospital's), without a table."""
    values = ", ".join(f"{GENERATED.get(name, 'NULL')} AS {name}" for name in FIELDS)
    return f"SELECT {values} FROM generate_series(1, {rows}) g"


def env_for(url: URL, api: str, folder: Path, sql: str, **extra: str) -> dict[str, str]:
    folder.mkdir(exist_ok=True)
    query = folder / "censo.sql"
    query.write_text(sql, encoding="utf-8")
    return {
        "HOTELEITOS_API_URL": api,
        "HOTELEITOS_API_TOKEN": "token-de-teste-123",
        "HOTELEITOS_SOURCE_VENDOR": "custom",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_SOURCE_QUERY_TIMEOUT": "300",
        "HOTELEITOS_STATE_DIR": str(folder / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def run_measured(env: dict[str, str], cwd: Path) -> tuple[int, str, float]:
    """`run --once`: its exit status, its stdout and its own peak memory in MiB."""
    process = subprocess.Popen(
        [sys.executable, "-m", "connector", "run", "--once"],
        env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    with process.stdout:
        out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, out, usage.ru_maxrss / 1024


def sent_counts(receiver: ScriptedReceiver) -> list[int]:
    seen: dict[str, int] = {}
    for request in receiver.accepted:
        seen.setdefault(request.headers["idempotency-key"], request.json()["count"])
    return list(seen.values())


def test_a_census_far_beyond_the_last_one_is_held_until_released(hospital: Hospital) -> None:
    """300 delivered, then 5,000 (a query that lost a filter, say): held with a message that says why and how to
    release it, cycle after cycle; `release` sends only the newest, which becomes the baseline."""
    hospital.set_patients(300)
    assert hospital.once()[0] == 0
    hospital.set_patients(5000)
    status, output, _ = hospital.once()
    assert status == 1
    held = next(e for e in events(output) if e["event"] == "census_held")
    assert held["reason"] == "growth" and held["baseline"] == 300 and held["patients"] == 5000
    assert "muito acima do último censo aceito (300" in str(held["message"])
    assert "hoteleitos-connector release" in str(held["message"])
    assert hospital.once()[0] == 1
    assert sent_counts(hospital.receiver) == [300]
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder)
    assert "2 censo(s) retido(s)" in listing.stdout and "muito acima" in listing.stdout
    released = run_cli("release", env=hospital.env(), cwd=hospital.folder)
    assert released.returncode == 0, released.stdout + released.stderr
    assert sent_counts(hospital.receiver) == [300, 5000]
    assert hospital.once()[0] == 0
    assert sent_counts(hospital.receiver) == [300, 5000, 5000]


def test_a_normal_census_ends_a_growth_hold(hospital: Hospital) -> None:
    """300, then 5,000 twice (held), then the fixed query's 302: sent as usual, the held ones dropped unsent.
    HOTELEITOS_GUARD_GROWTH=20 lets the same 5,000 through."""
    hospital.set_patients(300)
    assert hospital.once()[0] == 0
    hospital.set_patients(5000)
    assert [hospital.once()[0] for _ in range(2)] == [1, 1]
    hospital.set_patients(302)
    status, output, _ = hospital.once()
    assert status == 0 and any(e["event"] == "guard_false_alarm" for e in events(output))
    assert sent_counts(hospital.receiver) == [300, 302]
    hospital.set_patients(5000)
    assert hospital.once(HOTELEITOS_GUARD_GROWTH="20")[0] == 0
    assert sent_counts(hospital.receiver) == [300, 302, 5000]


def test_the_row_ceiling_stops_the_read_and_names_the_setting(pg_url: URL, tmp_path: Path) -> None:
    """A query that returns a million rows with HOTELEITOS_SOURCE_MAX_ROWS=20000: the read stops past 20,000 rows,
    nothing is sent, the cycle fails with a message naming the setting; `preview` says the same."""
    with ScriptedReceiver() as api:
        env = env_for(pg_url, api.url, tmp_path, generated(1_000_000), HOTELEITOS_SOURCE_MAX_ROWS="20000")
        status, output, peak = run_measured(env, tmp_path)
        assert api.accepted == []
    print(f"\nFIGURE a million rows against a ceiling of 20,000: peak {peak:.0f} MiB")
    failed = next(e for e in events(output) if e["event"] == "census_failed")
    assert status == 1 and failed["kind"] == "too_large"
    assert "mais de 20.000 linhas, o teto de HOTELEITOS_SOURCE_MAX_ROWS" in str(failed["message"])
    shown = run_cli("preview", env=env, cwd=tmp_path)
    assert shown.returncode == 1 and "HOTELEITOS_SOURCE_MAX_ROWS" in shown.stdout


def test_a_large_census_is_read_into_a_compressed_body(pg_url: URL, tmp_path: Path) -> None:
    """200,000 patients: delivered whole (the receiver gets every one), with a peak memory of at most 600 bytes a
    patient above a one-patient cycle's (the census held as text and the body built from it took 1,400)."""
    with ScriptedReceiver() as api:
        _, _, small = run_measured(env_for(pg_url, api.url, tmp_path / "um", generated(1)), tmp_path)
        status, _, peak = run_measured(env_for(pg_url, api.url, tmp_path / "grande", generated(200_000)), tmp_path)
        body = api.accepted[-1].json()
    per_patient = (peak - small) * 2**20 / 200_000
    print(f"\nFIGURE 200,000 patients: peak {peak:.0f} MiB, one patient {small:.0f} MiB: {per_patient:.0f} B a patient")
    assert status == 0 and per_patient < 600
    assert body["count"] == 200_000 and {p["cod_ocorrencia"] for p in body["pacientes"]} == {
        str(number) for number in range(1, 200_001)
    }
