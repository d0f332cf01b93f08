"""`run --once` as a subprocess: a real PostgreSQL MV replica, a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from connector.census import FIELDS
from tests.support import mv_replica
from tests.support.cli import run_cli
from tests.support.hospital import Hospital, damage_body
from tests.support.receivers import ScriptedReceiver, status

TOKEN = "tok-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def connector_env(url: URL, receiver: ScriptedReceiver, state: Path, **extra: str) -> dict[str, str]:
    return {
        "HOTELEITOS_API_URL": receiver.url,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_STATE_DIR": str(state),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def test_run_once_delivers_the_census(mv_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """One POST with the envelope, the contract's headers, and the census record by record."""
    done = run_cli("run", "--once", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(receiver.accepted) == 1
    request = receiver.accepted[0]
    body = request.json()
    assert request.path == "/integracao/censo"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["idempotency-key"] == body["snapshot_id"]
    assert request.headers["user-agent"].startswith("hoteleitos-connector/")
    assert body["count"] == len(body["pacientes"]) == len(mv_replica.EXPECTED)
    assert all(list(p) == list(FIELDS) for p in body["pacientes"])
    assert body["pacientes"] == mv_replica.EXPECTED
    assert body["source"]["vendor"] == "mv"
    assert body["captured_at"].endswith("-03:00")
    assert "6 pacientes no censo" in done.stdout


def test_503_then_200_is_delivered_once(mv_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """A 503 is retried; the census arrives exactly once."""
    receiver.add(status(503))
    done = run_cli("run", "--once", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert receiver.answers == [503, 200]
    assert len(receiver.accepted) == 1
    ids = {r.headers["idempotency-key"] for r in receiver.received}
    assert len(ids) == 1


def test_429_retry_after_is_honoured(mv_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """429 with Retry-After: 1 waits at least a second before the retry, then delivers."""
    receiver.add(status(429, Retry_After="1"))
    done = run_cli("run", "--once", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert receiver.answers == [429, 200]
    assert receiver.times[1] - receiver.times[0] >= 0.95


def test_400_is_not_retried_and_exits_1(mv_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """A 400 sets the snapshot aside at once: one request, exit 1, a clear message, no traceback."""
    receiver.add(status(400, body=b'{"erro":"campo invalido"}'))
    state = tmp_path / "state"
    done = run_cli("run", "--once", env=connector_env(mv_url, receiver, state), cwd=tmp_path)
    assert done.returncode == 1
    assert receiver.answers == [400]
    assert "recusou este censo (HTTP 400)" in done.stdout
    assert "Traceback" not in done.stderr
    listing = run_cli("outbox", env=connector_env(mv_url, receiver, state), cwd=tmp_path)
    assert "rejeitado" in listing.stdout and "HTTP 400" in listing.stdout


def test_json_logs_carry_counts_not_patients(mv_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """The cycle's log events are JSON facts with a cycle id; no patient name appears."""
    done = run_cli("run", "--once", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    extracted = next(e for e in lines if e["event"] == "census_extracted")
    assert extracted["patients"] == len(mv_replica.EXPECTED)
    assert all("cycle_id" in e for e in lines if e["event"] != "connector_started")
    for secret in [*mv_replica.PATIENT_SECRETS, TOKEN]:
        assert secret not in done.stderr and secret not in done.stdout


def test_run_once_exits_1_after_quarantining_a_damaged_census(hospital: Hospital) -> None:
    """A pending census whose stored body was damaged on disk is quarantined: the fresh census goes out, and the
    exit status is 1 (a census was not delivered), not 0."""
    code, _, queued = hospital.once(status(503), status(503), HOTELEITOS_API_RETRY_DEADLINE="0.3")
    assert code == 1 and len(queued) == 1
    damage_body(Path(hospital.env()["HOTELEITOS_STATE_DIR"]) / "outbox.sqlite3", queued[0])
    code, output, created = hospital.once()
    assert code == 1, output
    assert "danificado no disco: posto em quarentena" in output
    assert [r.headers["idempotency-key"] for r in hospital.receiver.accepted] == created
