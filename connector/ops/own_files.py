"""What the connector writes is for its own user only: files 0600, folders 0700, whatever the umask.

The outbox holds whole censuses (names, birth dates, record numbers), its WAL and SHM files copies of them,
the logs the operator's context. A container's default umask (022) would leave all of it readable by any
local user. The process umask is narrowed before anything is written, and what earlier versions left
readable in the state and log folders is narrowed at start.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_umask() -> None:
    """Every file and folder this process creates from now on: 0600 / 0700 at most."""
    os.umask(PRIVATE_UMASK)


def tighten(folder: Path | None) -> None:
    """Narrow an existing folder to 0700 and the files directly in it to 0600 (what cannot be changed, such
    as a volume's root owned by someone else, is left as it is: the files inside still are narrowed)."""
    if folder is None or not folder.is_dir():
        return
    with contextlib.suppress(OSError):
        folder.chmod(stat.S_IMODE(folder.stat().st_mode) & 0o700)
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.is_file() and not entry.is_symlink():
                with contextlib.suppress(OSError):
                    entry.chmod(stat.S_IMODE(entry.stat().st_mode) & 0o600)
