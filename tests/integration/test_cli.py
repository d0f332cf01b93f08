"""The command line against real services: configuration errors, check, preview, and `run` on its schedule."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN, connector_env
from tests.support import mv_replica
from tests.support.cli import ROOT, run_cli
from tests.support.receivers import Fault, ScriptedReceiver, wait_until


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def test_invalid_configuration_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    """No traceback, each problem names its setting, no secret echoed."""
    env = {
        "HOTELEITOS_API_TOKEN": "segredo-123456",
        "HOTELEITOS_SOURCE_VENDOR": "salux",
        "HOTELEITOS_SOURCE_URL": "postgresql://u:senha-do-banco@/x",
        "HOTELEITOS_SCHEDULE": "toda hora",
    }
    done = run_cli("run", "--once", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == 4, done.stderr
    for name in ("HOTELEITOS_API_URL", "HOTELEITOS_SOURCE_VENDOR", "HOTELEITOS_SOURCE_URL", "HOTELEITOS_SCHEDULE"):
        assert any(name in line for line in problems)
    assert "segredo-123456" not in done.stderr and "senha-do-banco" not in done.stderr


def test_check_gives_a_verdict_per_item(mv_url: URL, tmp_path: Path) -> None:
    """Database, query and API verified against real services."""
    with ScriptedReceiver(token=TOKEN) as receiver:
        done = run_cli("check", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[OK   ] Banco e consulta do censo" in done.stdout
    assert "15 colunas canônicas" in done.stdout
    assert "[OK   ] API HOTELEITOS" in done.stdout
    assert "[OK   ] Pasta de estado" in done.stdout
    assert (
        "[OK   ] Permissões de leitura: 'postgres' lê as 5 tabela(s) e 20 coluna(s) que a consulta do mv usa"
        in done.stdout
    )
    assert receiver.accepted == []  # check never pushes


def test_check_reports_wrong_token_and_unreachable_database(mv_url: URL, tmp_path: Path) -> None:
    """Both failures are named with the fix, exit status 1."""
    with ScriptedReceiver(token="other-token") as receiver:
        env = connector_env(mv_url.set(port=1), receiver, tmp_path / "state", HOTELEITOS_SOURCE_CONNECT_TIMEOUT="3")
        done = run_cli("check", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert "[FALHA] Banco e consulta do censo: não foi possível conectar" in done.stdout
    assert "[AVISO] Permissões de leitura: não verificadas: o banco não respondeu" in done.stdout
    assert "[FALHA] API HOTELEITOS" in done.stdout and "token foi recusado" in done.stdout
    assert TOKEN not in done.stdout + done.stderr


def test_preview_masks_patient_identifiers_unless_asked(mv_url: URL, tmp_path: Path) -> None:
    """Names, record numbers and birth dates are masked by default; --show-names shows them; nothing is sent."""
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state")
        masked = run_cli("preview", env=env, cwd=tmp_path)
        shown = run_cli("preview", "--show-names", env=env, cwd=tmp_path)
        as_json = run_cli("preview", "--json", env=env, cwd=tmp_path)
    assert masked.returncode == shown.returncode == as_json.returncode == 0
    assert "J*** D* S****" in masked.stdout
    for secret in ("JOSÉ DA SILVA", "MARIA DA CONCEIÇÃO", "1950-03-04", "90000501"):
        assert secret not in masked.stdout
    assert "JOSÉ DA SILVA" in shown.stdout
    assert "6 pacientes no censo (8 linhas lidas" in masked.stdout
    assert "cod_ocorrencia repetido" in masked.stdout
    payload = json.loads(as_json.stdout)
    assert payload["count"] == 6
    assert payload["pacientes"][0]["paciente_nome"] == "J*** D* S****"
    assert receiver.received == []


def test_run_cycles_on_schedule_never_overlapping_and_stops_on_sigterm(mv_url: URL, tmp_path: Path) -> None:
    """With a 1 s schedule and a receiver taking 1.5 s, pushes never overlap; SIGTERM exits 0."""
    with ScriptedReceiver([Fault(delay=1.5)] * 20) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="1s", HOTELEITOS_HEALTH_PORT="0")
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert wait_until(lambda: len(receiver.accepted) >= 3, timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert receiver.max_inflight == 1
    assert len({r.headers["idempotency-key"] for r in receiver.accepted}) == len(receiver.accepted)
    assert "connector_stopped" in stdout and not stderr  # `run` logs to stdout; nothing went wrong


def test_unusable_state_folder_and_busy_health_port_exit_2(mv_url: URL, tmp_path: Path) -> None:
    """Start-up problems outside the configuration file still get one line naming the setting, exit 2."""
    import socket

    blocker = tmp_path / "arquivo"
    blocker.write_text("não é uma pasta", encoding="utf-8")
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, blocker / "state")
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "HOTELEITOS_STATE_DIR" in done.stderr
        with socket.create_server(("127.0.0.1", 0)) as busy:
            port = str(busy.getsockname()[1])
            env = connector_env(
                mv_url, receiver, tmp_path / "state", HOTELEITOS_HEALTH_PORT=port, HOTELEITOS_HEALTH_HOST="127.0.0.1"
            )
            done = run_cli("run", env=env, cwd=tmp_path, timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "HOTELEITOS_HEALTH_PORT" in done.stderr
