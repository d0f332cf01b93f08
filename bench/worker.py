"""The steady cycle, in-process: one side of the comparison per process, so that its peak RSS is its own.

    python -m bench.worker script <dsn> <sql-file> <api-url> <repeat>
    python -m bench.worker connector <sqlalchemy-url> <state-dir> <api-url> <repeat>

Both keep their connections between cycles, as a daemon does. Prints one JSON line: the seconds of each measured
cycle (after one warm-up), wall and CPU (this process's own: the database server and the receiver are not in it,
so it moves less with a neighbour's load), and the peak RSS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's own peak (VmHWM): getrusage's would start from the parent's peak at fork time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


Timings = tuple[list[float], list[float]]  # wall seconds, CPU seconds: one of each per measured cycle


def script(dsn: str, sql_file: str, api_url: str, repeat: int) -> Timings:
    """What a hand-written loop does each cycle: driver fetch, dicts, json.dumps, one POST (httpx, kept alive)."""
    import httpx
    import psycopg

    query = json.loads(Path(sql_file).read_text(encoding="utf-8"))
    times, cpu = [], []
    with psycopg.connect(dsn, autocommit=True) as connection, httpx.Client(timeout=120) as client:
        for _ in range(repeat + 1):
            started, used = time.perf_counter(), time.process_time()
            cursor = connection.execute(query["sql"], query["params"])
            names = [column.name for column in cursor.description or ()]
            records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            body = json.dumps(records, default=str).encode()
            client.post(api_url, content=body, headers={"Content-Type": "application/json"}).raise_for_status()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            del cursor, records, body
    return times[1:], cpu[1:]


def connector(url: str, state_dir: str, api_url: str, repeat: int) -> Timings:
    """The daemon's cycle in-process: extract, normalise, outbox, push, with logging on (as `run` does each tick)."""
    from connector.commands.configuration import settings_from_values
    from connector.cycle import Agent
    from connector.ops import memory
    from connector.ops.logs import configure

    settings = settings_from_values({
        "api": {"url": api_url, "token": "bench-token", "path": "/"},
        "source": {"vendor": "mv", "url": url, "schema": "dbamv", "query_timeout": 600, "max_rows": 100_000_000},
        "state_dir": state_dir,
        "log": {"format": "json", "dir": str(Path(state_dir) / "log")},
    })  # fmt: skip
    configure(settings.log)
    agent = Agent(settings)
    times, cpu = [], []
    try:
        for _ in range(repeat + 1):
            started, used = time.perf_counter(), time.process_time()
            report = agent.cycle()
            memory.trim(report.rows)  # as `run` does after each cycle
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            if not report.ok:
                raise SystemExit(f"cycle failed: {report.errors}")
    finally:
        agent.close()
    return times[1:], cpu[1:]


def main() -> None:
    mode, first, second, api_url, repeat = sys.argv[1:6]
    run = script if mode == "script" else connector
    times, cpu = run(first, second, api_url, int(repeat))
    print(json.dumps({"times": times, "cpu": cpu, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
