"""When cycles run: an interval (`30s`, `5m`) or a cron of 5 fields, or 6 with seconds first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_UNITS = {"s": 1, "m": 60, "h": 3600}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")
# Cron counts weekdays from Sunday = 0 (and 7); APScheduler 3 counts from Monday = 0: use names instead.
_WEEKDAYS = {"0": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri", "6": "sat", "7": "sun"}


def _cron_weekdays(expression: str) -> str:
    return re.sub(r"(?<![\w/])[0-7](?![\w])", lambda m: _WEEKDAYS[m.group(0)], expression)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; `text` is what the operator wrote."""

    text: str
    interval: float | None = None
    cron: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> Schedule:
        match = _INTERVAL.match(text)
        if match:
            seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
            if seconds < 1:
                raise ValueError("o intervalo mínimo é 1s.")
            return cls(text=text.strip(), interval=seconds)
        fields = text.split()
        if len(fields) == 5:
            fields = ["0", *fields]
        if len(fields) != 6:
            raise ValueError(
                "agenda inválida; use um intervalo (30s, 1m, 5m) ou um cron de 5 campos "
                "(ou 6, com os segundos primeiro, como o CRON_TIME do integrador: */30 * * * * *)."
            )
        schedule = cls(text=text.strip(), cron=tuple(fields))
        try:
            schedule.trigger(ZoneInfo("UTC"))
        except ValueError as error:
            raise ValueError(f"cron inválido ({error}).") from None
        return schedule

    def trigger(self, tz: ZoneInfo) -> Any:
        """The APScheduler trigger of this schedule."""
        if self.interval is not None:
            from apscheduler.triggers.interval import IntervalTrigger

            return IntervalTrigger(seconds=self.interval, timezone=tz)
        from apscheduler.triggers.cron import CronTrigger

        assert self.cron is not None
        values = dict(zip(_CRON_FIELDS, self.cron, strict=True))
        values["day_of_week"] = _cron_weekdays(values["day_of_week"])
        return CronTrigger(timezone=tz, **values)

    @property
    def nominal_interval(self) -> float:
        """Seconds between two cycles (for a cron, the gap between its next two fire times)."""
        if self.interval is not None:
            return self.interval
        tz = ZoneInfo("UTC")
        trigger = self.trigger(tz)
        now = datetime(2026, 1, 5, tzinfo=tz)
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
        if first is None or second is None:
            return 60.0
        return float((second - first).total_seconds())

    def __str__(self) -> str:
        return self.text
