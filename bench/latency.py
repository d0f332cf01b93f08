"""From a database commit to the first census that reflects it, as the receiver saw it arrive."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

# A census as the receiver kept it: when it arrived (Unix seconds) and encounter -> bed.
Census = tuple[float, dict[str, str | None]]


@dataclass(frozen=True)
class Freshness:
    """Seconds from commit to census, per change; changes no census showed (a later change to the same patient
    came first, or the run ended) are counted apart."""

    seconds: list[float]
    unseen: int

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile (NaN without samples)."""
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    def summary(self) -> dict[str, Any]:
        return {
            "samples": len(self.seconds),
            "unseen": self.unseen,
            "p50_s": self.percentile(0.5),
            "p95_s": self.percentile(0.95),
            "max_s": max(self.seconds) if self.seconds else math.nan,
        }


def reflects(commit: dict[str, Any], beds: dict[str, str | None]) -> bool:
    """The census shows the change: the encounter gone (a discharge) or in its new bed (an admission, a transfer)."""
    if commit["kind"] == "discharge":
        return commit["key"] not in beds
    return commit["key"] in beds and beds[commit["key"]] == commit["bed"]


def freshness(commits: list[dict[str, Any]], censuses: list[Census]) -> Freshness:
    """For each commit, the first census received after it that reflects it."""
    censuses = sorted(censuses, key=lambda census: census[0])
    arrivals = [at for at, _ in censuses]
    seconds, unseen = [], 0
    for commit in commits:
        start = bisect.bisect_left(arrivals, commit["committed"])
        found = next((at for at, beds in censuses[start:] if reflects(commit, beds)), None)
        if found is None:
            unseen += 1
        else:
            seconds.append(found - commit["committed"])
    return Freshness(seconds, unseen)
