"""Shared fixtures: fresh databases on the local servers, receivers on 127.0.0.1, the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import URL

from tests.receivers import ScriptedReceiver
from tests.services import MARIADB_ADMIN_URL, PG_ADMIN_URL, fresh_database, fresh_firebird_database

if TYPE_CHECKING:
    from tests.hospital import Hospital
    from tests.processes import Agent

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[URL]:
    """A fresh PostgreSQL database for this test session."""
    with fresh_database(PG_ADMIN_URL, "pg") as url:
        yield url


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[URL]:
    """A fresh MariaDB database for this test session."""
    with fresh_database(MARIADB_ADMIN_URL, "mariadb") as url:
        yield url


@pytest.fixture(scope="session")
def firebird_url() -> Iterator[URL]:
    """A fresh Firebird database (SYSDBA) for this test session."""
    with fresh_firebird_database("fb") as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[ScriptedReceiver]:
    with ScriptedReceiver() as server:
        yield server


@pytest.fixture
def hospital(pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> Hospital:
    """A `custom` HIS on real PostgreSQL holding 25 patients, and a receiver: see tests/hospital.py."""
    from tests.hospital import make_hospital  # it uses run_cli, defined below

    return make_hospital(pg_url, receiver, tmp_path)


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    """`run` processes a test starts (see tests/processes.py), killed afterwards if still running."""
    started: list[Agent] = []
    yield started
    for agent in started:
        if agent.process.poll() is None:
            agent.process.kill()
            agent.process.communicate()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No HOTELEITOS_* nor incumbent variables from the machine; the working directory is empty."""
    for name in list(os.environ):
        if name.startswith("HOTELEITOS_") or name in INCUMBENT_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


INCUMBENT_VARIABLES = (
    "API_URL",
    "API_TOKEN",
    "DB_DIALECT",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASS",
    "DB_SCHEMA",
    "ENABLED_INTEGRATIONS",
    "CRON_TIME",
)


def run_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`hoteleitos-connector ARGS` in a subprocess with exactly `env` (plus PATH and the Python home)."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        env={**base, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def events(output: str) -> list[dict[str, object]]:
    """The JSON log events in a captured output (`run` logs to stdout, the other commands to stderr)."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found
