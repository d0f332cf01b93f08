"""The status page's last 24 hours, kept in the state folder so that a restart does not blank its charts.

One small JSON file, `status-history.json`, rewritten whole after each cycle (a temporary file, then a rename):
at most 288 buckets of five minutes, about 30 KB, whatever the schedule or the size of the census. Counts and
times only: what a bucket holds could be printed on a wall. A file that cannot be read (damaged, from a newer
version) is set aside and the history starts over; a disk that refuses the write costs the history, never a cycle.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

BUCKET = 300  # seconds of one bucket
SPAN = 24 * 3600
FILE = "status-history.json"
FORMAT = 1


@dataclass
class Bucket:
    """What the cycles of five minutes did."""

    start: int  # Unix time, a multiple of BUCKET
    cycles: int = 0
    failed: int = 0  # cycles that did not end with everything delivered
    patients: int | None = None  # the last census read in these five minutes
    admissions: int = 0
    discharges: int = 0
    transfers: int = 0
    latency: float | None = None  # the slowest delivery's HTTP latency, seconds

    def copy(self) -> Bucket:
        return Bucket(self.start, self.cycles, self.failed, self.patients, self.admissions, self.discharges,
                      self.transfers, self.latency)  # fmt: skip

    def add(self, other: Bucket) -> None:
        """Sum another bucket into this one (for an hour's totals)."""
        self.cycles += other.cycles
        self.failed += other.failed
        self.admissions += other.admissions
        self.discharges += other.discharges
        self.transfers += other.transfers
        if other.patients is not None:
            self.patients = other.patients
        if other.latency is not None:
            self.latency = max(self.latency or 0.0, other.latency)


_FIELDS = [f.name for f in fields(Bucket)]


@dataclass(frozen=True)
class Delivery:
    """A census the API took: when, its size, the HTTP latency of the attempt that delivered it."""

    at: float
    patients: int
    latency: float


@dataclass(frozen=True)
class CycleFacts:
    """What one cycle leaves in the history."""

    at: float
    ok: bool
    patients: int | None = None
    admissions: int = 0
    discharges: int = 0
    transfers: int = 0
    deliveries: tuple[Delivery, ...] = ()


@dataclass
class History:
    """The buckets of the last 24 hours and the last delivery, on disk under `state_dir`."""

    state_dir: Path
    buckets: dict[int, Bucket] = field(default_factory=dict)
    last_delivery: Delivery | None = None
    problem: str | None = None  # why the history could not be read or written, for the page
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def path(self) -> Path:
        return self.state_dir / FILE

    @classmethod
    def load(cls, state_dir: Path) -> History:
        """The history kept in `state_dir` (empty when there is none, or when it cannot be read)."""
        history = cls(state_dir)
        try:
            text = history.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return history
        except OSError as error:
            history.problem = f"o histórico não pôde ser lido ({type(error).__name__}); recomeça do zero"
            return history
        try:
            history._restore(json.loads(text))
        except (ValueError, TypeError, KeyError):
            history.buckets, history.last_delivery = {}, None
            moved = history.path.with_name(f"{FILE}.danificado-{int(time.time())}")
            with contextlib.suppress(OSError):
                history.path.replace(moved)
            history.problem = f"o histórico estava danificado e foi guardado em {moved.name}; recomeça do zero"
        return history

    def _restore(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError("unknown format")
        names = data["fields"]
        for row in data["buckets"]:
            bucket = Bucket(**dict(zip(names, row, strict=True)))
            if not isinstance(bucket.start, int) or bucket.start % BUCKET:
                raise ValueError("bad bucket")
            self.buckets[bucket.start] = bucket
        last = data.get("last_delivery")
        if last:
            self.last_delivery = Delivery(float(last[0]), int(last[1]), float(last[2]))

    def record(self, facts: CycleFacts) -> None:
        """Add one cycle, forget what is older than 24 hours, and write the file."""
        with self._lock:
            start = int(facts.at // BUCKET * BUCKET)
            bucket = self.buckets.setdefault(start, Bucket(start))
            bucket.add(
                Bucket(
                    start,
                    cycles=1,
                    failed=0 if facts.ok else 1,
                    patients=facts.patients,
                    admissions=facts.admissions,
                    discharges=facts.discharges,
                    transfers=facts.transfers,
                    latency=max((d.latency for d in facts.deliveries), default=None),
                )
            )
            if facts.deliveries:
                self.last_delivery = max(facts.deliveries, key=lambda d: d.at)
            oldest = start - SPAN
            for key in [k for k in self.buckets if k <= oldest]:
                del self.buckets[key]
            self._save()

    def _save(self) -> None:
        last = self.last_delivery
        data = {  # rows rather than objects: a third of the size (dataclasses.asdict alone took 3 ms a cycle)
            "format": FORMAT,
            "fields": _FIELDS,
            "buckets": [[getattr(self.buckets[k], name) for name in _FIELDS] for k in sorted(self.buckets)],
            "last_delivery": [last.at, last.patients, last.latency] if last else None,
        }
        temporary = self.path.with_name(FILE + ".tmp")
        try:
            temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:
            self.problem = f"o histórico não pôde ser gravado em {self.state_dir} ({type(error).__name__})"
            return
        self.problem = None

    def series(self, now: float) -> list[Bucket]:
        """The 288 buckets of the last 24 hours, oldest first (empty ones where nothing ran)."""
        last = int(now // BUCKET * BUCKET)
        with self._lock:
            return [self._copy(last - i * BUCKET) for i in range(SPAN // BUCKET - 1, -1, -1)]

    def hourly(self, now: float, series: list[Bucket] | None = None) -> list[Bucket]:
        """The last 24 hours, one bucket an hour (the current hour last), each the sum of its twelve (of `series`,
        when the caller already has it)."""
        hours = []
        series = self.series(now) if series is None else series
        per_hour = 3600 // BUCKET
        for first in range(0, len(series), per_hour):
            hour = Bucket(series[first].start)
            for bucket in series[first : first + per_hour]:
                hour.add(bucket)
            hours.append(hour)
        return hours

    def _copy(self, start: int) -> Bucket:
        bucket = self.buckets.get(start)
        return Bucket(start) if bucket is None else bucket.copy()
