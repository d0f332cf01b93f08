"""State and log folders shared with other programs: the connector keeps to a sub-folder of its own and never
changes the permissions of what is not its own; `config`, `check`, `preview` and `sql` change no permission at
all; an installation whose queue is already in a shared folder keeps it there. The connector runs as a real
subprocess against a real PostgreSQL and a real receiver on 127.0.0.1."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import connector_env
from tests.support import mv_replica
from tests.support.cli import events, run_cli
from tests.support.receivers import ScriptedReceiver, status

SUBFOLDER = "hoteleitos-connector"


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def shared_folder(path: Path, *others: str) -> Path:
    """A folder 0755 holding other programs' files, 0644."""
    path.mkdir()
    path.chmod(0o755)
    for name in others:
        (path / name).write_text("de outro programa\n", encoding="utf-8")
        (path / name).chmod(0o644)
    return path


def modes(folder: Path) -> dict[str, int]:
    """The mode of the folder and of everything under it, by relative path."""
    return {str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode) for path in [folder, *folder.rglob("*")]}


def test_commands_that_only_look_change_no_permission(mv_url: URL, tmp_path: Path) -> None:
    """`config`, `check`, `preview` and `sql` with the state and log folders pointed at folders other programs use
    (one of them an earlier installation's, its outbox left 0644): not one mode changes."""
    state = shared_folder(tmp_path / "estado", "outbox.sqlite3", "leia-me.txt")
    logs = shared_folder(tmp_path / "logs", "syslog")
    before = {"state": modes(state), "logs": modes(logs)}
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, state, HOTELEITOS_LOG_DIR=str(logs))
        for command in (("config",), ("check",), ("preview",), ("sql",)):
            done = run_cli(*command, env=env, cwd=tmp_path)
            assert "Traceback" not in done.stderr, done.stderr
            after = {"state": modes(state), "logs": modes(logs)}
            changed = {
                f"{where}/{name}": oct(mode)
                for where, found in after.items()
                for name, mode in found.items()
                if before[where].get(name, mode) != mode
            }
            assert changed == {}, f"{command[0]} changed {changed}"


def test_run_keeps_to_a_sub_folder_of_a_shared_folder(mv_url: URL, tmp_path: Path) -> None:
    """`run --once` with the state folder on a working folder and the logs on a folder of other services' logs:
    the connector's files go to a `hoteleitos-connector` sub-folder of each (0700, files 0600), said once; the
    folders and the others' files keep their modes; `config` shows where the files are."""
    state = shared_folder(tmp_path / "trabalho", "docker-compose.yml", ".env")
    logs = shared_folder(tmp_path / "logs", "syslog")
    with ScriptedReceiver() as receiver:
        env = connector_env(mv_url, receiver, state, HOTELEITOS_LOG_DIR=str(logs))
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
        shown = run_cli("config", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(receiver.accepted) == 1
    assert sorted(path.name for path in state.iterdir()) == [".env", "docker-compose.yml", SUBFOLDER]
    assert modes(state)["."] == 0o755 and modes(state)[".env"] == modes(state)["docker-compose.yml"] == 0o644
    assert modes(logs)["."] == 0o755 and modes(logs)["syslog"] == 0o644
    for own in (state / SUBFOLDER, logs / SUBFOLDER):
        found = modes(own)
        assert found.pop(".") == 0o700 and found and set(found.values()) == {0o600}, found
    assert (state / SUBFOLDER / "outbox.sqlite3").is_file()
    assert (logs / SUBFOLDER / "hoteleitos-connector.log").is_file()
    said = [e for e in events(done.stdout) if e["event"] == "own_subfolder"]
    assert {e["setting"] for e in said} == {"HOTELEITOS_STATE_DIR", "HOTELEITOS_LOG_DIR"}
    assert str(state / SUBFOLDER) in shown.stdout


def test_an_installation_keeps_its_queue_where_it_is(mv_url: URL, tmp_path: Path) -> None:
    """A state folder that already holds the queue (a census pending after a refused token), where someone then
    put a file of their own: the queue is not moved and goes out; the outbox is narrowed to 0600, the other file
    and the folder keep their modes."""
    state = tmp_path / "state"
    with ScriptedReceiver([status(401)]) as receiver:
        env = connector_env(mv_url, receiver, state)
        first = run_cli("run", "--once", env=env, cwd=tmp_path)
        assert first.returncode == 1 and not receiver.accepted, first.stdout + first.stderr
        state.chmod(0o755)
        (state / "outbox.sqlite3").chmod(0o644)
        (state / "anotacoes.txt").write_text("do operador\n", encoding="utf-8")
        (state / "anotacoes.txt").chmod(0o644)
        second = run_cli("run", "--once", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(receiver.accepted) == 2  # the census kept from the first run, then this run's
    assert not (state / SUBFOLDER).exists()
    found = modes(state)
    assert found["outbox.sqlite3"] == 0o600
    assert found["anotacoes.txt"] == 0o644 and found["."] == 0o755
