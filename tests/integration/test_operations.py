"""Ready for hospital IT: health and metrics, logs that never expose a patient, `config`, the hospital network
(TLS with a private CA, an outbound proxy) and a graceful SIGTERM; real processes and real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN, connector_env
from tests.support import mv_replica
from tests.support.cli import run_cli
from tests.support.http_proxy import ForwardProxy
from tests.support.processes import Agent
from tests.support.receivers import Fault, ScriptedReceiver, TlsReceiver, status, wait_until


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def metrics(agent: Agent) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = agent.get("/metrics")
    assert response is not None and response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_readyz_follows_delivery_and_metrics_parse(mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """/readyz 200 while delivering, 503 once the API is down past the window, 200 after recovery;
    /healthz stays 200; /metrics is valid Prometheus text with the connector's own metrics."""
    with ScriptedReceiver() as receiver:
        env = connector_env(
            mv_url,
            receiver,
            tmp_path / "state",
            HOTELEITOS_SCHEDULE="1s",
            HOTELEITOS_HEALTH_READY_WINDOW="3",
            HOTELEITOS_API_RETRY_DEADLINE="0.5",
        )
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
        receiver.add(*[status(503)] * 10_000)
        assert wait_until(lambda: agent.status("/readyz") == 503, timeout=30)
        down = agent.get("/readyz")
        assert down is not None and "último ciclo entregue há" in down.json()["reasons"][0]
        assert agent.status("/healthz") == 200
        samples = metrics(agent)
        receiver.script.clear()
        assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
        assert agent.stop() == 0
    assert samples[("hoteleitos_push_attempts_total", (("status", "503"),))] >= 1
    assert samples[("hoteleitos_push_attempts_total", (("status", "200"),))] >= 1
    assert samples[("hoteleitos_outbox_snapshots", (("status", "pending"),))] >= 1
    assert samples[("hoteleitos_rows_extracted", ())] == len(mv_replica.EXPECTED) + 2
    assert samples[("hoteleitos_census_patients", ())] == len(mv_replica.EXPECTED)
    assert samples[("hoteleitos_last_success_timestamp_seconds", ())] > time.time() - 120
    assert (
        samples[
            (
                "hoteleitos_normalisation_warnings_total",
                (("field", "cod_ocorrencia"), ("kind", "duplicate_cod_ocorrencia")),
            )
        ]
        >= 2
    )
    assert samples[("hoteleitos_cycle_duration_seconds_count", ())] >= 2
    assert samples[("hoteleitos_build_info", (("vendor", "mv"), ("version", "0.1.0")))] == 1


def test_no_patient_data_or_secret_anywhere(mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """A full cycle with known names, record numbers and birth dates, a 400 echoing a patient, a database error
    quoting a value: none of it in stdout, stderr, log files, /metrics, /readyz or messages; the token neither."""
    echo = ('{"erro":"paciente JOSÉ DA SILVA prontuario 90000501 nascido 1950-03-04 invalido"}').encode()
    log_dir = tmp_path / "log"
    outputs: list[str] = []
    with ScriptedReceiver([status(400, body=echo)]) as receiver:
        env = connector_env(
            mv_url, receiver, tmp_path / "state", HOTELEITOS_LOG_DIR=str(log_dir), HOTELEITOS_SCHEDULE="1s"
        )
        for command in (("run", "--once"), ("run", "--once"), ("outbox",), ("preview",), ("check",), ("config",)):
            done = run_cli(*command, env=env, cwd=tmp_path)
            outputs += [done.stdout, done.stderr]
        bad = tmp_path / "ruim.sql"
        bad.write_text("SELECT CAST(p.NM_PACIENTE AS DATE) AS x FROM dbamv.PACIENTE p", encoding="utf-8")
        done = run_cli("run", "--once", env={**env, "HOTELEITOS_SOURCE_QUERY_FILE": str(bad)}, cwd=tmp_path)
        outputs += [done.stdout, done.stderr]
        assert done.returncode == 1 and "recusou a consulta" in done.stdout
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
        outputs += [agent.get(path).text for path in ("/metrics", "/readyz", "/healthz")]  # type: ignore[union-attr]
        assert agent.stop() == 0
        outputs += [agent.stdout, agent.stderr]
    files = list(log_dir.glob("hoteleitos-connector.log*"))
    assert files, "the log folder got no file"
    outputs += [f.read_text(encoding="utf-8") for f in files]
    assert any('"event": "cycle_finished"' in f.read_text(encoding="utf-8") for f in files)
    everything = "\n".join(outputs)
    assert "JOSÉ DA SILVA" in receiver.accepted[0].body.decode()  # the census itself did carry them
    for secret in [*mv_replica.PATIENT_SECRETS, TOKEN]:
        assert secret not in everything, secret


def test_config_shows_values_masked_and_their_origin(tmp_path: Path) -> None:
    """Each setting with its source: file, environment, incumbent variable or default; secrets masked."""
    (tmp_path / "config.yaml").write_text("api:\n  path: /v2/censo\nschedule: 2m\n", encoding="utf-8")
    env = {
        "HOTELEITOS_API_URL": "https://api.example.test",
        "API_TOKEN": "token-secreto-999",
        "DB_DIALECT": "postgres",
        "DB_HOST": "10.0.0.9",
        "DB_NAME": "his",
        "DB_USER": "leitor",
        "DB_PASS": "senha-secreta-777",
        "ENABLED_INTEGRATIONS": "wareline_mapa",
    }
    done = run_cli("config", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {line.split(" = ")[0].strip(): line for line in done.stdout.splitlines() if " = " in line}
    assert lines["api.url"].endswith("— ambiente")
    assert lines["api.path"].endswith("— arquivo config.yaml") and "/v2/censo" in lines["api.path"]
    assert "*** — variável do integrador API_TOKEN" in lines["api.token"]
    assert "postgresql+psycopg://leitor:***@10.0.0.9:5432/his" in lines["source.url"]
    assert lines["source.vendor"].endswith("variável do integrador ENABLED_INTEGRATIONS")
    assert lines["guard.share"].endswith("— padrão")
    assert "token-secreto-999" not in done.stdout and "senha-secreta-777" not in done.stdout


def test_tls_with_a_private_ca_and_refused_without_it(mv_url: URL, tmp_path: Path) -> None:
    """A TLS-inspecting firewall's CA given by HOTELEITOS_API_CA_BUNDLE is trusted; without it the push is
    refused with a message that names the setting, and the census waits in the outbox."""
    ca = tmp_path / "ca.pem"
    with TlsReceiver(str(ca)) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_API_RETRY_DEADLINE="1")
        refused = run_cli("run", "--once", env=env, cwd=tmp_path)
        assert refused.returncode == 1
        assert "HOTELEITOS_API_CA_BUNDLE" in refused.stdout
        assert receiver.accepted == []
        trusted = run_cli("run", "--once", env={**env, "HOTELEITOS_API_CA_BUNDLE": str(ca)}, cwd=tmp_path)
        assert trusted.returncode == 0, trusted.stdout + trusted.stderr
        assert len(receiver.accepted) == 2  # the refused census went out first, then this cycle's


def test_pushes_go_through_the_hospital_proxy(mv_url: URL, tmp_path: Path) -> None:
    """HTTP_PROXY carries plain HTTP, HTTPS_PROXY tunnels TLS with CONNECT, NO_PROXY bypasses."""
    ca = tmp_path / "ca.pem"
    with ForwardProxy() as proxy, ScriptedReceiver() as plain, TlsReceiver(str(ca)) as tls:
        env = connector_env(mv_url, plain, tmp_path / "s1", HTTP_PROXY=proxy.url)
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 0
        assert proxy.seen == [("POST", f"{plain.url}/integracao/censo")]
        assert len(plain.accepted) == 1
        env = connector_env(mv_url, tls, tmp_path / "s2", HTTPS_PROXY=proxy.url, HOTELEITOS_API_CA_BUNDLE=str(ca))
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 0
        assert proxy.seen[-1] == ("CONNECT", tls.url.removeprefix("https://"))
        assert len(tls.accepted) == 1
        env = connector_env(mv_url, plain, tmp_path / "s3", HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1")
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 0
        assert len(proxy.seen) == 2 and len(plain.accepted) == 2


def test_sigterm_during_a_push_exits_cleanly_and_loses_nothing(
    mv_url: URL, tmp_path: Path, agents: list[Agent]
) -> None:
    """SIGTERM while the API is slow: the push in flight finishes, exit 0; SIGTERM during retries: exit 0 at once,
    the census stays in the outbox and goes out on the next start."""
    with ScriptedReceiver([Fault(delay=2)]) as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="1m")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: len(receiver.received) == 1, timeout=30)
        started = time.monotonic()
        assert agent.stop() == 0
        assert time.monotonic() - started < 10
        assert len(receiver.accepted) == 1
        receiver.add(*[status(503)] * 10_000)
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: len(receiver.received) >= 2, timeout=30)
        started = time.monotonic()
        assert agent.stop() == 0
        assert time.monotonic() - started < 5
        events = [json.loads(line) for line in agent.stdout.splitlines() if line.startswith("{")]
        kept = next(e["snapshot_id"] for e in events if e["event"] == "snapshot_stored")
        receiver.script.clear()
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 0
        assert kept in [r.headers["idempotency-key"] for r in receiver.accepted]
