"""Shared fixtures: fresh databases on the local servers, receivers on 127.0.0.1, the `hospital` and the `run`
processes a test starts. The helpers behind them are in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.support.disks import small_tmpfs
from tests.support.hospital import Hospital, make_hospital
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver
from tests.support.services import MARIADB_ADMIN_URL, PG_ADMIN_URL, fresh_database, fresh_firebird_database


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
    """A `custom` HIS on real PostgreSQL holding 25 patients, and a receiver: see tests/support/hospital.py."""

    return make_hospital(pg_url, receiver, tmp_path)


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    """`run` processes a test starts (see tests/support/processes.py), killed afterwards if still running."""
    started: list[Agent] = []
    yield started
    for agent in started:
        if agent.process.poll() is None:
            agent.process.kill()
            agent.process.communicate()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs for the state folder (see tests/support/disks.py)."""
    with small_tmpfs(tmp_path / "disco") as mount:
        yield mount


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
