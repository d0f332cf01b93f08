"""Where the connector keeps its files, given a folder that may be shared, and what it narrows: its own files
only, and the folder only when nothing else is in it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from connector.ops.own_files import SUBFOLDER, is_own, own_folder, tighten


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folder_with(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "pasta"
    folder.mkdir()
    for name in names:
        if name.endswith("/"):
            (folder / name).mkdir()
        else:
            (folder / name).write_text("x", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("names", "sub"),
    [
        ((), False),  # empty: the connector's own
        (("outbox.sqlite3", "outbox.sqlite3-wal", "delivery.lock"), False),
        (("lost+found/",), False),  # a fresh volume
        (("outbox.sqlite3", "docker-compose.yml"), False),  # an installation that already keeps its queue here
        (("hoteleitos-connector.log.3", "syslog"), False),
        (("docker-compose.yml", ".env"), True),  # a working folder: the connector's files go in a sub-folder
        (("syslog", "nginx/"), True),
        (("docker-compose.yml", f"{SUBFOLDER}/"), True),
        (("outbox.sqlite3", f"{SUBFOLDER}/"), True),  # the sub-folder, once there, is used
    ],
)
def test_the_folder_the_connector_keeps_its_files_in(tmp_path: Path, names: tuple[str, ...], sub: bool) -> None:
    """Absent, empty, or already holding a file of the connector: that folder; holding only others': a sub-folder."""
    folder = folder_with(tmp_path, *names)
    assert own_folder(folder) == (folder / SUBFOLDER if sub else folder)


def test_an_absent_folder_is_the_connector_s_to_create(tmp_path: Path) -> None:
    """A folder that does not exist yet is created by the connector, as its own; nothing is created here."""
    assert own_folder(tmp_path / "nova") == tmp_path / "nova"
    assert not (tmp_path / "nova").exists()
    assert own_folder(None) is None


def test_a_shared_folder_keeps_its_permissions_and_others_files_theirs(tmp_path: Path) -> None:
    """A folder holding another program's files: the connector's files narrowed to 0600, the others' and the
    folder's modes untouched."""
    folder = folder_with(tmp_path, "outbox.sqlite3", "hoteleitos-connector.log.1", "docker-compose.yml")
    for path in [folder, *folder.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    tighten(folder)
    assert mode(folder) == 0o755
    assert mode(folder / "docker-compose.yml") == 0o644
    assert mode(folder / "outbox.sqlite3") == mode(folder / "hoteleitos-connector.log.1") == 0o600


def test_a_folder_of_the_connector_alone_is_narrowed(tmp_path: Path) -> None:
    """Only the connector's files (and a volume's lost+found): the folder 0700 too."""
    folder = folder_with(tmp_path, "outbox.sqlite3", "status-history.json", "lost+found/")
    for path in [folder, *folder.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    tighten(folder)
    assert mode(folder) == 0o700 and mode(folder / "outbox.sqlite3") == 0o600
    assert mode(folder / "lost+found") == 0o755


def test_the_connector_s_names() -> None:
    """The outbox and its journal and damaged copies, locks, history, pause, logs and rotations; nothing else."""
    own = ["outbox.sqlite3-shm", "outbox.sqlite3.corrompido-20250101", "agent.lock", "login-pause.json.tmp"]
    assert all(is_own(name) for name in [*own, "hoteleitos-connector.log.10", "status-history.json.tmp"])
    assert not any(is_own(name) for name in ["outbox.db", "connector.log", ".env", "config.yaml", "state"])
