"""Schedules: intervals and crons of 5 or 6 fields (the incumbent's CRON_TIME has seconds first)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.settings.schedule import Schedule

SP = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("30", 30), ("1m", 60), ("5M", 300), ("2h", 7200), ("1.5m", 90)]
)
def test_intervals(text: str, seconds: float) -> None:
    """Units s, m, h; a bare number is seconds."""
    assert Schedule.parse(text).interval == seconds
    assert Schedule.parse(text).nominal_interval == seconds


def test_six_field_cron_has_seconds_first() -> None:
    """*/30 * * * * * fires at :00 and :30 of every minute, like the incumbent's default."""
    schedule = Schedule.parse("*/30 * * * * *")
    trigger = schedule.trigger(SP)
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 26, 10, 0, 5, tzinfo=SP))
    assert (first.minute, first.second) == (0, 30)
    assert schedule.nominal_interval == 30


def test_five_field_cron_runs_at_second_zero() -> None:
    """*/5 * * * * fires every five minutes."""
    schedule = Schedule.parse("*/5 * * * *")
    assert schedule.nominal_interval == 300


def test_cron_weekdays_count_from_sunday() -> None:
    """Day-of-week 0 is Sunday, as in cron (APScheduler 3 alone would read Monday)."""
    trigger = Schedule.parse("0 8 * * 0").trigger(SP)
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 26, 9, 0, tzinfo=SP))  # a Thursday
    assert fire.strftime("%A") == "Sunday"
    trigger = Schedule.parse("0 0 8 * * 1-5").trigger(SP)
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 28, 9, 0, tzinfo=SP))  # a Saturday
    assert fire.strftime("%A") == "Monday"


@pytest.mark.parametrize("text", ["", "0s", "every minute", "* * *", "61 * * * * *", "* * * * * * *"])
def test_invalid_schedules_are_refused_in_portuguese(text: str) -> None:
    """The message says what is accepted."""
    with pytest.raises(ValueError, match=r"inválid|mínimo"):
        Schedule.parse(text)


@pytest.mark.parametrize(
    ("field", "days"),
    [("0-6", {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}),
     ("0-4", {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday"}),
     ("*/2", {"Sunday", "Tuesday", "Thursday", "Saturday"}),
     ("1,3,7", {"Monday", "Wednesday", "Sunday"}),
     ("mon-fri", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"})],
)  # fmt: skip
def test_cron_weekday_ranges_lists_and_steps(field: str, days: set[str]) -> None:
    """Sunday-based ranges, steps and lists mean what cron means."""
    trigger = Schedule.parse(f"0 8 * * {field}").trigger(SP)
    fire, seen = datetime(2026, 11, 26, 9, 0, tzinfo=SP), set()
    for _ in range(14):
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
        seen.add(fire.strftime("%A"))
    assert seen == days


def test_cron_that_never_fires_is_refused() -> None:
    """February 31st: refused at start, not a crash later."""
    with pytest.raises(ValueError, match="nunca dispara"):
        Schedule.parse("0 0 31 2 *")
