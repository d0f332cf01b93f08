"""One agent per state folder: `run` holds an OS lock (flock) on `agent.lock` in the state folder for as long as it
runs, with its PID and host written in the file. Two agents on one folder would both read the HIS and both push
the same census; the second one waits a few seconds (for one that is stopping) and then refuses to start, naming
the holder. Commands that only read the outbox, or change it through the guard's one writer (`outbox`,
`release`, `check`), take no such lock: they work beside a running agent.

The kernel drops the lock when the process ends, however it ends (`kill -9` included): a stale file holds nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import IO

from connector.errors import ConfigError

FILE = "agent.lock"
WAIT = 5.0  # seconds a second agent waits for the holder to stop before refusing to start
STEP = 0.1


class StateLock:
    """The state folder's lock, held from `acquire` until `release` (or the end of the process)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILE
        self._handle: IO[bytes] | None = None

    def acquire(self, wait: float = WAIT) -> None:
        """Take the lock, waiting up to `wait` seconds; `ConfigError` naming the holder when another agent keeps
        it. A state disk that takes no write is no reason to refuse: the lock is then taken on a read-only file,
        or skipped when there is none."""
        handle = self._open()
        if handle is None:
            return
        until = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= until:
                    holder = _holder(self.path)
                    handle.close()
                    raise ConfigError([_busy_message(self.path.parent, holder)]) from None
                time.sleep(STEP)
        self._handle = handle
        with contextlib.suppress(OSError):  # a read-only disk: the lock holds, the holder's name is not written
            handle.truncate(0)
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode())
            handle.flush()

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _open(self) -> IO[bytes] | None:
        with contextlib.suppress(OSError):  # a folder that cannot be made is told by the outbox
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        except OSError:
            pass
        try:
            return open(self.path, "rb")
        except OSError:
            return None


def _holder(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _busy_message(folder: Path, holder: dict[str, object]) -> str:
    who = f"PID {holder.get('pid', '?')} na máquina {holder.get('host', '?')}"
    return (
        f"HOTELEITOS_STATE_DIR (state_dir): a pasta {folder} já está em uso por outro conector ({who}); dois "
        "conectores na mesma pasta leriam o banco e enviariam o censo em dobro. Pare o outro conector ou dê a este "
        "outra pasta de estado (`outbox`, `release` e `check` funcionam ao lado do conector em execução)."
    )
