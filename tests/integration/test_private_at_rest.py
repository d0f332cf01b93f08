"""Secrets and patient data at rest: files 0600 and folders 0700 whatever the umask, no token in a stored
answer, no `?password=` in any output, a full log disk that never spills tracebacks into the JSON stream.
The connector runs as a real subprocess against a real PostgreSQL and a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN, connector_env
from tests.support import mv_replica
from tests.support.cli import ROOT, events, run_cli
from tests.support.receivers import ScriptedReceiver, status, wait_until


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def open_to_others(*folders: Path) -> list[str]:
    """Every file or folder under `folders` that anyone but its owner may read, write or enter."""
    found = []
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                found.append(f"{path} {oct(stat.S_IMODE(path.stat().st_mode))}")
    return found


def permissive(env: dict[str, str], *args: str, cwd: Path) -> subprocess.Popen[str]:
    """The CLI started under umask 000 (the worst a host could give it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "connector", *args],
        env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.umask(0),  # noqa: PLW1509 - the test process starts no thread that forks
    )


def test_outbox_wal_lock_and_logs_are_private_whatever_the_umask(mv_url: URL, tmp_path: Path) -> None:
    """Under umask 000, while `run` is running (its WAL and SHM exist) and after: files 0600, folders 0700; and
    what an earlier version left 0644/0755 is narrowed at start."""
    state, logs = tmp_path / "state", tmp_path / "log"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    (state / "outbox.sqlite3").touch(mode=0o644)  # an empty SQLite file, as an old version could leave it
    (state / "outbox.sqlite3").chmod(0o644)
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, state, HOTELEITOS_LOG_DIR=str(logs), HOTELEITOS_SCHEDULE="1s")
        process = permissive({**env, "HOTELEITOS_HEALTH_PORT": "0"}, "run", cwd=tmp_path)
        try:
            assert wait_until(lambda: len(receiver.accepted) >= 2, timeout=30)
            names = {path.name for path in state.iterdir()}
            running = open_to_others(state, logs)
        finally:
            process.terminate()
            process.communicate(timeout=30)
        once = permissive(env, "run", "--once", cwd=tmp_path)
        once.communicate(timeout=60)
    assert {"outbox.sqlite3", "outbox.sqlite3-wal", "outbox.sqlite3-shm", "delivery.lock"} <= names
    assert any(path.name.startswith("hoteleitos-connector.log") for path in logs.iterdir())
    print(f"\nFIGURE world-readable files while running and after, under umask 000: {len(running)}, "
          f"{len(open_to_others(state, logs))}")  # fmt: skip
    assert running == []
    assert open_to_others(state, logs) == []


def test_no_token_and_no_query_password_anywhere(mv_url: URL, tmp_path: Path) -> None:
    """A database URL with `?password=`, an API answer that echoes the Authorization header: neither secret in
    stdout, stderr, the log files, `outbox show`, `config`, `check`, `preview`, nor the outbox file itself."""
    secret = "senha-na-query-5b9e"
    url = mv_url.update_query_dict({"password": secret})
    echo = json.dumps({"erro": "cabeçalhos recebidos", "authorization": f"Bearer {TOKEN}"}).encode()
    logs, state = tmp_path / "log", tmp_path / "state"
    outputs: list[str] = []
    with ScriptedReceiver([status(400, body=echo)]) as receiver:
        env = connector_env(url, receiver, state, HOTELEITOS_LOG_DIR=str(logs))
        for command in (("config",), ("check",), ("preview",), ("run", "--once"), ("outbox",)):
            done = run_cli(*command, env=env, cwd=tmp_path)
            outputs += [done.stdout, done.stderr]
        dead = next(e["snapshot_id"] for e in events(outputs[6]) if e["event"] == "snapshot_rejected")  # run --once
        shown = run_cli("outbox", "show", dead, env=env, cwd=tmp_path)
        outputs += [shown.stdout, shown.stderr]
    assert "Bearer ***" in shown.stdout
    assert "password=***" in outputs[0]
    outputs += [path.read_text(encoding="utf-8") for path in logs.iterdir()]
    stored = b"".join(path.read_bytes() for path in state.iterdir() if path.is_file())
    everything = "\n".join(outputs)
    found = [s for s in (TOKEN, secret) if s in everything or s.encode() in stored]
    print(f"\nFIGURE secrets found in outputs, logs and the outbox file: {len(found)}")
    assert found == []


def test_a_full_log_disk_never_prints_logging_tracebacks(mv_url: URL, tmp_path: Path) -> None:
    """The log file on a full disk (/dev/full answers ENOSPC to every write): no traceback, nothing on stderr, the
    failure is said once, and the census is delivered."""
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "hoteleitos-connector.log").symlink_to("/dev/full")
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, tmp_path / "state", HOTELEITOS_LOG_DIR=str(logs))
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "" and "Logging error" not in done.stdout and "Traceback" not in done.stdout
    assert not [line for line in done.stdout.splitlines() if line.startswith((" ", "\t"))], done.stdout
    failures = [e for e in events(done.stdout) if e["event"] == "log_file_failed"]
    assert len(failures) == 1 and failures[0]["reason"] == "No space left on device"
    assert len(receiver.accepted) == 1
