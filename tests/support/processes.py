"""`hoteleitos-connector run` as a real background process, and free ports on 127.0.0.1 for what it serves."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.cli import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Agent:
    """`hoteleitos-connector run` as a background process with its health server on a free port."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env={
                **env,
                "HOTELEITOS_HEALTH_PORT": str(self.port),
                "HOTELEITOS_HEALTH_HOST": "127.0.0.1",
                "PYTHONPATH": str(ROOT),
                "PATH": "/usr/bin:/bin",
            },
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = self.stderr = ""

    def get(self, path: str) -> httpx.Response | None:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)
        except httpx.TransportError:
            return None

    def status(self, path: str) -> int | None:
        response = self.get(path)
        return None if response is None else response.status_code

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        self.stdout, self.stderr = self.process.communicate(timeout=timeout)
        return self.process.returncode
