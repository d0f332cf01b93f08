"""The connector's command line as the operator runs it: `hoteleitos-connector ARGS` in a subprocess, and its JSON
log events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`hoteleitos-connector ARGS` in a subprocess with exactly `env` (plus PATH and the Python home)."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        env={**base, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def events(output: str) -> list[dict[str, object]]:
    """The JSON log events in a captured output (`run` logs to stdout, the other commands to stderr)."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found
