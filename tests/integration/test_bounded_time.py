"""Bounded in time whatever the peer does: a real PostgreSQL behind a network that goes silent, a real API on
127.0.0.1 that trickles its answer, SIGTERM in the middle of both, and the measured durations against their
bounds. The connector runs as a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from connector.census import FIELDS
from connector.source.watchdog import GRACE, cancel_on, guarded, watch
from tests.support.cli import ROOT, events, run_cli
from tests.support.hostile import HostileApi, response
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, wait_until
from tests.support.tcp_proxy import TcpProxy

TOKEN = "tok-bounded-4f1c"
MARGIN = 3.0  # seconds for a Python process to start, load its drivers and write its report


def sleepy_sql(seconds: float) -> str:
    """A census of one patient that takes `seconds` to come out of PostgreSQL."""
    columns = ", ".join("'1' AS cod_ocorrencia" if name == "cod_ocorrencia" else f"NULL AS {name}" for name in FIELDS)
    return f"SELECT {columns} FROM (SELECT pg_sleep({seconds})) AS s"


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    relay = TcpProxy(("127.0.0.1", 5432))
    yield relay
    relay.close()


def env_for(pg_url: URL, proxy: TcpProxy, api: str, tmp_path: Path, sleep: float, **extra: str) -> dict[str, str]:
    query = tmp_path / "censo.sql"
    query.write_text(sleepy_sql(sleep), encoding="utf-8")
    url = pg_url.set(host="127.0.0.1", port=proxy.port)
    return {
        "HOTELEITOS_API_URL": api,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "custom",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_SOURCE_CONNECT_TIMEOUT": "2",
        "HOTELEITOS_SOURCE_QUERY_TIMEOUT": "3",
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def start(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector", *args],
        env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def figure(name: str, seconds: float, bound: float) -> None:
    """A measured duration and its bound, printed for the record (pytest -s shows them)."""
    print(f"\nFIGURE {name}: {seconds:.2f}s (bound {bound:.1f}s)")


def test_a_silent_network_mid_query_ends_the_read_within_its_bound(
    pg_url: URL, proxy: TcpProxy, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """The network drops every packet while the census query runs: the read ends at connect + query timeout +
    grace (not when TCP gives up, a quarter of an hour later), says so, and exits 1."""
    env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=2)
    process = start("run", "--once", env=env, cwd=tmp_path)
    assert wait_until(lambda: len(proxy.sockets) >= 2, timeout=30)
    time.sleep(0.5)  # the query is running
    proxy.silence()
    silenced = time.monotonic()
    out, err = process.communicate(timeout=60)
    elapsed = time.monotonic() - silenced
    bound = 2 + 3 + GRACE
    figure("silent database mid-query, run --once", elapsed, bound)
    assert process.returncode == 1, out + err
    assert "o banco não respondeu em 8s" in out
    assert elapsed < bound + MARGIN
    failed = next(e for e in events(out) if e["event"] == "census_failed")
    assert failed["kind"] == "timeout"


def test_a_database_silent_from_the_start_ends_at_the_connect_timeout(
    pg_url: URL, proxy: TcpProxy, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """A listener that accepts and never answers: the connection attempt gives up at its own timeout."""
    proxy.silence()
    env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=0)
    started = time.monotonic()
    done = run_cli("run", "--once", env=env, cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - started
    figure("database silent at connect, run --once", elapsed, 2 + 3 + GRACE + MARGIN)
    assert done.returncode == 1
    assert elapsed < 2 + 3 + GRACE + MARGIN
    assert "Traceback" not in done.stderr


def test_run_keeps_its_cycles_bounded_and_stops_fast_on_a_silent_network(
    pg_url: URL, proxy: TcpProxy, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """`run` with a pooled connection: the network goes silent; each later cycle ends within its bound (the
    pooled connection's ping included), and SIGTERM in the middle of a silent read exits 0 within 10 s."""
    env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=0, HOTELEITOS_SCHEDULE="1s")
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(receiver.accepted) >= 2, timeout=30)
    proxy.silence()
    time.sleep(2 + 3 + GRACE + 4)  # at least one whole silent cycle, and the next one under way
    started = time.monotonic()
    assert agent.stop() == 0
    stopped = time.monotonic() - started
    figure("SIGTERM during a silent read (run)", stopped, 10)
    assert stopped < 10
    cycles = [e for e in events(agent.stdout) if e["event"] == "cycle_finished"]
    failed = [e for e in events(agent.stdout) if e["event"] == "census_failed"]
    assert any(e["kind"] == "timeout" for e in failed), failed
    longest = max(e["duration_ms"] for e in cycles) / 1000
    figure("longest cycle on a silent network (run)", longest, 2 + 3 + GRACE + 1)
    assert longest < 2 + 3 + GRACE + 1


def test_sigterm_while_connecting_to_a_silent_database_exits_within_10s(
    pg_url: URL, proxy: TcpProxy, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """A connection being opened cannot be interrupted by the driver: the agent gives the cycle a few seconds,
    then leaves without it, saying so."""
    proxy.silence()
    env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=0, HOTELEITOS_SOURCE_CONNECT_TIMEOUT="60")
    agent = Agent(env, tmp_path)
    agents.append(agent)
    assert wait_until(lambda: len(proxy.sockets) >= 1, timeout=30)
    time.sleep(1)
    started = time.monotonic()
    assert agent.stop() == 0
    stopped = time.monotonic() - started
    figure("SIGTERM while connecting to a silent database (run)", stopped, 10)
    assert stopped < 10
    assert any(e["event"] == "stop_forced" for e in events(agent.stdout))


TRICKLE_HEAD, TRICKLE_BODY = response("200 OK", "application/json", b'{"ok":true}')


@pytest.mark.parametrize("where", ["head", "body"])
def test_an_api_that_trickles_is_cut_at_each_attempt_s_deadline(
    where: str, pg_url: URL, proxy: TcpProxy, tmp_path: Path
) -> None:
    """One byte a second, in the headers or in the body: each attempt is cut at connect + read timeout, the
    cycle at its retry deadline; the census waits in the outbox."""
    head, body = response("200 OK", "application/json", b'{"ok":true,"pad":"' + b"x" * 200 + b'"}')
    api = HostileApi(head, body, interval=1.0, trickle_head=where == "head")
    try:
        env = env_for(
            pg_url,
            proxy,
            api.url,
            tmp_path,
            sleep=0,
            HOTELEITOS_API_CONNECT_TIMEOUT="1",
            HOTELEITOS_API_READ_TIMEOUT="2",
            HOTELEITOS_API_RETRY_DEADLINE="4",
        )
        started = time.monotonic()
        done = run_cli("run", "--once", env={**env, "HOTELEITOS_SCHEDULE": "4s"}, cwd=tmp_path, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        api.close()
    bound = 4 + (1 + 2) + MARGIN  # the retry deadline, then the attempt it let start
    figure(f"API trickling its {where}, run --once", elapsed, bound)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "a API não completou a resposta em 3s" in done.stdout
    assert "1 pendente(s)" in done.stdout
    assert elapsed < bound
    assert 1 <= len(api.requests) <= 3


def test_sigterm_during_a_trickling_push_keeps_the_census(
    pg_url: URL, proxy: TcpProxy, tmp_path: Path, agents: list[Agent]
) -> None:
    """SIGTERM while the API trickles (default timeouts: the attempt alone could last 40 s): exit 0 within 10 s,
    and the census goes out, with its own id, on the next start."""
    api = HostileApi(TRICKLE_HEAD, TRICKLE_BODY, interval=2.0, trickle_head=True)
    try:
        env = env_for(pg_url, proxy, api.url, tmp_path, sleep=0, HOTELEITOS_SCHEDULE="1m")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: len(api.requests) >= 1, timeout=30)
        time.sleep(1)
        started = time.monotonic()
        assert agent.stop() == 0
        stopped = time.monotonic() - started
    finally:
        api.close()
    figure("SIGTERM during a trickling push (run)", stopped, 10)
    assert stopped < 10
    kept = next(e["snapshot_id"] for e in events(agent.stdout) if e["event"] == "snapshot_stored")
    with ScriptedReceiver() as receiver:
        done = run_cli("run", "--once", env={**env, "HOTELEITOS_API_URL": receiver.url}, cwd=tmp_path)
        assert done.returncode == 0, done.stdout
        assert kept in [r.headers["idempotency-key"] for r in receiver.accepted]


def test_release_and_outbox_do_not_wait_for_a_running_cycle(
    pg_url: URL, proxy: TcpProxy, tmp_path: Path, agents: list[Agent]
) -> None:
    """While the agent's cycle is pushing (slowly), `release` says a cycle is running and what happens next,
    within seconds; `outbox` lists at once."""
    api = HostileApi(TRICKLE_HEAD, TRICKLE_BODY, interval=2.0, trickle_head=True)
    try:
        env = env_for(pg_url, proxy, api.url, tmp_path, sleep=0, HOTELEITOS_SCHEDULE="1m")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: len(api.requests) >= 1, timeout=30)
        started = time.monotonic()
        released = run_cli("release", env=env, cwd=tmp_path, timeout=60)
        release_seconds = time.monotonic() - started
        started = time.monotonic()
        listing = run_cli("outbox", env=env, cwd=tmp_path, timeout=60)
        outbox_seconds = time.monotonic() - started
        assert agent.stop() == 0
    finally:
        api.close()
    figure("release during a running cycle", release_seconds, 3 + MARGIN)
    figure("outbox during a running cycle", outbox_seconds, MARGIN)
    assert release_seconds < 3 + MARGIN
    assert outbox_seconds < MARGIN
    assert released.returncode == 1
    assert "outro processo do conector está enviando desta mesma pasta" in released.stdout
    assert "pendente" in listing.stdout


def test_retry_after_zero_does_not_turn_into_a_flood(pg_url: URL, proxy: TcpProxy, tmp_path: Path) -> None:
    """503 with `Retry-After: 0` for a 6 s retry deadline: the exponential backoff holds (a handful of POSTs)."""
    with ScriptedReceiver([response_503_now() for _ in range(1000)]) as receiver:
        env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=0, HOTELEITOS_API_RETRY_DEADLINE="6")
        done = run_cli("run", "--once", env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    figure("POSTs in 6 s of 503 + Retry-After: 0", len(receiver.received), 4)
    assert 2 <= len(receiver.received) <= 4


def response_503_now():  # type: ignore[no-untyped-def]
    from tests.support.receivers import status

    return status(503, Retry_After="0")


def test_sigterm_exit_is_logged_as_json_only(pg_url: URL, proxy: TcpProxy, tmp_path: Path) -> None:
    """After a stop the stream is still JSON lines only (no traceback from a thread cut short)."""
    with ScriptedReceiver() as receiver:
        env = env_for(pg_url, proxy, receiver.url, tmp_path, sleep=3, HOTELEITOS_SCHEDULE="1m")
        process = start("run", env={**env, "HOTELEITOS_HEALTH_PORT": "0"}, cwd=tmp_path)
        assert wait_until(lambda: len(proxy.sockets) >= 2, timeout=30)
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert process.returncode == 0 and err == ""
    assert all(json.loads(line) for line in out.splitlines()), out
    assert any(e["event"] == "census_failed" and e["kind"] == "stopped" for e in events(out))


def test_wait4_reports_memory() -> None:
    """The helper the memory test relies on: os.wait4 gives a child's own peak memory."""
    process = subprocess.Popen([sys.executable, "-c", "x = bytearray(50 * 1024 * 1024)"])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert usage.ru_maxrss > 50 * 1024


def test_a_sqlite_read_is_interrupted_by_the_deadline_and_by_stop(tmp_path: Path) -> None:
    """A real SQLite query that would run for minutes: the watchdog interrupts it at the engine's bound; a set
    stop event interrupts it at once."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    watch(engine, 0.5)
    for reason in ("deadline", "stop"):
        stop = threading.Event()
        cancel_on(engine, stop)
        if reason == "stop":
            threading.Timer(0.2, stop.set).start()
        started = time.monotonic()
        with guarded(engine) as guard, engine.connect() as connection, pytest.raises(OperationalError, match="interr"):
            connection.exec_driver_sql(slow).all()
        assert guard is not None and guard.reason == reason
        assert time.monotonic() - started < 2
    engine.dispose()
