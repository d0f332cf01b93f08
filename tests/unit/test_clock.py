"""Times for the operator: the hospital's zone with its offset; a bare hour only when it is today there."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from connector import clock

MANAUS = ZoneInfo("America/Manaus")


def test_stamp_carries_the_hospitals_offset() -> None:
    """A Unix time is shown in the hospital's zone, to the second, with the offset."""
    assert clock.stamp(0, MANAUS) == "1969-12-31T20:00:00-04:00"


def test_hour_alone_today_with_the_day_otherwise() -> None:
    """Today reads HH:MM:SS; another day also names the day (dd/mm)."""
    now = time.time()
    assert len(clock.hour(now, MANAUS)) == 8
    assert clock.hour(now + 3 * 86400, MANAUS)[2] == "/"


def test_step_watch_tells_a_step_and_follows_drift() -> None:
    """A wall clock that moves with the monotonic one, or drifts slowly, is no step; a jump of an hour back is
    told once, with its size and sign."""
    wall, mono = [1_800_000_000.0], [50.0]
    watch = clock.StepWatch(lambda: wall[0], lambda: mono[0])
    for _ in range(10):
        wall[0], mono[0] = wall[0] + 30.5, mono[0] + 30  # half a second of drift a look
        assert watch.step() == 0.0
    wall[0], mono[0] = wall[0] - 3600 + 1, mono[0] + 1
    assert watch.step() == -3600
    assert watch.step() == 0.0
