"""The hospital's own application, as a process of its own: admits, discharges and transfers patients at random
moments (a Poisson process per vendor) and records when each change was committed; meanwhile outpatient and
emergency encounters without a bed are opened too (another Poisson process), which no census shows.

    python -m bench.driver <plan.json> <commits.jsonl>

The plan names, per vendor, the replicas that receive every change (one per mode being compared: the same change
at the same moment in each) and the seconds to run. Each change is one transaction per replica; its commit time
(Unix seconds, taken when COMMIT returned) is written as one JSON line. The driver's own sessions run with
`track_counts = off`, so the table statistics the bench compares count the connector's reads only.
"""

from __future__ import annotations

import heapq
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from bench.replicas import admit, admitted_now, census_key, discharge, outpatient, transfer


def uncounted(url: str) -> Engine:
    """An engine whose sessions leave no trace in pg_stat_user_tables / pg_statio_user_tables."""
    engine = create_engine(make_url(url))

    def quiet(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET track_counts = off")
        dbapi_connection.commit()

    event.listen(engine, "connect", quiet)
    return engine


class Ward:
    """One vendor's hospital: who is in which bed, and the replicas every change is written to."""

    def __init__(self, vendor: str, plan: dict[str, Any], rng: random.Random) -> None:
        self.vendor, self.rng = vendor, rng
        self.engines = {mode: uncounted(url) for mode, url in plan["urls"].items()}
        self.admitted = admitted_now(make_url(next(iter(plan["urls"].values()))), vendor)
        self.beds = set(range(1, plan["beds"] + 1))
        self.target = len(self.admitted)
        self.next_encounter = plan["next_encounter"]
        self.flip = False

    def free(self) -> list[int]:
        return sorted(self.beds - set(self.admitted.values()))

    def change(self) -> tuple[str, int, int | None, list[tuple[str, dict[str, object]]]]:
        """The next change: its kind, the encounter, its bed afterwards (None: gone) and its statements."""
        free, roll = self.free(), self.rng.random()
        if free and (len(self.admitted) < 0.9 * self.target or roll < 0.4):
            bed, encounter = self.rng.choice(free), self.next_encounter
            self.next_encounter += 1
            self.admitted[encounter] = bed
            return "admission", encounter, bed, admit(self.vendor, encounter, encounter, bed)
        encounter = self.rng.choice(sorted(self.admitted))
        old = self.admitted[encounter]
        if free and roll > 0.8:
            self.admitted[encounter] = new = self.rng.choice(free)
            return "transfer", encounter, new, transfer(self.vendor, encounter, old, new)
        del self.admitted[encounter]
        return "discharge", encounter, None, discharge(self.vendor, encounter, old)

    def visit(self) -> tuple[str, int, int | None, list[tuple[str, dict[str, object]]]]:
        """An outpatient or emergency encounter without a bed: a new row the census (and the probe) must ignore."""
        encounter = self.next_encounter
        self.next_encounter += 1
        return "other", encounter, None, outpatient(self.vendor, encounter, encounter)

    def apply(self, number: int, out: TextIO, stream: str = "census") -> None:
        """Make the next change in every replica (alternating which goes first) and record each commit."""
        kind, encounter, bed, statements = self.change() if stream == "census" else self.visit()
        key, shown_bed = census_key(self.vendor, encounter, bed)
        modes = list(self.engines)
        self.flip = not self.flip
        for mode in reversed(modes) if self.flip else modes:
            with self.engines[mode].begin() as db:
                for statement, params in statements:
                    db.execute(text(statement), params)
            committed = time.time()
            record = {"vendor": self.vendor, "mode": mode, "event": number, "kind": kind, "key": key,
                      "bed": shown_bed, "committed": committed}  # fmt: skip
            out.write(json.dumps(record) + "\n")
        out.flush()

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def run(plan: dict[str, Any], out: TextIO) -> int:
    """Run the plan; returns how many changes were made."""
    rng = random.Random(plan.get("seed", 2026))
    wards = {vendor: Ward(vendor, details, rng) for vendor, details in plan["vendors"].items()}
    rates = {"census": plan["events_per_hour"] / 3600, "other": plan.get("others_per_hour", 0) / 3600}
    started = time.monotonic()
    queue = [(started + rng.expovariate(rate), vendor, stream) for vendor in wards for stream, rate in rates.items()
             if rate > 0]  # fmt: skip
    heapq.heapify(queue)
    number = 0
    try:
        while queue:
            at, vendor, stream = heapq.heappop(queue)
            if at - started > plan["seconds"]:
                continue
            time.sleep(max(0.0, at - time.monotonic()))
            number += 1
            wards[vendor].apply(number, out, stream)
            heapq.heappush(queue, (at + rng.expovariate(rates[stream]), vendor, stream))
    finally:
        for ward in wards.values():
            ward.close()
    return number


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with Path(sys.argv[2]).open("w", encoding="utf-8") as out:
        made = run(plan, out)
    print(json.dumps({"changes": made}))


if __name__ == "__main__":
    main()
