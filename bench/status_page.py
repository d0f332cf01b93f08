"""What the status page costs at 50,000 patients: its share of a cycle, and a request to `/`.

    .venv/bin/python -m bench.status_page [--patients 50000] [--cycles 5] [--requests 200]

Fills an MV replica on PostgreSQL (HOTELEITOS_TEST_PG_URL, default the local server) with the patients, runs the
daemon's cycle in-process against the bench's receiver with a full 24-hour history already in the state folder
(288 buckets: the largest file the page keeps), and measures:
- `StatusBoard.note()` after each cycle (the history written, the problems, the disk gauges), against the cycle;
- `StatusBoard.page()` (the HTML drawn from memory) and `GET /` through the health server, `--requests` times;
- the page's and the history file's sizes.
Prints a Markdown table and writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.fill import fill
from bench.receiver import Receiver
from connector.commands.configuration import settings_from_values
from connector.cycle import Agent
from connector.ops.health import HealthServer, Readiness
from connector.ops.history import BUCKET, SPAN, CycleFacts, Delivery, History
from connector.ops.status import StatusBoard

ROOT = Path(__file__).resolve().parents[1]


def full_history(state_dir: Path, patients: int, now: float) -> None:
    """24 hours of five-minute buckets, each with a delivery, as a day of a busy hospital leaves them."""
    history = History.load(state_dir)
    for i in range(SPAN // BUCKET, 0, -1):
        at = now - i * BUCKET
        history.record(CycleFacts(at, ok=i % 50 != 0, patients=patients - i % 40, admissions=i % 5, discharges=i % 4,
                                  transfers=i % 3, deliveries=(Delivery(at, patients, 0.2 + i % 7 / 10),)))  # fmt: skip


def milliseconds(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def measure(url: str, patients: int, cycles: int, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, Receiver() as receiver:
        state = Path(folder) / "state"
        state.mkdir()
        full_history(state, patients, time.time())
        settings = settings_from_values({
            "api": {"url": receiver.url, "token": "bench-token", "path": "/"},
            "source": {"vendor": "mv", "url": url, "schema": "dbamv", "query_timeout": 600},
            "state_dir": str(state),
            "health": {"host": "127.0.0.1", "port": 0},
        })  # fmt: skip
        agent = Agent(settings)
        readiness = Readiness(settings)
        board = StatusBoard(settings, readiness, origin="variáveis de ambiente")
        cycle_times, note_times = [], []
        try:
            for _ in range(cycles + 1):
                started = time.perf_counter()
                report = agent.cycle()
                cycle_times.append(time.perf_counter() - started)
                readiness.update(delivered=bool(report.delivered), depth=report.depth, error=None)
                started = time.perf_counter()
                board.note(report)
                note_times.append(time.perf_counter() - started)
                if not report.ok or report.patients != patients:
                    raise SystemExit(f"cycle failed: {report.errors}")
        finally:
            agent.close()
        page_times = []
        for _ in range(requests):
            started = time.perf_counter()
            page = board.page()
            page_times.append(time.perf_counter() - started)
        server = HealthServer("127.0.0.1", 0, readiness, board.page)
        server.start()
        get_times = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get("/").raise_for_status()
                    get_times.append(time.perf_counter() - started)
        finally:
            server.stop()
        return {
            "patients": patients,
            "cycle": milliseconds(cycle_times[1:]),
            "note": milliseconds(note_times[1:]),
            "note_share_of_cycle": round(statistics.median(note_times[1:]) / statistics.median(cycle_times[1:]), 4),
            "page": milliseconds(page_times),
            "get": milliseconds(get_times),
            "page_bytes": len(page),
            "history_bytes": (state / "status-history.json").stat().st_size,
        }


def table(result: dict[str, Any]) -> str:
    rows = [
        ("ciclo do `run` (leitura, fila, envio)", result["cycle"]),
        ("`note()` depois do ciclo (histórico gravado)", result["note"]),
        ("`page()`: a página montada da memória", result["page"]),
        ("`GET /` pelo servidor de saúde", result["get"]),
    ]
    lines = [
        f"Com {result['patients']:,} internados".replace(",", "."),
        "",
        "| medida | mediana | p95 | máx |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {v['median_ms']} ms | {v['p95_ms']} ms | {v['max_ms']} ms |" for name, v in rows]
    lines += [
        "",
        f"`note()` = {result['note_share_of_cycle'] * 100:.2f}% do ciclo; página {result['page_bytes']:,} bytes; "
        f"histórico {result['history_bytes']:,} bytes (24 h cheias).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--pg",
        default=os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    admin_url = make_url(args.pg)
    name = f"hoteleitos_bench_status_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = admin_url.set(database=name)
        fill(url, args.patients)
        result = measure(url.render_as_string(False), args.patients, args.cycles, args.requests)
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    print(table(result))
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"status-page-{datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
