"""The image, built with podman on the local Debian base and run as hospitals run it: `--help`, then a container
that reads a real PostgreSQL MV replica and delivers to a receiver on the host, healthy from outside."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN
from tests.support import mv_replica, spdata_replica
from tests.support.cli import ROOT
from tests.support.processes import free_port
from tests.support.receivers import ScriptedReceiver, wait_until
from tests.support.services import unavailable

BASE = os.environ.get("HOTELEITOS_TEST_BASE_IMAGE", "localhost/hoteleitos-base:bookworm")
# One tag per test run: several checkouts on one machine may build at the same time.
IMAGE = f"localhost/hoteleitos-connector:test-{uuid.uuid4().hex[:8]}"


PODMAN_HINT = "sudo ./scripts/test (instala podman, runc e debootstrap e roda scripts/container-env.sh)"


def need_podman() -> None:
    """podman, runc and the local base image, or the test is unavailable (skipped, failed under CI) with the fix."""
    if shutil.which("podman") is None or shutil.which("runc") is None:
        unavailable(f"podman/runc ausentes: {PODMAN_HINT}")
    if podman("image", "exists", BASE, check=False).returncode != 0:
        unavailable(f"imagem base {BASE} ausente: sudo ./scripts/container-env.sh")
    if not _runs_containers():
        unavailable(
            f"o podman desta máquina não consegue rodar um container (podman run {BASE} true falhou); "
            "confira com sudo ./scripts/container-env.sh"
        )


@functools.cache
def _runs_containers() -> bool:
    """podman installed is not podman working (inside another container, without user namespaces...)."""
    return podman("run", "--rm", "--network", "host", BASE, "true", check=False, timeout=120).returncode == 0


def podman(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "--runtime", "runc", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
        env={**os.environ, "CONTAINERS_CONF": "/etc/containers/hoteleitos-ci.conf"},
    )


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    """The project's Dockerfile built on the local base (the same file builds on python:3.12-slim)."""
    need_podman()
    built = podman(
        "build",
        "--format",
        "docker",
        "--network",
        "host",
        "--build-arg",
        f"BASE_IMAGE={BASE}",
        "-t",
        IMAGE,
        str(ROOT),
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield IMAGE
    podman("rmi", "-f", IMAGE, check=False)


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def test_help_runs_in_the_image_as_a_non_root_user(image: str) -> None:
    """The entry point answers --help; the image runs as uid 10001 with a health check and a state volume."""
    done = podman("run", "--rm", "--network", "host", image, "--help")
    assert "hoteleitos-connector" in done.stdout and "demo" in done.stdout
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    assert inspected["Config"]["User"] == "hoteleitos"
    assert "/app/state" in inspected["Config"]["Volumes"]
    assert "healthz" in " ".join(inspected["Healthcheck"]["Test"])
    drivers = podman("run", "--rm", "--entrypoint", "python3", image, "-c", "import pyodbc; print(pyodbc.drivers())")
    assert "FreeTDS" in drivers.stdout


@pytest.fixture
def container(image: str, mv_url: URL, tmp_path: Path) -> Iterator[tuple[str, int, ScriptedReceiver, Path]]:
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    log_dir.chmod(0o777)  # the mounted folder must be writable by the image's uid 10001
    port = free_port()
    with ScriptedReceiver() as receiver:
        env = {
            "HOTELEITOS_API_URL": receiver.url,
            "HOTELEITOS_API_TOKEN": TOKEN,
            "HOTELEITOS_SOURCE_VENDOR": "mv",
            "HOTELEITOS_SOURCE_URL": mv_url.render_as_string(hide_password=False),
            "HOTELEITOS_SCHEDULE": "2s",
            "HOTELEITOS_HEALTH_PORT": str(port),
        }
        flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        started = podman("run", "-d", "--network", "host", "-v", f"{log_dir}:/app/log", *flags, image)
        name = started.stdout.strip()
        try:
            yield name, port, receiver, log_dir
        finally:
            podman("rm", "-f", name, check=False)


def test_container_delivers_and_is_healthy_from_outside(container: tuple[str, int, ScriptedReceiver, Path]) -> None:
    """The census arrives from inside the container; /healthz and /readyz answer 200 on the host; SIGTERM
    (podman stop) ends it with status 0; logs are JSON lines in the mounted folder, with no patient data."""
    name, port, receiver, log_dir = container

    def status(path: str) -> int | None:
        try:
            return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=3).status_code
        except httpx.TransportError:
            return None

    assert wait_until(lambda: len(receiver.accepted) >= 1, timeout=120), podman("logs", name, check=False).stdout
    assert receiver.accepted[0].json()["pacientes"] == mv_replica.EXPECTED
    assert wait_until(lambda: status("/healthz") == 200, timeout=30)
    assert wait_until(lambda: status("/readyz") == 200, timeout=30)
    started = time.monotonic()
    podman("stop", "-t", "20", name)
    assert time.monotonic() - started < 20
    state = json.loads(podman("inspect", name).stdout)[0]["State"]
    assert state["ExitCode"] == 0
    logs, errors = podman("logs", name).stdout, podman("logs", name).stderr
    assert not [line for line in errors.splitlines() if line.startswith("{")]  # events on stdout, for `grep`
    events = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(e["event"] == "snapshot_delivered" for e in events)
    written = "\n".join(p.read_text(encoding="utf-8") for p in log_dir.glob("hoteleitos-connector.log*"))
    assert '"event": "cycle_finished"' in written
    for secret in [*mv_replica.PATIENT_SECRETS, TOKEN]:
        assert secret not in logs and secret not in written


def test_a_stop_in_the_first_second_ends_the_agent(image: str, mv_url: URL) -> None:
    """The kernel ignores a signal that PID 1 has no handler for: without an init, a stop while the agent was still
    importing (before its SIGTERM handler) waited for the runtime's kill (status 137). With tini as PID 1 the stop
    reaches the agent at once, whenever it comes."""
    env = {
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": mv_url.render_as_string(hide_password=False),
    }
    flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
    for _attempt in range(3):
        name = podman("run", "-d", "--network", "host", *flags, image).stdout.strip()
        try:
            podman("stop", "-t", "15", name)  # at once: the agent is still starting
            state = json.loads(podman("inspect", name).stdout)[0]["State"]
            assert state["ExitCode"] != 137, podman("logs", name, check=False).stderr[-2000:]
        finally:
            podman("rm", "-f", name, check=False)
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    assert inspected["Config"]["Entrypoint"][0] == "/usr/bin/tini"


@pytest.fixture(scope="module")
def spdata_url(firebird_url: URL) -> URL:
    spdata_replica.build(firebird_url)
    return firebird_url


def test_image_reads_spdata_on_firebird(image: str, spdata_url: URL) -> None:
    """One image for every database: its Firebird client library (libfbclient2) reads SPDATA on the host's server."""
    env = {
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "spdata",
        "HOTELEITOS_SOURCE_URL": spdata_url.render_as_string(hide_password=False),
    }
    flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
    done = podman("run", "--rm", "--network", "host", *flags, image, "preview", "--json", "--show-names", check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert json.loads(done.stdout)["pacientes"] == spdata_replica.EXPECTED


def test_image_ships_queries_beside_its_packages(image: str, mv_url: URL) -> None:
    """The image carries queries/ beside the installed packages: `sql` in the container prints the session set-up
    and the MV census from there, with the schema the catalog shows."""
    env = {
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": mv_url.render_as_string(hide_password=False),
    }
    flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
    done = podman("run", "--rm", "--network", "host", *flags, image, "sql", check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Arquivos em /opt/hoteleitos/lib/" in done.stdout and "/site-packages/queries " in done.stdout
    assert "— queries/postgresql/session.sql\n" in done.stdout and "\nSET statement_timeout = 60000;\n" in done.stdout
    assert "FROM dbamv.ATENDIME a" in done.stdout.split("— queries/mv/census.sql")[1]
    assert TOKEN not in done.stdout
