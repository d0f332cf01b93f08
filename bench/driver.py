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
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url

from adapters.synthetic import Stay
from bench.replicas import SCHEMA, admitted_now, bed, outpatient, stay, writer

Change = Callable[[Connection], None]  # one change, written in a replica's transaction


def uncounted(url: str, schema: str) -> Engine:
    """An engine on the vendor's schema whose sessions leave no trace in pg_stat_user_tables /
    pg_statio_user_tables."""
    engine = create_engine(make_url(url))

    def quiet(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET track_counts = off")
        dbapi_connection.commit()

    event.listen(engine, "connect", quiet)
    return engine.execution_options(schema_translate_map={None: schema})


class Ward:
    """One vendor's hospital: who is in which bed, and the replicas every change is written to."""

    def __init__(self, vendor: str, plan: dict[str, Any], rng: random.Random) -> None:
        self.vendor, self.rng = vendor, rng
        self.engines = {mode: uncounted(url, SCHEMA[vendor]) for mode, url in plan["urls"].items()}
        self.writer = writer(vendor)
        first = make_url(next(iter(plan["urls"].values())))
        self.admitted = {
            encounter: stay(encounter, number) for encounter, number in admitted_now(first, vendor).items()
        }
        self.beds = set(range(1, plan["beds"] + 1))
        self.target = len(self.admitted)
        self.next_encounter = plan["next_encounter"]
        self.flip = False

    def free(self) -> list[int]:
        taken = {s.bed.number for s in self.admitted.values() if s.bed is not None}
        return sorted(self.beds - taken)

    def change(self) -> tuple[str, Stay, Change]:
        """The next change: its kind, the stay as it is afterwards, and how the vendor's application writes it."""
        free, roll = self.free(), self.rng.random()
        if free and (len(self.admitted) < 0.9 * self.target or roll < 0.4):
            admitted = stay(self.next_encounter, self.rng.choice(free))
            self.next_encounter += 1
            self.admitted[admitted.encounter] = admitted
            return "admission", admitted, lambda db: self.writer.admit(db, admitted)
        current = self.admitted[self.rng.choice(sorted(self.admitted))]
        if free and roll > 0.8:
            new = bed(self.rng.choice(free))
            moved = replace(current, bed=new)
            self.admitted[current.encounter] = moved
            return "transfer", moved, lambda db: self.writer.transfer(db, current, new, datetime.now())
        del self.admitted[current.encounter]
        current.discharged = datetime.now()
        gone = replace(current, bed=None)
        return "discharge", gone, lambda db: self.writer.discharge(db, current)

    def visit(self) -> tuple[str, Stay, Change]:
        """An outpatient or emergency encounter without a bed: a new row the census (and the probe) must ignore."""
        encounter = self.next_encounter
        self.next_encounter += 1
        statements = outpatient(self.vendor, encounter, encounter)

        def write(db: Connection) -> None:
            for statement, params in statements:
                db.execute(text(statement), params)

        return "other", stay(encounter, None), write

    def apply(self, number: int, out: TextIO, stream: str = "census") -> None:
        """Make the next change in every replica (alternating which goes first) and record each commit."""
        kind, after, write = self.change() if stream == "census" else self.visit()
        key, shown_bed = self.writer.census_codes(after)
        modes = list(self.engines)
        self.flip = not self.flip
        for mode in reversed(modes) if self.flip else modes:
            with self.engines[mode].begin() as db:
                write(db)
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
