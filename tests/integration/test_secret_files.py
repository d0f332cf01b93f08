"""Secrets in files (`*_FILE`, as a Kubernetes Secret is mounted) read again by a running agent when they change,
and the signals an operator or an orchestrator may send: `run` as a real process, a real PostgreSQL census and a
real receiver on 127.0.0.1 that accepts one token only."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.support.cli import events
from tests.support.hospital import Hospital
from tests.support.processes import Agent
from tests.support.receivers import wait_until

OLD, NEW = "token-antigo-111", "token-novo-22222"  # one length: rewritten in place, the size stays


def mount_secret(folder: Path, name: str, value: str) -> Path:
    """A secret laid out as the kubelet does: `<name>` -> `..data/<name>`, `..data` -> a timestamped folder."""
    folder.mkdir(exist_ok=True)
    version = folder / f"..{uuid.uuid4().hex[:8]}"
    version.mkdir()
    (version / name).write_text(value + "\n", encoding="utf-8")
    link = folder / "..data_tmp"
    link.symlink_to(version.name)
    link.replace(folder / "..data")  # the atomic swap the kubelet makes on an update
    if not (folder / name).is_symlink():
        (folder / name).symlink_to(f"..data/{name}")
    return folder / name


def refused(agent: Agent) -> bool:
    """Whether /readyz says the API refused the token."""
    answer = agent.get("/readyz")
    return answer is not None and "HTTP 401" in answer.text


def test_a_rotated_token_file_ends_the_401_pause_without_a_restart(hospital: Hospital, agents: list[Agent]) -> None:
    """The agent starts with a token the API refuses (401, delivery paused for 5 minutes); the Secret is updated:
    within seconds the new token is read, used, the queued censuses are delivered; no token is ever logged."""
    hospital.receiver.token = NEW
    token_file = mount_secret(hospital.folder / "segredo", "token", OLD)
    env = hospital.env(HOTELEITOS_SCHEDULE="1s", HOTELEITOS_API_TOKEN_FILE=str(token_file))
    del env["HOTELEITOS_API_TOKEN"]
    agent = Agent(env, hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: refused(agent), timeout=20)
    mount_secret(hospital.folder / "segredo", "token", NEW)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 2, timeout=15), "o token novo não foi lido"
    assert agent.stop() == 0
    logged = events(agent.stdout)
    assert any(e["event"] == "secrets_reread" and e["settings"] == ["HOTELEITOS_API_TOKEN_FILE"] for e in logged)
    assert OLD not in agent.stdout + agent.stderr and NEW not in agent.stdout + agent.stderr


@pytest.fixture
def pg_users(pg_url: URL) -> Iterator[tuple[URL, URL]]:
    """Two login roles that read the census (the test server trusts local logins: a rotation is seen through the
    role, so the old one is then refused by NOLOGIN); dropped afterwards."""
    roles = [f"leitor_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        for role in roles:
            db.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'senha-{role}'"))
            db.execute(text(f"GRANT SELECT ON censo_teste TO {role}"))
    try:
        yield tuple(pg_url.set(username=r, password=f"senha-{r}", host="127.0.0.1") for r in roles)  # type: ignore[misc]
    finally:
        with admin.connect() as db:
            for role in roles:
                db.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"))
                db.execute(text(f"REVOKE ALL ON censo_teste FROM {role}"))
                db.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def test_rotated_database_credentials_in_the_url_file_are_used_by_the_next_read(
    hospital: Hospital, pg_users: tuple[URL, URL], agents: list[Agent]
) -> None:
    """The DBA rotates the reading account (a new user and password in HOTELEITOS_SOURCE_URL_FILE, the old one
    refused, its sessions ended): the agent drops its connections and reopens them with the new credentials; the
    census keeps flowing, and neither password is logged."""
    old, new = pg_users
    url_file = mount_secret(hospital.folder / "banco", "url", old.render_as_string(hide_password=False))
    env = hospital.env(HOTELEITOS_SCHEDULE="1s", HOTELEITOS_SOURCE_URL_FILE=str(url_file))
    del env["HOTELEITOS_SOURCE_URL"]
    agent = Agent(env, hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 1, timeout=20)
    admin = create_engine(hospital.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        mount_secret(hospital.folder / "banco", "url", new.render_as_string(hide_password=False))
        db.execute(text(f"ALTER ROLE {old.username} NOLOGIN"))
        db.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{old.username}'"))
    admin.dispose()
    before = len(hospital.receiver.accepted)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= before + 3, timeout=20), "a URL nova não foi lida"
    assert agent.stop() == 0
    assert str(old.password) not in agent.stdout + agent.stderr and str(new.password) not in agent.stdout + agent.stderr


def test_hup_rereads_the_secret_files_and_usr1_is_ignored(hospital: Hospital, agents: list[Agent]) -> None:
    """SIGHUP reads the token file again even when nothing about the file shows a change (same inode, size and
    time); SIGUSR1 and SIGUSR2 are logged and ignored: the agent never dies without a line."""
    hospital.receiver.token = NEW
    token_file = hospital.folder / "token"
    token_file.write_text(OLD, encoding="utf-8")
    env = hospital.env(HOTELEITOS_SCHEDULE="1s", HOTELEITOS_API_TOKEN_FILE=str(token_file))
    del env["HOTELEITOS_API_TOKEN"]
    agent = Agent(env, hospital.folder)
    agents.append(agent)
    assert wait_until(lambda: refused(agent), timeout=20)
    stamp = token_file.stat()
    with open(token_file, "r+b") as handle:  # the same file, rewritten in place, its time put back
        handle.write(NEW.encode())
    os.utime(token_file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
        agent.process.send_signal(sig)
    assert wait_until(lambda: len(hospital.receiver.accepted) >= 1, timeout=15), agent.process.poll()
    assert agent.process.poll() is None
    assert agent.stop() == 0
    logged = events(agent.stdout)
    ignored = {e["signal"] for e in logged if e["event"] == "signal_ignored"}
    assert ignored == {"SIGUSR1", "SIGUSR2"}
    assert any(e["event"] == "reread_requested" for e in logged)
    assert any(e["event"] == "secrets_reread" for e in logged)
