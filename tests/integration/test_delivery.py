"""Nothing lost, no phantom discharge: real `run --once` processes, a fault-injecting receiver on 127.0.0.1,
a real PostgreSQL census."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from structlog.testing import capture_logs

from connector.cycle import Agent
from tests.support.cli import ROOT, run_cli
from tests.support.hospital import CENSUS_SQL, TOKEN, Hospital, first_acceptances
from tests.support.receivers import Fault, status, wait_until
from tests.support.tcp_proxy import TcpProxy


def test_scripted_outages_lose_nothing_and_keep_capture_order(hospital: Hospital) -> None:
    """500, 503 past the deadline, 429 Retry-After, reset, hang past the timeout, 401 twice, slow accepts:
    every captured snapshot reaches the receiver, in capture order, with no gap."""
    script = [
        [status(500)],                                       # retried within the cycle
        [status(503)] * 30,                                  # outlasts the deadline: waits for the next cycle
        [status(429, Retry_After="1")],                      # honoured, then the backlog goes out
        [Fault(reset=True)],                                 # connection reset by peer
        [Fault(delay=2.5)],                                  # hangs past the 1 s read timeout
        [status(401)],                                       # wrong token: kept
        [status(403)],                                       # still refused: kept
        [],                                                  # token fixed: three snapshots in order
        [status(502)] * 30,                                  # another outage
        [Fault(delay=0.4)] * 3,                              # a slow API that accepts
    ]  # fmt: skip
    captured: list[str] = []
    statuses = []
    for faults in script:
        code, output, created = hospital.once(*faults)
        captured += created
        statuses.append(code)
        assert "Traceback" not in output
        assert TOKEN not in output
    code, _, created = hospital.once()
    captured += created
    statuses.append(code)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= len(captured), timeout=5)
    delivered = first_acceptances(hospital.receiver)
    assert delivered == captured  # every snapshot, capture order, no gap, nothing lost
    assert statuses[1] == statuses[5] == statuses[6] == statuses[8] == 1
    assert statuses[-1] == 0
    injected = sum(1 for a in hospital.receiver.answers if a == "reset" or not 200 <= int(a) < 300)
    injected += sum(1 for faults in script for f in faults if f.delay and f.delay > 1)
    duplicates = len(hospital.receiver.accepted) - len(delivered)
    print(
        f"\nfaults={injected} captured={len(captured)} delivered={len(delivered)} "
        f"lost={len(set(captured) - set(delivered))} duplicates={duplicates}"
    )


def test_sigkill_during_a_push_loses_nothing(hospital: Hospital) -> None:
    """Killed while the API holds the request: on restart the same snapshot goes again, same Idempotency-Key."""
    hospital.receiver.add(Fault(delay=30))
    process = subprocess.Popen(
        [sys.executable, "-m", "connector", "run", "--once"],
        env={
            **hospital.env(HOTELEITOS_API_READ_TIMEOUT="60", HOTELEITOS_API_RETRY_DEADLINE="60"),
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
        },
        cwd=hospital.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert wait_until(lambda: len(hospital.receiver.received) == 1, timeout=30)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    interrupted = hospital.receiver.received[0]
    hospital.receiver.script.clear()
    code, _, created = hospital.once()
    assert code == 0
    resent = hospital.receiver.accepted[0]
    assert resent.headers["idempotency-key"] == interrupted.headers["idempotency-key"]
    assert resent.body == interrupted.body
    assert [r.headers["idempotency-key"] for r in hospital.receiver.accepted] == [
        interrupted.headers["idempotency-key"],
        *created,
    ]


def test_dead_letter_does_not_block_newer_snapshots(hospital: Hospital) -> None:
    """A 400 sets one snapshot aside with the answer; the next ones are delivered; `outbox` shows it."""
    code, _, first = hospital.once(status(400, body=b'{"erro":"layout"}'))
    assert code == 1
    code, _, second = hospital.once()
    assert code == 0
    assert first_acceptances(hospital.receiver) == second
    listing = run_cli("outbox", env=hospital.env(), cwd=hospital.folder)
    assert first[0] in listing.stdout and "rejeitado" in listing.stdout and "HTTP 400" in listing.stdout
    assert "PACIENTE" not in listing.stdout
    shown = run_cli("outbox", "show", first[0], env=hospital.env(), cwd=hospital.folder)
    assert "rejeitado" in shown.stdout and '{"erro":"layout"}' in shown.stdout
    retried = run_cli("outbox", "retry", first[0], env=hospital.env(), cwd=hospital.folder)
    assert retried.returncode == 0 and "censos mais novos já foram entregues" in retried.stdout
    code, _, third = hospital.once()
    assert code == 0
    assert first_acceptances(hospital.receiver) == [*second, first[0], *third]
    hospital.once(status(422))
    dead = run_cli("outbox", env=hospital.env(), cwd=hospital.folder).stdout.split()
    discard_id = next(word for word in dead if len(word) == 36 and word.count("-") == 4)
    assert run_cli("outbox", "discard", discard_id, env=hospital.env(), cwd=hospital.folder).returncode == 0
    assert "Fila vazia" in run_cli("outbox", env=hospital.env(), cwd=hospital.folder).stdout


def test_failed_read_produces_no_snapshot_and_recovery_is_correct(hospital: Hospital, tmp_path: Path) -> None:
    """The database unreachable: no snapshot, nothing sent, pending ones still go; after recovery, the census."""
    proxy = TcpProxy((str(hospital.url.host), int(hospital.url.port or 5432)))
    try:
        via_proxy = hospital.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        hospital.extra = {"HOTELEITOS_SOURCE_URL": via_proxy, "HOTELEITOS_SOURCE_CONNECT_TIMEOUT": "2"}
        code, _, pending = hospital.once(*[status(503)] * 30)  # API down: the census waits in the outbox
        assert code == 1
        proxy.cut()
        code, output, created = hospital.once()  # database down, API back
        assert code == 1
        assert created == []
        assert "não foi possível conectar ao banco" in output
        assert first_acceptances(hospital.receiver) == pending  # the pending census still went out
        proxy.restore()
        code, _, created = hospital.once()
        assert code == 0
        body = hospital.receiver.accepted[-1].json()
        assert body["count"] == 25 and body["snapshot_id"] == created[0]
    finally:
        proxy.close()


# psycopg cannot close a server-side cursor on a connection the server has just terminated, and says so when
# the cursor is garbage-collected; that is the fault injected here, not a leak of the connector.
@pytest.mark.filterwarnings("ignore:.*was deleted while still open:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    "where",
    [
        " WHERE (SELECT 1 FROM pg_sleep(2)) = 1",  # before the first row
        " WHERE c.cod < 13 OR (SELECT 1 FROM pg_sleep(2)) = 1",  # after two batches of rows were read
    ],
    ids=["before-first-row", "between-batches"],
)
def test_connection_terminated_mid_fetch_produces_no_snapshot(
    hospital: Hospital, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_terminate_backend while the census is being read: the cycle fails, nothing is stored or sent."""
    from connector.source import fetch as database

    monkeypatch.setattr(database, "BATCH_ROWS", 5)
    slow = hospital.folder / "lento.sql"
    slow.write_text(CENSUS_SQL + where, encoding="utf-8")
    agent = Agent(hospital.settings(source={"query_file": str(slow)}))
    reports = []
    try:
        worker = threading.Thread(target=lambda: reports.append(agent.cycle()))
        worker.start()
        admin = create_engine(hospital.url, isolation_level="AUTOCOMMIT")  # a fresh pg_stat_activity each poll
        with admin.connect() as db:
            terminate = text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'hoteleitos-connector' AND state = 'active' AND pid <> pg_backend_pid() "
                "AND datname = current_database() "  # other test runs on this server are not ours to kill
                "AND (query LIKE 'FETCH%' OR query LIKE '%pg_sleep%')"  # the census read, not session set-up
            )
            assert wait_until(lambda: bool(db.execute(terminate).scalars().all()), timeout=10), reports
        admin.dispose()
        worker.join(timeout=30)
        report = reports[0]
        assert report.patients is None and report.snapshot_id is None
        assert "caiu durante a leitura" in report.errors[0]
        assert agent.outbox.depth()["pending"] == 0
        assert hospital.receiver.received == []
        recovered = agent.cycle()
        assert recovered.ok and recovered.patients == 25
        assert hospital.receiver.accepted[0].json()["count"] == 25
    finally:
        agent.close()


def test_outbox_bounds_drop_the_oldest_counted_and_logged(hospital: Hospital) -> None:
    """With the API down and room for 3 snapshots, the 4th and 5th cycles drop the oldest, loudly."""
    agent = Agent(hospital.settings(outbox={"max_count": 3}, api={"retry_deadline": 0.5}))
    hospital.receiver.add(*[status(503)] * 100)
    try:
        before = REGISTRY.get_sample_value("hoteleitos_outbox_dropped_total", {"reason": "max_count"}) or 0
        ids = []
        with capture_logs() as logs:
            for _ in range(5):
                ids.append(agent.cycle().snapshot_id)
        pending = [e.id for e in agent.outbox.entries("pending")]
        assert pending == ids[2:]
        dropped = [e["snapshot_id"] for e in logs if e["event"] == "outbox_dropped"]
        assert dropped == ids[:2]
        after = REGISTRY.get_sample_value("hoteleitos_outbox_dropped_total", {"reason": "max_count"})
        assert after == before + 2
    finally:
        agent.close()


def test_collapse_backlog_sends_only_the_latest(hospital: Hospital) -> None:
    """With collapse_backlog, the recovery sends the newest snapshot only (the others are logged as collapsed)."""
    hospital.once(*[status(503)] * 30)
    hospital.once(*[status(503)] * 30)
    code, output, created = hospital.once(HOTELEITOS_OUTBOX_COLLAPSE_BACKLOG="true")
    assert code == 0
    assert first_acceptances(hospital.receiver) == created
    assert output.count('"reason": "collapsed"') == 2


def test_auth_failure_keeps_snapshots_and_retries_slowly(hospital: Hospital) -> None:
    """401: the snapshot stays; the next cycle does not hammer the API; after the interval it tries again."""
    agent = Agent(hospital.settings(api={"auth_retry_interval": 1.5}))
    hospital.receiver.add(status(401), status(401))
    try:
        first = agent.cycle()
        assert not first.ok and "token" in first.errors[0]
        second = agent.cycle()
        assert "pausado" in second.errors[0]
        assert hospital.receiver.answers == [401]
        wait_until(lambda: False, timeout=1.6)
        third = agent.cycle()
        assert hospital.receiver.answers == [401, 401]
        hospital.receiver.script.clear()
        wait_until(lambda: False, timeout=1.6)
        fourth = agent.cycle()
        assert fourth.ok
        assert first_acceptances(hospital.receiver) == [
            first.snapshot_id,
            second.snapshot_id,
            third.snapshot_id,
            fourth.snapshot_id,
        ]
    finally:
        agent.close()
