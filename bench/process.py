"""Whole processes, as cron or the scheduler starts them: `run --once` against the cron-style script, the
daemon's memory between cycles, `--help`.

Each run is timed from spawn to exit (imports, connection, read, push, interpreter shutdown); each contender's peak
RSS is read from its own /proc during an untimed first round. The three contenders alternate within each round,
the order reversed every other round, so that a neighbour's load drifts over all of them alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "hoteleitos-connector"
BENCH_MAX_ROWS = 100_000_000  # the bench measures reads of any size, never the row ceiling (HOTELEITOS_SOURCE_MAX_ROWS)


def connector_env(api_url: str, source_url: str, state_dir: Path, schedule: str = "30s") -> dict[str, str]:
    """The connector configured by environment only, as in the container; JSON logs, no health server."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HOTELEITOS_", "API_", "DB_"))}
    return {
        **keep,
        "HOTELEITOS_API_URL": api_url,
        "HOTELEITOS_API_PATH": "/",
        "HOTELEITOS_API_TOKEN": "bench-token",
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": source_url,
        "HOTELEITOS_SOURCE_SCHEMA": "dbamv",
        "HOTELEITOS_SOURCE_QUERY_TIMEOUT": "600",
        "HOTELEITOS_SOURCE_MAX_ROWS": str(BENCH_MAX_ROWS),
        "HOTELEITOS_SCHEDULE": schedule,
        "HOTELEITOS_STATE_DIR": str(state_dir),
        "HOTELEITOS_HEALTH_PORT": "0",
        "HOTELEITOS_LOG_FORMAT": "json",
    }


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Seconds from spawn to exit; a failed run stops the bench."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, check=False)
        seconds = time.perf_counter() - started
        _check(command, done.returncode, errors)
    return seconds


def peak(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """The run's peak RSS in MiB, from its own /proc (VmHWM), read every few milliseconds until it exits. The
    kernel's figure for a child (`wait4`) would not do: it starts from the parent's own peak at fork time."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        seen = 0.0
        while child.poll() is None:
            with contextlib.suppress(OSError):
                seen = max(seen, proc_status(child.pid, "VmHWM"))
            time.sleep(0.003)
        _check(command, child.returncode, errors)
    return seen


def _check(command: list[str], status: int, errors: IO[bytes]) -> None:
    if status != 0:
        errors.seek(0)
        raise SystemExit(f"{command[:3]} saiu com {status}:\n{errors.read().decode(errors='replace')[-3000:]}")


def whole_processes(
    api_url: str, source_url: str, dsn: str, sql_file: Path, folder: Path, pairs: int
) -> dict[str, Any]:
    """`pairs` rounds of: `run --once`, the script with urllib, the script with httpx (after one warm-up each)."""
    env = connector_env(api_url, source_url, folder / "state")
    script = [sys.executable, str(ROOT / "bench" / "script.py")]
    contenders = {
        "connector": ([str(BIN), "run", "--once"], env),
        "script_urllib": ([*script, "urllib", dsn, str(sql_file), api_url], None),
        "script_httpx": ([*script, "httpx", dsn, str(sql_file), api_url], None),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    # The first round, untimed, warms the page cache and the database's buffers, and measures each one's peak.
    peaks = {name: peak(command, environment, folder) for name, (command, environment) in contenders.items()}
    for round_ in range(pairs):
        order = list(contenders) if round_ % 2 else list(reversed(contenders))
        for name in order:
            command, environment = contenders[name]
            times[name].append(timed(command, environment, folder))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "times_s": times,
        "median_s": medians,
        "peak_rss_mb": peaks,
        "ratio_urllib": medians["connector"] / medians["script_urllib"],
        "ratio_httpx": medians["connector"] / medians["script_httpx"],
        "ratio_pairs_httpx": statistics.median(
            c / s for c, s in zip(times["connector"], times["script_httpx"], strict=True)
        ),
    }


def help_seconds(runs: int = 11) -> float:
    return statistics.median(timed([str(BIN), "--help"]) for _ in range(runs))


def proc_status(pid: int, key: str) -> float:
    """A /proc/<pid>/status memory figure (VmRSS, VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def daemon(
    api_url: str, source_url: str, folder: Path, *, schedule: float, cycles: int, settle: float
) -> dict[str, Any]:
    """`run` on the schedule: after each cycle, `settle` seconds later, its resident memory (what it holds
    between cycles); the cycles' own durations from their `cycle_finished` events; its peak; the CPU it used
    between the first measured cycle's end and the last's."""
    env = connector_env(api_url, source_url, folder / "daemon-state", schedule=f"{schedule:g}s")
    child = subprocess.Popen([str(BIN), "run"], env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    finished: list[tuple[float, float]] = []  # (monotonic time the event was read, cycle duration in s)
    done = threading.Condition()

    def follow() -> None:
        assert child.stdout is not None
        for line in child.stdout:  # `run` logs to stdout
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "cycle_finished":
                if event.get("result") != "ok":
                    print(f"ciclo do daemon: {event}", file=sys.stderr)
                with done:
                    finished.append((time.monotonic(), event["duration_ms"] / 1000))
                    done.notify_all()

    threading.Thread(target=follow, daemon=True).start()
    between: list[float] = []
    cpu: list[tuple[float, float]] = []
    try:
        for index in range(cycles + 1):
            with done:
                if not done.wait_for(lambda n=index: len(finished) > n, timeout=schedule + 600):
                    raise SystemExit("o daemon não terminou um ciclo a tempo")
            time.sleep(max(0.0, finished[index][0] + settle - time.monotonic()))
            between.append(proc_status(child.pid, "VmRSS"))
            cpu.append((time.monotonic(), cpu_seconds(child.pid)))
        peak = proc_status(child.pid, "VmHWM")
    finally:
        child.terminate()
        child.wait(timeout=30)
    (t0, c0), (t1, c1) = cpu[1], cpu[-1]
    return {
        "schedule_s": schedule,
        "rss_between_cycles_mb": between,
        "cycle_s": [seconds for _, seconds in finished],
        "peak_rss_mb": peak,
        "cpu_percent": 100 * (c1 - c0) / (t1 - t0) if t1 > t0 else float("nan"),
    }
