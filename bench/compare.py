"""What a change to the cycle costs or buys: the in-process cycle of several source trees, run in alternation.

    python -m bench.compare [--size 50000] [--rounds 6] [--cycles 8] current=. other=/tmp/other-tree ...

Each tree is a copy of the project with one change (an optimisation removed, say). The replica is filled once;
then, round after round, each tree runs `bench.worker connector` (the daemon's cycle, `--cycles` measured after a
warm-up) in an order that rotates every round, so that a neighbour's load falls on all of them alike. Prints, for
each tree, the median wall and CPU time of its cycles, the range of its per-round medians (how much it moved), and
the difference to the first tree. CPU time is the worker's own: it moves far less than wall time on a shared
machine. Raw figures go to bench/results/compare-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.fill import fill
from bench.receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]


def run_worker(tree: Path, url: str, api_url: str, cycles: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as state:
        done = subprocess.run(
            [sys.executable, "-m", "bench.worker", "connector", url, state, api_url, str(cycles)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"{tree}: o ciclo falhou:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def summary(results: dict[str, dict[str, list[float]]]) -> list[str]:
    lines = ["| árvore | ciclo (mediana) | faixa por rodada | CPU (mediana) | faixa por rodada | Δ ciclo | Δ CPU |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    first: tuple[float, float] | None = None
    for name, found in results.items():
        wall, cpu = statistics.median(found["wall"]), statistics.median(found["cpu"])
        first = first or (wall, cpu)
        spread = [f"{min(found[k]) * 1000:.0f}–{max(found[k]) * 1000:.0f} ms" for k in ("round_wall", "round_cpu")]
        lines.append(f"| {name} | {wall * 1000:.0f} ms | {spread[0]} | {cpu * 1000:.0f} ms | {spread[1]} | "
                     f"{100 * (wall / first[0] - 1):+.1f}% | {100 * (cpu / first[1] - 1):+.1f}% |")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", help="name=path of each source tree, the reference first")
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument(
        "--pg",
        default=os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    trees = {name: Path(path).resolve() for name, path in (tree.split("=", 1) for tree in args.trees)}
    admin_url = make_url(args.pg)
    name = f"hoteleitos_compare_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    results: dict[str, dict[str, list[float]]] = {
        tree: {"wall": [], "cpu": [], "round_wall": [], "round_cpu": [], "peak_rss_mb": []} for tree in trees
    }
    try:
        url = admin_url.set(database=name)
        fill(url, args.size)
        with Receiver() as receiver:
            for round_ in range(args.rounds):
                order = list(trees)[round_ % len(trees) :] + list(trees)[: round_ % len(trees)]
                for tree in reversed(order) if round_ % 2 else order:
                    found = run_worker(trees[tree], url.render_as_string(False), receiver.url, args.cycles)
                    results[tree]["wall"] += found["times"]
                    results[tree]["cpu"] += found["cpu"]
                    results[tree]["round_wall"].append(statistics.median(found["times"]))
                    results[tree]["round_cpu"].append(statistics.median(found["cpu"]))
                    results[tree]["peak_rss_mb"].append(found["peak_rss_mb"])
                    print(f"rodada {round_ + 1}: {tree}", file=sys.stderr, flush=True)
    finally:
        with admin.connect() as db:
            db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"compare-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"size": args.size, "trees": {k: str(v) for k, v in trees.items()},
                                "results": results}, indent=2), encoding="utf-8")  # fmt: skip
    print("\n".join(summary(results)))
    print(f"resultados: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
