"""Benchmark: the connector's cycle against a hand-written script, on a real PostgreSQL and a real receiver.

    .venv/bin/python -m bench [--sizes 1000,10000,50000] [--repeat 5] [--idle-seconds 60]

For each size N it fills an MV replica with N admitted patients and measures, in separate processes, the raw
baseline (psycopg fetch of the same census SQL, dicts, json.dumps, one httpx POST) and the connector's full
cycle (`run --once` path in-process, outbox and logging on): median seconds, connector/baseline ratio, peak RSS
and rows per second. Then the idle RSS and CPU of `run` on the demo hospital (5 s schedule) and the start time
of `--help`. Prints a table and writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url

from adapters.mv import MvAdapter
from bench.fill import fill
from connector.settings import SourceSettings

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"ratio": 1.5, "peak_rss_50k_mb": 200.0, "idle_rss_mb": 90.0, "help_seconds": 0.5}


class Sink(BaseHTTPRequestHandler):
    """A receiver that reads the whole body and answers 200, like an API that queues the census."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def census_sql(url: URL) -> str:
    """The connector's MV query exactly as it reaches psycopg: SQL text and parameters, as JSON."""
    source = SourceSettings.model_validate({"vendor": "mv", "url": url.render_as_string(False), "schema": "dbamv"})
    statement, values = MvAdapter(source).statement()
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


def measure_size(url: URL, api_url: str, size: int, repeat: int) -> dict[str, Any]:
    fill(url, size)
    with tempfile.TemporaryDirectory() as folder:
        sql_file = Path(folder) / "census.sql"
        sql_file.write_text(census_sql(url), encoding="utf-8")
        dsn = url.set(drivername="postgresql").render_as_string(False)
        base = worker("baseline", dsn, str(sql_file), api_url, str(repeat))
        mine = worker("connector", url.render_as_string(False), str(Path(folder) / "state"), api_url, str(repeat))
    base_median, mine_median = statistics.median(base["times"]), statistics.median(mine["times"])
    return {
        "size": size,
        "baseline_median_s": base_median,
        "connector_median_s": mine_median,
        "ratio": mine_median / base_median,
        "baseline_peak_rss_mb": base["peak_rss_mb"],
        "connector_peak_rss_mb": mine["peak_rss_mb"],
        "baseline_rows_per_s": size / base_median,
        "connector_rows_per_s": size / mine_median,
        "baseline_times_s": base["times"],
        "connector_times_s": mine["times"],
    }


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_idle(api_url: str, seconds: float) -> dict[str, Any]:
    """`run` on the demo hospital with a 5 s schedule: RSS at the end and CPU share over the window."""
    from connector.demo.hospital import DemoHospital

    with tempfile.TemporaryDirectory() as folder:
        hospital = DemoHospital(Path(folder) / "hospital.sqlite3", patients=300)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOTELEITOS_API_URL": api_url,
            "HOTELEITOS_API_PATH": "/",
            "HOTELEITOS_API_TOKEN": "bench-token",
            "HOTELEITOS_SOURCE_VENDOR": "mv",
            "HOTELEITOS_SOURCE_URL": hospital.url,
            "HOTELEITOS_SOURCE_SCHEMA": "",
            "HOTELEITOS_SCHEDULE": "5s",
            "HOTELEITOS_STATE_DIR": str(Path(folder) / "state"),
            "HOTELEITOS_HEALTH_PORT": "0",
            "HOTELEITOS_LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(6)  # first cycle done, imports settled
            cpu_start, wall_start = proc_cpu_seconds(process.pid), time.monotonic()
            time.sleep(seconds)
            cpu = proc_cpu_seconds(process.pid) - cpu_start
            wall = time.monotonic() - wall_start
            rss = proc_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
            hospital.close()
    return {"idle_seconds": wall, "idle_rss_mb": rss, "idle_cpu_percent": 100 * cpu / wall}


def measure_help(runs: int = 10) -> float:
    command = [str(Path(sys.executable).parent / "hoteleitos-connector"), "--help"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{'N':>7} {'baseline s':>11} {'connector s':>12} {'ratio':>6} {'base RSS MB':>12} {'conn RSS MB':>12} "
        f"{'base rows/s':>12} {'conn rows/s':>12}"
    ]
    for r in results["sizes"]:
        lines.append(
            f"{r['size']:>7} {r['baseline_median_s']:>11.3f} {r['connector_median_s']:>12.3f} {r['ratio']:>6.2f} "
            f"{r['baseline_peak_rss_mb']:>12.1f} {r['connector_peak_rss_mb']:>12.1f} "
            f"{r['baseline_rows_per_s']:>12.0f} {r['connector_rows_per_s']:>12.0f}"
        )
    idle = results.get("idle")
    if idle:
        lines.append(
            f"idle `run` (5 s schedule, demo hospital, {idle['idle_seconds']:.0f} s): "
            f"RSS {idle['idle_rss_mb']:.1f} MB, CPU {idle['idle_cpu_percent']:.2f}%"
        )
    lines.append(f"`--help`: {results['help_seconds']:.3f} s (median of 10)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument(
        "--pg",
        default=os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    admin_url = make_url(args.pg)
    name = f"hoteleitos_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api_url = f"http://127.0.0.1:{server.server_address[1]}"
    results: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "targets": TARGETS,
        "sizes": [],
    }
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"N={size} ...", file=sys.stderr, flush=True)
            results["sizes"].append(measure_size(admin_url.set(database=name), api_url, size, args.repeat))
        if args.idle_seconds > 0:
            print(f"idle run for {args.idle_seconds:.0f} s ...", file=sys.stderr, flush=True)
            results["idle"] = measure_idle(api_url, args.idle_seconds)
        results["help_seconds"] = measure_help()
    finally:
        server.shutdown()
        with admin.connect() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    print(f"resultados: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
