"""What the connector writes is for its own user only: files 0600, folders 0700, whatever the umask; and it
touches nothing else.

The outbox holds whole censuses (names, birth dates, record numbers), its WAL and SHM files copies of them,
the logs the operator's context. A container's default umask (022) would leave all of it readable by any
local user. The process umask is narrowed before anything is written, and what earlier versions left
readable is narrowed when `run`, `release` or `outbox` start (`config`, `check`, `preview` and `sql` change no
permission).

The state and log folders may be shared with other programs (`HOTELEITOS_STATE_DIR=/var/lib`, a log folder with
other services' logs, a working folder holding the compose file). The connector decides where its files go
(`own_folder`):

- a folder that does not exist yet, is empty, or already holds a file of the connector is its own: used as it is
  (an existing installation keeps its queue where it is);
- any other folder (it holds only other programs' files) gets a sub-folder `hoteleitos-connector`, created 0700,
  and the connector's files go there; once that sub-folder exists it is used, whatever else the folder holds.

Only the connector's files (`OWN`) are narrowed; the folder itself only when it holds nothing else.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
SUBFOLDER = "hoteleitos-connector"
# The names the connector writes in its folders (the outbox with its journal files and the damaged copies kept
# aside, the locks, the status page's history, the login pause, `check`'s write test, the logs and their rotations).
OWN = ("outbox.sqlite3", "delivery.lock", "agent.lock", "status-history.json", "login-pause.json", ".write-test",
       "hoteleitos-connector.log")  # fmt: skip
NEUTRAL = frozenset({"lost+found"})  # a file system's own folder at the root of a fresh volume


def private_umask() -> None:
    """Every file and folder this process creates from now on: 0600 / 0700 at most."""
    os.umask(PRIVATE_UMASK)


def is_own(name: str) -> bool:
    """Whether a file of this name is one the connector writes."""
    return name.startswith(OWN)


def _names(folder: Path) -> list[str] | None:
    """The names in `folder` but a volume's `lost+found` (None when it cannot be listed: absent, not a folder)."""
    try:
        return [name for name in os.listdir(folder) if name not in NEUTRAL]
    except OSError:
        return None


def own_folder(given: Path | None) -> Path | None:
    """Where the connector keeps its files when `given` is the folder configured (nothing is created here)."""
    if given is None:
        return None
    if (given / SUBFOLDER).is_dir():
        return given / SUBFOLDER
    names = _names(given)
    if not names or any(is_own(name) for name in names):
        return given
    return given / SUBFOLDER


def tighten(folder: Path | None) -> None:
    """Narrow the connector's own files directly in `folder` to 0600, and the folder to 0700 when it holds nothing
    but them (what cannot be changed, such as a volume's root owned by someone else, is left as it is)."""
    names = None if folder is None else _names(folder)
    if folder is None or names is None:
        return
    if all(is_own(name) for name in names):
        with contextlib.suppress(OSError):
            folder.chmod(stat.S_IMODE(folder.stat().st_mode) & 0o700)
    for name in filter(is_own, names):
        entry = folder / name
        with contextlib.suppress(OSError):
            if entry.is_file() and not entry.is_symlink():
                entry.chmod(stat.S_IMODE(entry.stat().st_mode) & 0o600)
