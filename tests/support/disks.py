"""Real disk faults for the tests: a small tmpfs that fills up, remounted read-only when asked (root only)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.services import unavailable


@contextmanager
def small_tmpfs(mount: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs at `mount`, unmounted afterwards."""
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        unavailable(
            f"não foi possível montar um tmpfs pequeno ({done.stderr.decode(errors='replace').strip()}): o teste "
            "precisa de root (sudo ./scripts/test)"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk under `folder` to the last byte."""
    filler = folder / "enche"
    with open(filler, "wb", buffering=0) as handle:
        for size in (65536, 4096, 1):  # big blocks, then the last few bytes
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                continue
    return filler


def read_only(mount: Path) -> None:
    """Remount `mount` read-only, as a volume whose disk went read-only after an error."""
    done = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True, check=False)
    if done.returncode != 0:
        unavailable(
            f"não foi possível remontar só para leitura ({done.stderr.decode(errors='replace').strip()}): o teste "
            "precisa de root (sudo ./scripts/test)"
        )
