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
