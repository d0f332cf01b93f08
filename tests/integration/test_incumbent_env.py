"""The incumbent integrator's `.env`, unchanged, drives `run --once` to a real receiver on each local database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.support import custom_replica, mv_replica, services, wareline_replica
from tests.support.cli import run_cli
from tests.support.receivers import ScriptedReceiver

PASSWORD = "S3nh@:com/%sinais"


def write_env(folder: Path, values: dict[str, str]) -> None:
    """An .env as the incumbent's installs have them: KEY=value, unquoted, spaces allowed."""
    lines = ["# integrador HOTELEITOS", *(f"{key}={value}" for key, value in values.items())]
    (folder / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")


def incumbent(url: URL, dialect: str, integration: str, receiver: ScriptedReceiver, **extra: str) -> dict[str, str]:
    return {
        "DB_DIALECT": dialect,
        "DB_HOST": str(url.host),
        "DB_PORT": str(url.port),
        "DB_NAME": str(url.database),
        "DB_USER": str(url.username),
        "DB_PASS": url.password or "",
        "API_URL": receiver.url,
        "API_TOKEN": "token-do-hospital",
        "ENABLED_INTEGRATIONS": integration,
        "CRON_TIME": "*/30 * * * * *",
        **extra,
    }


def deliver(folder: Path, values: dict[str, str], receiver: ScriptedReceiver) -> list[dict[str, object]]:
    write_env(folder, values)
    done = run_cli("run", "--once", env={"HOTELEITOS_STATE_DIR": str(folder / "state")}, cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(receiver.accepted) == 1
    assert receiver.accepted[0].headers["authorization"] == "Bearer token-do-hospital"
    patients = receiver.accepted[0].json()["pacientes"]
    assert isinstance(patients, list)
    return patients


@pytest.fixture(scope="module")
def mariadb_user(mariadb_url: URL) -> Iterator[URL]:
    """A read-only MariaDB user whose password has @ : / %."""
    custom_replica.build(mariadb_url)
    with services.mariadb_user(mariadb_url, PASSWORD, "*") as url:
        yield url


def test_postgres_mv(pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """DB_DIALECT=postgres with mv_mapa and DB_SCHEMA: the MV census."""
    mv_replica.build(pg_url)
    values = incumbent(pg_url.set(password=PASSWORD), "postgres", "mv_mapa", receiver, DB_SCHEMA="dbamv")
    assert deliver(tmp_path, values, receiver) == mv_replica.EXPECTED


def test_native_postgres_wareline(pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """DB_DIALECT=native_postgres with wareline_mapa: the Wareline census."""
    wareline_replica.build(pg_url)
    values = incumbent(pg_url.set(password=PASSWORD), "native_postgres", "wareline_mapa", receiver)
    assert deliver(tmp_path, values, receiver) == wareline_replica.EXPECTED


@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_mariadb_and_mysql_sigho(mariadb_user: URL, receiver: ScriptedReceiver, tmp_path: Path, dialect: str) -> None:
    """DB_DIALECT=mariadb|mysql with sigho_mapa and the hospital's SQL file; a password full of URL characters."""
    query = custom_replica.query_file(tmp_path)
    values = incumbent(mariadb_user, dialect, "sigho_mapa", receiver, HOTELEITOS_SOURCE_QUERY_FILE=str(query))
    assert deliver(tmp_path, values, receiver) == custom_replica.EXPECTED


def test_sqlite_mv(receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """DB_DIALECT=sqlite: DB_NAME is the file; MV tables without a schema prefix."""
    database = tmp_path / "his.sqlite3"
    mv_replica.build(URL.create("sqlite", database=str(database)), schema="")
    values = {
        "DB_DIALECT": "sqlite",
        "DB_NAME": str(database),
        "API_URL": receiver.url,
        "API_TOKEN": "token-do-hospital",
        "ENABLED_INTEGRATIONS": "mv_mapa",
        "CRON_TIME": "*/30 * * * * *",
    }
    assert deliver(tmp_path, values, receiver) == mv_replica.EXPECTED
