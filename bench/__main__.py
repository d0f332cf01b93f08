"""Benchmark: the connector against a hand-written script, on a real PostgreSQL and a real receiver.

    .venv/bin/python -m bench [--sizes 300,2000,10000,50000] [--pairs 11] [--steady 2000,50000] [--idle-seconds 30]

For each size N it fills an MV replica with N admitted patients and measures:
- whole processes: `run --once` against the cron-style script (bench/script.py, urllib and httpx variants),
  alternating, `--pairs` rounds: medians, ratios, peak RSS (see bench/process.py);
- for the `--steady` sizes, the daemon's cycle in-process against the script's fetch + encode + POST in a loop
  (bench/worker.py), `--pairs` cycles each;
- at the largest size, `run` on a schedule: resident memory between cycles, peak, cycle durations;
- at the smallest size, `run` idle between small cycles (5 s schedule): resident memory and CPU.
Then the start time of `--help`. Prints the table (Markdown, as in docs/desempenho.md) and writes JSON under
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url

from adapters.mv import MvAdapter
from bench import process
from bench.fill import fill
from bench.receiver import Receiver
from bench.report import table
from connector.settings import SourceSettings

ROOT = Path(__file__).resolve().parents[1]


def census_sql(url: URL) -> str:
    """The connector's MV query exactly as it reaches psycopg: SQL text and parameters, as JSON."""
    source = SourceSettings.model_validate({"vendor": "mv", "url": url.render_as_string(False), "schema": "dbamv"})
    statement, values = MvAdapter(source).statement("census", date.today())
    compiled = statement.bindparams(**values).compile(
        dialect=postgresql.psycopg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    return json.dumps({"sql": str(compiled), "params": compiled.params})


def worker(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def steady(url: URL, dsn: str, sql_file: Path, folder: Path, api_url: str, repeat: int) -> dict[str, Any]:
    """The in-process cycles, script then connector, twice in alternation; medians over both turns."""
    wall: dict[str, list[float]] = {"script": [], "connector": []}
    cpu: dict[str, list[float]] = {"script": [], "connector": []}
    peaks = {"script": 0.0, "connector": 0.0}
    for turn in range(2):
        for side in ("script", "connector") if turn == 0 else ("connector", "script"):
            if side == "script":
                found = worker("script", dsn, str(sql_file), api_url, str(repeat))
            else:
                state = str(folder / "steady-state")
                found = worker("connector", url.render_as_string(False), state, api_url, str(repeat))
            wall[side] += found["times"]
            cpu[side] += found["cpu"]
            peaks[side] = max(peaks[side], found["peak_rss_mb"])
    script, mine = statistics.median(wall["script"]), statistics.median(wall["connector"])
    return {
        "script_s": script,
        "connector_s": mine,
        "ratio": mine / script,
        "cpu_s": {side: statistics.median(values) for side, values in cpu.items()},
        "times_s": wall,
        "peak_rss_mb": peaks,
    }


def measure_size(url: URL, api_url: str, size: int, args: argparse.Namespace, sizes: list[int]) -> dict[str, Any]:
    print(f"N={size}: enchendo a réplica ...", file=sys.stderr, flush=True)
    fill(url, size)
    source_url = url.render_as_string(False)
    dsn = url.set(drivername="postgresql").render_as_string(False)
    result: dict[str, Any] = {"size": size}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sql_file = folder / "census.sql"
        sql_file.write_text(census_sql(url), encoding="utf-8")
        print(f"N={size}: processos inteiros ...", file=sys.stderr, flush=True)
        result["process"] = process.whole_processes(api_url, source_url, dsn, sql_file, folder, args.pairs)
        if size in args.steady:
            print(f"N={size}: ciclo do daemon em processo ...", file=sys.stderr, flush=True)
            result["steady"] = steady(url, dsn, sql_file, folder, api_url, args.pairs)
        if size == max(sizes) and args.daemon_cycles:
            print(f"N={size}: daemon, memória entre ciclos ...", file=sys.stderr, flush=True)
            result["daemon"] = process.daemon(
                api_url, source_url, folder, schedule=10, cycles=args.daemon_cycles, settle=5
            )
        if size == min(sizes) and args.idle_seconds > 0:
            print(f"N={size}: daemon ocioso ...", file=sys.stderr, flush=True)
            cycles = max(2, round(args.idle_seconds / 5))
            result["idle"] = process.daemon(api_url, source_url, folder, schedule=5, cycles=cycles, settle=2.5)
    return result


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,2000,10000,50000")
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--steady", default="2000,50000", help="sizes of the in-process cycle comparison")
    parser.add_argument("--daemon-cycles", type=int, default=3, help="cycles of `run` at the largest size (0: none)")
    parser.add_argument("--idle-seconds", type=float, default=30, help="`run` idle at the smallest size (0: none)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    args.steady = {int(s) for s in args.steady.split(",") if s}
    admin_url = make_url(args.pg)
    name = f"hoteleitos_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    results: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "pairs": args.pairs,
        "load_before": load_average(),
        "sizes": [],
    }
    try:
        with Receiver() as receiver:
            for size in sizes:
                results["sizes"].append(measure_size(admin_url.set(database=name), receiver.url, size, args, sizes))
        results["help_s"] = process.help_seconds()
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    results["load_after"] = load_average()
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    print(f"resultados: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
