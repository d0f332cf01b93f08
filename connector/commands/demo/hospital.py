"""A synthetic hospital in SQLite, on the tables of any vendor with a census query, and its daily life.

The hospital keeps the truth (who is in which bed) itself; the vendor's `Writer` (adapters/<vendor>/tables.py)
writes it into that vendor's tables. `step()` makes the hospital move between cycles: discharges, transfers between
beds, admissions into free beds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

from adapters import writers
from adapters.synthetic import Bed, Person, Stay, build_world, person_name


@dataclass(frozen=True)
class Movement:
    """What happened in the hospital between two cycles (the truth the receiver should detect)."""

    admissions: int
    discharges: int
    transfers: int


class DemoHospital:
    """The hospital's database (an SQLite file with the vendor's tables) and its daily life."""

    def __init__(
        self, path: Path, *, vendor: str = "mv", patients: int = 300, seed: int = 2026, url: str | None = None
    ) -> None:
        self.url = url or f"sqlite:///{path}"  # another empty database (tests) instead of the SQLite file
        self.engine: Engine = create_engine(self.url)
        self.writer = writers()[vendor]()
        self.rng = random.Random(seed)
        self.now = datetime.now().replace(microsecond=0)
        self.world = build_world(self.rng, patients)
        self.admitted: dict[int, Stay] = {}
        self.cleaning: set[int] = set()  # beds left this step: free again from the next one
        self._next_encounter = 100_000
        self._next_patient = 500_000
        self.writer.metadata.create_all(self.engine)
        with self.engine.begin() as db:
            self.writer.populate(db, self.world)
            beds = list(self.world.beds)
            self.rng.shuffle(beds)
            for bed in beds[:patients]:
                self._admit(db, bed, days_ago=self.rng.uniform(0, 30))
            for _ in range(patients // 3):  # past stays: never in the census
                self._admit(db, None, days_ago=self.rng.uniform(31, 400), discharged=True)

    def _admit(self, db: Connection, bed: Bed | None, *, days_ago: float, discharged: bool = False) -> None:
        rng = self.rng
        sex = rng.choice("MF")
        self._next_patient += 1
        self._next_encounter += rng.randint(1, 7)
        admitted = self.now - timedelta(days=days_ago)
        born = (self.now - timedelta(days=rng.randint(0, 95 * 365))).date()
        stay = Stay(
            encounter=self._next_encounter,
            patient=Person(self._next_patient, person_name(rng, sex), sex, born),
            bed=bed,
            insurer=rng.randint(1, len(self.world.insurers)),
            professional=rng.choice(self.world.professionals),
            admitted=admitted,
            discharged=admitted + timedelta(days=2) if discharged else None,
        )
        self.writer.admit(db, stay)
        if not discharged:
            self.admitted[stay.encounter] = stay

    def _free_beds(self) -> list[Bed]:
        taken = {stay.bed.number for stay in self.admitted.values() if stay.bed is not None} | self.cleaning
        return [bed for bed in self.world.beds if bed.number not in taken]

    def step(self) -> Movement:
        """A few minutes of hospital life: some discharges, transfers and admissions."""
        rng = self.rng
        self.now += timedelta(minutes=5)
        self.cleaning.clear()
        admitted = sorted(self.admitted.values(), key=lambda stay: stay.encounter)
        leaving = rng.sample(admitted, k=min(len(admitted), rng.randint(1, max(1, len(admitted) // 50))))
        with self.engine.begin() as db:
            for stay in leaving:
                stay.discharged = self.now
                self.writer.discharge(db, stay)
                del self.admitted[stay.encounter]
                if stay.bed is not None:
                    self.cleaning.add(stay.bed.number)
            staying = [stay for stay in self.admitted.values() if stay.bed is not None]
            free = self._free_beds()
            moving = rng.sample(staying, k=min(len(staying), len(free), rng.randint(0, 3)))
            for stay, bed in zip(moving, free, strict=False):
                self.writer.transfer(db, stay, bed, self.now)
                assert stay.bed is not None
                self.cleaning.add(stay.bed.number)
                stay.bed = bed
            free = self._free_beds()
            arriving = min(len(free), rng.randint(1, max(1, len(admitted) // 40)))
            for bed in rng.sample(free, k=arriving):
                self._admit(db, bed, days_ago=0)
        return Movement(admissions=arriving, discharges=len(leaving), transfers=len(moving))

    def close(self) -> None:
        self.engine.dispose()
