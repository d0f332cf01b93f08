"""The health port is not a way in: a thousand idle connections, or a client that sends one byte at a time, do
not stop the census nor exhaust the agent's file descriptors; /readyz shows kinds of failure, never where."""

from __future__ import annotations

import contextlib
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import connector_env
from tests.support import mv_replica
from tests.support.cli import ROOT, events
from tests.support.processes import free_port
from tests.support.receivers import ScriptedReceiver, wait_until

FLOOD = 1000
NOFILE = 1024  # a container's usual limit: the audit's 1,000 idle connections exhausted it


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def health_env(env: dict[str, str], port: int) -> dict[str, str]:
    extra = {"HOTELEITOS_HEALTH_PORT": str(port), "HOTELEITOS_HEALTH_HOST": "127.0.0.1"}
    return {**env, **extra, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}


def limited_nofile() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


@contextlib.contextmanager
def running(
    mv_url: URL, tmp_path: Path, log: list[str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], int, ScriptedReceiver]]:
    """`run` with cycles every second and its file descriptors limited as in a container; its log into `log`."""
    with ScriptedReceiver() as receiver:
        port = free_port()
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="1s")
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env=health_env(env, port),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limited_nofile,  # noqa: PLW1509 - no threads in the test process touch it
        )
        try:
            assert wait_until(lambda: len(receiver.accepted) >= 1, timeout=30)
            yield process, port, receiver
        finally:
            process.terminate()
            _, err = process.communicate(timeout=30)
            if log is not None:
                log.append(err)


@pytest.fixture
def agent(mv_url: URL, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, ScriptedReceiver]]:
    with running(mv_url, tmp_path) as started:
        yield started


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def healthz(port: int) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3).status_code
    except httpx.HTTPError:
        return None


def test_a_thousand_idle_connections_do_not_stop_the_census(
    agent: tuple[subprocess.Popen[str], int, ScriptedReceiver],
) -> None:
    """1,000 idle connections held for 10 s: the census keeps going, the agent's descriptors stay few, its CPU
    low, and /healthz answers again within seconds."""
    process, port, receiver = agent
    sockets = []
    try:
        for _ in range(FLOOD):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        before, cpu_before = len(receiver.accepted), cpu_seconds(process.pid)
        descriptors = []
        for _ in range(10):
            time.sleep(1)
            descriptors.append(len(list(Path(f"/proc/{process.pid}/fd").iterdir())))
        delivered = len(receiver.accepted) - before
        cpu = (cpu_seconds(process.pid) - cpu_before) / 10
        answered = wait_until(lambda: healthz(port) == 200, timeout=10)
    finally:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
    print(f"\nFIGURE under {FLOOD} idle health connections: {delivered} censuses in 10 s, at most "
          f"{max(descriptors)} descriptors, {cpu:.0%} CPU")  # fmt: skip
    assert process.poll() is None
    assert delivered >= 5
    assert max(descriptors) < 100
    assert cpu < 0.5
    assert answered


def test_a_client_trickling_its_request_is_cut(agent: tuple[subprocess.Popen[str], int, ScriptedReceiver]) -> None:
    """A request sent one byte a second never completes: the connection is closed within a few seconds."""
    _, port, _ = agent
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        closed = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(1)
            with contextlib.suppress(TimeoutError):
                if sock.recv(1) == b"":
                    closed = True
                    break
        assert closed
        assert time.monotonic() - started < 10


def test_readyz_names_kinds_of_failure_never_hosts_users_or_urls(mv_url: URL, tmp_path: Path) -> None:
    """A database that cannot be reached and an API that answers 503: /readyz says so by kind; the host, the
    user and the URLs are only in the logs."""
    port = free_port()
    with ScriptedReceiver() as receiver:
        receiver.add(*[_status_503() for _ in range(1000)])
        unreachable = mv_url.set(host="127.0.0.1", port=free_port(), username="leitor_secreto")
        env = connector_env(unreachable, receiver, tmp_path / "state", HOTELEITOS_SCHEDULE="1s",
                            HOTELEITOS_API_RETRY_DEADLINE="0.5")  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env=health_env(env, port),
            cwd=tmp_path,
            stdout=subprocess.PIPE,  # `run` logs to stdout
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert wait_until(lambda: _readyz(port) is not None and "leitura" in _readyz(port), timeout=30)
            body = _readyz(port) or ""
        finally:
            process.terminate()
            out, _ = process.communicate(timeout=30)
    assert "leitura: unreachable" in body
    for secret in ("leitor_secreto", "127.0.0.1", receiver.url, "postgresql"):
        assert secret not in body, secret
    assert any(e["event"] == "census_failed" for e in events(out))


def _readyz(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3).text
    except httpx.HTTPError:
        return None


def _status_503():  # type: ignore[no-untyped-def]
    from tests.support.receivers import status

    return status(503)


class Flood:
    """A sustained flood of the health port from many threads, until stopped: idle connections reopened as soon as
    the server cuts them, clients hammering /metrics and the status page, and clients that reset their connection
    (RST) right after sending a request."""

    def __init__(self, port: int, idle: int = 60, busy: int = 4, resetting: int = 2) -> None:
        self.port = port
        self.stopping = threading.Event()
        kinds = [self._idle] * idle + [self._busy] * busy + [self._resetting] * resetting
        self.threads = [threading.Thread(target=kind, daemon=True) for kind in kinds]

    def __enter__(self) -> Flood:
        for thread in self.threads:
            thread.start()
        time.sleep(2)  # the flood is in full swing before anyone probes
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)

    def _connect(self) -> socket.socket | None:
        try:
            return socket.create_connection(("127.0.0.1", self.port), timeout=2)
        except OSError:
            return None

    def _idle(self) -> None:
        while not self.stopping.is_set():
            sock = self._connect()
            if sock is None:
                continue
            with sock:
                sock.settimeout(0.5)
                while not self.stopping.is_set():
                    try:
                        if sock.recv(1) == b"":
                            break
                    except TimeoutError:
                        continue
                    except OSError:
                        break

    def _busy(self) -> None:
        paths = ["/metrics", "/", "/nao-existe"]
        with httpx.Client(timeout=2) as client:
            while not self.stopping.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    client.get(f"http://127.0.0.1:{self.port}{paths[0]}")
                paths.append(paths.pop(0))

    def _resetting(self) -> None:
        while not self.stopping.is_set():
            sock = self._connect()
            if sock is None:
                continue
            with contextlib.suppress(OSError), sock:
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            time.sleep(0.01)


def probe(port: int, path: str) -> int | None:
    """One probe as the shipped ones make it (Kubernetes and the image's HEALTHCHECK wait 5 s)."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code
    except httpx.HTTPError:
        return None


def test_probes_are_answered_through_a_sustained_flood_without_tracebacks(mv_url: URL, tmp_path: Path) -> None:
    """Through a sustained flood (idle connections reopened at once, clients hammering /metrics and /, clients
    that reset): 20 of 20 probes (/healthz, /readyz) are answered, the census keeps going, the status page works
    again after it, and a reset connection leaves no traceback in the log."""
    log: list[str] = []
    with running(mv_url, tmp_path, log) as (process, port, receiver):
        with Flood(port):
            before, cpu_before, started = len(receiver.accepted), cpu_seconds(process.pid), time.monotonic()
            answers = []
            for i in range(20):
                answers.append(probe(port, "/healthz" if i % 2 == 0 else "/readyz"))
                time.sleep(0.25)
            delivered = len(receiver.accepted) - before
            cpu = (cpu_seconds(process.pid) - cpu_before) / (time.monotonic() - started)
        page = wait_until(lambda: probe(port, "/") == 200, timeout=10)
    answered = sum(answer is not None for answer in answers)
    print(f"\nFIGURE under a sustained flood: {answered} of 20 probes answered, {delivered} censuses delivered, "
          f"{cpu:.0%} CPU")  # fmt: skip
    assert answered == 20, answers
    assert set(answers[::2]) == {200} and set(answers[1::2]) <= {200, 503}
    assert delivered >= 1 and page
    assert "Traceback" not in log[0] and "Exception occurred" not in log[0], log[0][-3000:]


def test_a_client_that_resets_its_connection_leaves_no_traceback(mv_url: URL, tmp_path: Path) -> None:
    """Clients that send a request and reset the connection (RST) before the answer, on every path: the JSON log
    gets no Python traceback, and the port keeps answering."""
    log: list[str] = []
    with running(mv_url, tmp_path, log) as (_, port, _receiver):
        for path in ("/metrics", "/", "/healthz", "/readyz") * 5:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(1)
        assert probe(port, "/healthz") == 200
    assert "Traceback" not in log[0] and "Exception occurred" not in log[0], log[0][-3000:]
    assert all(line.startswith("{") for line in log[0].splitlines() if line.strip()), log[0][-3000:]
