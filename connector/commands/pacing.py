"""With the change probe on (`HOTELEITOS_CHANGE_PROBE`): when to read the whole census. A pure decision.

One loop ticks every probe interval: it runs the probe, tells the `Pacer` what it saw, and asks whether a full
census cycle is due. One is due, with the reason logged and counted as its trigger:

    start            the first tick
    changed          the probe's digest differs from the previous one (a bed was taken, freed or changed hands)
    full_read_every  HOTELEITOS_FULL_READ_EVERY has passed since the last full read, whatever the probe says
    schedule         the probe fails, or the last cycle left something undone (a failed read, a census held by
                     the guard or still waiting for the API): the schedule's cadence, exactly as without the probe

While the probe fails it is tried again only when the schedule's cycle is due, not every tick, so a database
that is down or refuses the user is not asked every two seconds.

Full reads have a budget, so that the probe is never the more expensive choice: never more of them in any hour than
the schedule it replaces would run (`BUDGET_SHARE` of them; the rest is left to the probe's own small reads). It is
a token bucket: `burst` reads may follow one another at once (a few changes close together are each read as they
come), then a new read is allowed every `3600 / (budget - burst)` seconds. Every full read takes a token, whatever
started it; only a change waits for one. While none is left, the changes the probe sees are coalesced: they are
read together by the next full read, at most that interval later (counted in `hoteleitos_probe_changes_coalesced_total`
and said once in the log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from connector.ops.cycle_report import CycleReport, Observation, ProbeOutcome
from connector.settings import Settings
from connector.settings.schedule import Schedule

BUDGET_SHARE = 0.95  # of the schedule's full reads per hour, for full reads with the probe on
MAX_BURST = 5  # full reads that may follow one another before the budget's pace applies


@dataclass(frozen=True)
class Budget:
    """Full reads per hour (`per_hour`), of which `burst` may come at once; the rest refill evenly."""

    per_hour: int
    burst: int

    @classmethod
    def of(cls, schedule: Schedule) -> Budget:
        """The budget of a schedule: `BUDGET_SHARE` of the full reads it runs in an hour (at least 2)."""
        per_hour = max(2, math.floor(BUDGET_SHARE * 3600 / schedule.nominal_interval))
        return cls(per_hour, max(1, min(MAX_BURST, per_hour // 10)))

    @property
    def refill(self) -> float:
        """Seconds for one more full read once the burst is spent."""
        return 3600 / (self.per_hour - self.burst)


class Pacer:
    """The state the decision needs: the last digest, whether the probe fails, when the last full read ran, and
    how much of the full reads' budget is left."""

    def __init__(self, probe_every: float, full_every: float, schedule: Schedule, tz: ZoneInfo) -> None:
        self.probe_every = probe_every
        self.full_every = full_every
        self.schedule = schedule
        self.tz = tz
        self.digest: str | None = None
        self.changed = False  # a change seen and not yet read
        self.failing_since: float | None = None
        self.settled = True  # the last cycle delivered everything it read
        self.last_full: float | None = None
        self.next_scheduled = 0.0  # monotonic time of the schedule's next cycle (the fallback)
        self.budget = Budget.of(schedule)
        self.tokens = float(self.budget.burst)  # full reads allowed now (below 0 after reads nothing could wait)
        self.tokens_at = 0.0  # monotonic time the tokens were counted
        self.coalescing = False  # changes wait for the budget: said once, until it is back

    @classmethod
    def of(cls, settings: Settings) -> Pacer:
        """The pacer of these settings (the change probe on)."""
        assert settings.change_probe is not None
        every, full = settings.change_probe.nominal_interval, settings.full_read_every.nominal_interval
        return cls(every, full, settings.schedule, settings.tz)

    def should_probe(self, now: float) -> bool:
        """Every tick while the probe works; while it fails, only when the schedule's cycle is due."""
        return self.failing_since is None or now >= self.next_scheduled

    def observe(self, outcome: ProbeOutcome, now: float) -> Observation:
        """Note one probe run (a run cut by the agent's stop says nothing and is ignored)."""
        if outcome.error is not None:
            if outcome.error.kind == "stopped":
                return Observation()
            first = self.failing_since is None
            self.failing_since = now if first else self.failing_since
            return Observation(first_failure=first)
        recovered = None if self.failing_since is None else now - self.failing_since
        self.failing_since = None
        changed = outcome.digest != self.digest
        self.digest = outcome.digest
        self.changed = self.changed or changed
        spent = self.last_full is not None and self._tokens(now) < 1
        coalesced = changed and spent
        first = coalesced and not self.coalescing
        self.coalescing = (self.coalescing or coalesced) and (spent or self.changed)
        return Observation(changed=changed, recovered_after=recovered, coalesced=coalesced, budget_spent=first)

    def due(self, now: float) -> str | None:
        """Why a full cycle must run now, or None."""
        if self.last_full is None:
            return "start"
        if self.changed and self._tokens(now) >= 1:
            return "changed"
        if now - self.last_full >= self.full_every:
            return "full_read_every"
        if (self.failing_since is not None or not self.settled) and now >= self.next_scheduled:
            return "schedule"
        return None

    def cycled(self, now: float, *, settled: bool, wall: datetime) -> None:
        """A full cycle ran (started at monotonic `now`, wall-clock `wall`); `settled`: it left nothing undone."""
        self.tokens = max(-float(self.budget.burst), self._tokens(now) - 1)  # a debt, bounded
        self.tokens_at = now
        self.last_full, self.changed, self.settled = now, False, settled
        self.next_scheduled = now + self._schedule_gap(wall)

    def sleep(self, tick_started: float, now: float) -> float:
        """Seconds until the next tick: a probe interval after this one began, or sooner when the schedule's
        fallback cycle is due before that."""
        wait = self.probe_every - (now - tick_started)
        if self.failing_since is not None or not self.settled:
            wait = min(wait, self.next_scheduled - now)
        return max(0.0, wait)

    def noted(self, began: float, wall: datetime, report: CycleReport) -> None:
        """`cycled` for the cycle that began at `began` (`wall`) and ended with `report`."""
        self.cycled(began, settled=report.ok, wall=wall)

    def next_cycle_in(self, now: float) -> float:
        """Seconds until the next full cycle at the latest, if nothing changes before."""
        latest = (self.last_full or now) + self.full_every
        if self.failing_since is not None or not self.settled:
            latest = min(latest, self.next_scheduled)
        if self.changed:  # a change waits for the budget: read as soon as a full read is allowed again
            latest = min(latest, now + max(0.0, 1 - self._tokens(now)) * self.budget.refill)
        return max(0.0, latest - now)

    def _tokens(self, now: float) -> float:
        """Full reads the budget allows at `now`: the burst at most, refilled one per `refill` seconds."""
        if self.last_full is None:
            return float(self.budget.burst)
        refilled = self.tokens + max(0.0, now - self.tokens_at) / self.budget.refill
        return min(float(self.budget.burst), refilled)

    def _schedule_gap(self, wall: datetime) -> float:
        """Seconds from `wall` to the schedule's next run: its interval, or the cron's next fire time."""
        if self.schedule.interval is not None:
            return self.schedule.interval
        fire = self.schedule.trigger(self.tz).get_next_fire_time(None, wall + timedelta(milliseconds=1))
        return self.schedule.nominal_interval if fire is None else max(0.0, (fire - wall).total_seconds())
