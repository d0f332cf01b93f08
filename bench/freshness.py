"""Freshness and database load: the 30 s schedule (as today) against the change probe (2 s, full read every 5 min).

    .venv/bin/python -m bench.freshness [--minutes 15] [--events-per-hour 60] [--encounters 1200000] [--quick]

For each vendor (MV and Wareline on PostgreSQL) it fills a replica with a realistic history (see bench/replicas.py)
in a database of its own, clones it once per mode, and runs one `hoteleitos-connector run` per clone, each pushing
to its own receiver that timestamps every census. A driver process (bench/driver.py) then makes the same admissions,
discharges and transfers at the same random moments in both clones of a vendor, recording each commit. Reported:
p50/p95/max seconds from commit to the first census that reflects it, and the load each mode put on the server
(rows and buffers read per table, from pg_stat_user_tables / pg_statio_user_tables, per hour). Both modes run at the
same time, on the same machine, under the same changes. The databases are dropped at the end; the figures go to
bench/results/freshness-*.json and are printed as tables.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bench.freshness_report import tables
from bench.latency import Census, Freshness, freshness
from bench.replicas import SCHEMA, Size, fill
from bench.serverload import per_hour, snapshot, total
from connector.commands.demo.receiver import Received, Receiver

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-freshness-token"
MODES = {
    "poll": {"HOTELEITOS_SCHEDULE": "30s"},
    "probe": {"HOTELEITOS_SCHEDULE": "30s", "HOTELEITOS_CHANGE_PROBE": "2s", "HOTELEITOS_FULL_READ_EVERY": "5m"},
}
TARGETS = {"probe_p95_s": 3.0, "load_ratio": 1.0}


class StampingReceiver(Receiver):
    """Takes every push and keeps only when it arrived and encounter -> bed (the body itself is dropped)."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.censuses: list[Census] = []

    def respond(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        arrived = time.time()
        patients = request.json()["pacientes"]
        with self.lock:
            self.censuses.append((arrived, {p["cod_ocorrencia"]: p["cod_leito"] for p in patients}))
            self.received.clear()
        return 200, {}, b'{"ok":true}'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Connector:
    """One `hoteleitos-connector run` on one clone, with its receiver, its health port and its log file."""

    def __init__(self, vendor: str, mode: str, url: URL, folder: Path) -> None:
        self.vendor, self.mode, self.url = vendor, mode, url
        self.receiver = StampingReceiver()
        self.receiver.__enter__()
        self.port = free_port()
        self.log = folder / f"{vendor}-{mode}.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "HOTELEITOS_API_URL": self.receiver.url,
            "HOTELEITOS_API_TOKEN": TOKEN,
            "HOTELEITOS_SOURCE_VENDOR": vendor,
            "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
            "HOTELEITOS_SOURCE_SCHEMA": SCHEMA[vendor],
            "HOTELEITOS_STATE_DIR": str(folder / f"state-{vendor}-{mode}"),
            "HOTELEITOS_HEALTH_HOST": "127.0.0.1",
            "HOTELEITOS_HEALTH_PORT": str(self.port),
            "HOTELEITOS_LOG_FORMAT": "json",
            **MODES[mode],
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connector", "run"],
            env=env,
            cwd=folder,
            stdout=self.log.open("w", encoding="utf-8"),  # `run` logs to stdout
            stderr=subprocess.STDOUT,
        )

    def metrics(self) -> dict[str, float]:
        """The connector's own counters that tell how often it read: cycles, full reads by trigger, probes."""
        found: dict[str, float] = {}
        for line in httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text.splitlines():
            if line.startswith(("hoteleitos_cycles_total", "hoteleitos_full_reads_total", "hoteleitos_probes_total")):
                name, value = line.rsplit(" ", 1)
                found[name] = float(value)
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
            self.receiver.__exit__()


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"tempo esgotado esperando {what}")
        time.sleep(0.2)


class LoadSampler(threading.Thread):
    """The machine's 1-minute load average every 10 s (other work on the machine shows in the figures)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(10):
            self.samples.append(os.getloadavg()[0])


def prepare(admin: URL, name: str, vendors: list[str], size: Size) -> dict[tuple[str, str], URL]:
    """A filled template per vendor, cloned once per mode (a file copy: both modes start identical)."""
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    urls = {}
    for vendor in vendors:
        template = f"{name}_{vendor}"
        with engine.connect() as db:
            db.execute(text(f"CREATE DATABASE {template}"))
        started = time.monotonic()
        fill(admin.set(database=template), vendor, size)
        print(f"{vendor}: réplica preenchida em {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        for mode in MODES:
            with engine.connect() as db:
                db.execute(text(f"CREATE DATABASE {template}_{mode} TEMPLATE {template}"))
            urls[vendor, mode] = admin.set(database=f"{template}_{mode}")
    engine.dispose()
    return urls


def drop(admin: URL, name: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        found = db.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :n"), {"n": f"{name}%"}).scalars()
        for database in list(found):
            db.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
    engine.dispose()


def measure(args: argparse.Namespace, admin: URL, name: str, folder: Path) -> dict[str, Any]:
    size = Size(encounters=args.encounters, beds=args.beds, admitted=args.admitted)
    urls = prepare(admin, name, args.vendors, size)
    sampler = LoadSampler()
    with ExitStack() as stack:
        connectors = {key: Connector(*key, url, folder) for key, url in urls.items()}
        for connector in connectors.values():
            stack.callback(connector.stop)
        wait_for(lambda: all(c.receiver.censuses for c in connectors.values()), 180, "o primeiro censo de cada modo")
        time.sleep(12)  # the first reads' statistics reach the server's counters
        before = {key: snapshot(url) for key, url in urls.items()}
        began = time.monotonic()
        sampler.start()
        plan = {
            "seconds": args.minutes * 60,
            "events_per_hour": args.events_per_hour,
            "others_per_hour": args.others_per_hour,
            "vendors": {
                vendor: {
                    "urls": {mode: urls[vendor, mode].render_as_string(False) for mode in MODES},
                    "beds": size.beds,
                    "next_encounter": size.encounters + size.admitted + 1,
                }
                for vendor in args.vendors
            },
        }
        (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        print(f"driver: {args.minutes:g} min, {args.events_per_hour:g} mudanças/h e {args.others_per_hour:g} "
              "atendimentos sem leito/h por fornecedor", file=sys.stderr)  # fmt: skip
        subprocess.run([sys.executable, "-m", "bench.driver", str(folder / "plan.json"), str(folder / "commits.jsonl")],
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)  # fmt: skip
        time.sleep(35)  # the 30 s schedule reads the last changes too
        counters = {key: connector.metrics() for key, connector in connectors.items()}
        for connector in connectors.values():
            connector.stop()
        sampler.done.set()
        time.sleep(2)  # the connectors' sessions have ended: their counters are flushed
        seconds = time.monotonic() - began
        after = {key: snapshot(url) for key, url in urls.items()}
        censuses = {key: list(connector.receiver.censuses) for key, connector in connectors.items()}
    commits = [json.loads(line) for line in (folder / "commits.jsonl").read_text(encoding="utf-8").splitlines()]
    results: dict[str, Any] = {"window_s": seconds, "load_average": sampler.samples, "modes": {}}
    for vendor, mode in urls:
        mine = [c for c in commits if c["vendor"] == vendor and c["mode"] == mode and c["kind"] != "other"]
        load = per_hour(before[vendor, mode], after[vendor, mode], seconds)
        results["modes"][f"{vendor}/{mode}"] = {
            "changes": len(mine),
            "freshness": freshness(mine, censuses[vendor, mode]).summary(),
            "censuses_received": len(censuses[vendor, mode]),
            "counters": counters[vendor, mode],
            "load_per_hour": {table: asdict(value) for table, value in load.items()},
            "total_per_hour": {"rows": total(load).rows, "buffers": total(load).buffers},
        }
    pooled = {mode: [c for c in commits if c["mode"] == mode and c["kind"] != "other"] for mode in MODES}
    all_censuses = {mode: [(key, census) for key, census in censuses.items() if key[1] == mode] for mode in MODES}
    results["pooled"] = {mode: _pooled(pooled[mode], all_censuses[mode]) for mode in MODES}
    return results


def _pooled(commits: list[dict[str, Any]], censuses: list[tuple[tuple[str, str], list[Census]]]) -> dict[str, Any]:
    """Every vendor's changes of one mode together (each matched against its own vendor's censuses)."""
    seconds: list[float] = []
    unseen = 0
    for (vendor, _mode), received in censuses:
        found = freshness([c for c in commits if c["vendor"] == vendor], received)
        seconds += found.seconds
        unseen += found.unseen
    return Freshness(seconds, unseen).summary()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.freshness", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20, help="minutes of changes (both modes at once)")
    parser.add_argument("--events-per-hour", type=float, default=60, help="admissions+discharges+transfers, per vendor")
    parser.add_argument(
        "--others-per-hour", type=float, default=60, help="outpatient/emergency encounters without a bed, per vendor"
    )
    parser.add_argument("--encounters", type=int, default=1_200_000, help="past encounters in each replica")
    parser.add_argument("--beds", type=int, default=400)
    parser.add_argument("--admitted", type=int, default=330)
    parser.add_argument("--vendors", type=lambda text: text.split(","), default=["mv", "wareline"])
    parser.add_argument(
        "--quick", action="store_true", help="2 min, 100 000 encounters, 600 changes/h and 600 visits/h: a smoke run"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.encounters, args.events_per_hour, args.others_per_hour = 2, 100_000, 600, 600
    admin, name = make_url(args.pg), f"hoteleitos_fresh_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="hoteleitos-freshness-") as folder:
        try:
            results = measure(args, admin, name, Path(folder))
        finally:
            drop(admin, name)
    results.update(
        when=datetime.now().isoformat(timespec="seconds"),
        cpus=os.cpu_count(),
        settings={k: v for k, v in vars(args).items() if k != "pg"},
        targets=TARGETS,
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"freshness-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(tables(results))
    print(f"resultados: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
