"""When cycles run: an interval (`30s`, `5m`) or a cron of 5 fields, or 6 with seconds first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_UNITS = {"s": 1, "m": 60, "h": 3600}
MAX_INTERVAL = 86400
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")
# Cron counts weekdays from Sunday = 0 (and 7); APScheduler 3 counts from Monday = 0: hand it names instead.
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_weekdays(expression: str) -> str:
    """A cron day-of-week field (numbers, ranges, lists, steps; 0 and 7 are Sunday) as a list of day names."""
    if expression in ("*", "?"):
        return "*"
    days: list[str] = []
    for token in expression.lower().split(","):
        body, _, step = token.partition("/")
        if body != "*" and not any(char.isdigit() for char in body):
            days.append(token)  # names (mon-fri) mean the same to APScheduler
            continue
        if body == "*":
            low, high = 0, 6
        elif "-" in body:
            low, high = (int(part) for part in body.split("-", 1))
        else:
            low = int(body)
            high = 7 if step else low
        if not 0 <= low <= high <= 7:
            raise ValueError(f"dia da semana fora de 0-7: {token}")
        days += [_DAY_NAMES[day % 7] for day in range(low, high + 1, int(step) if step else 1)]
    return ",".join(dict.fromkeys(days))


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
            if seconds > MAX_INTERVAL:
                raise ValueError("o intervalo máximo é 24h (um censo mais velho que isso não serve ao mapa de leitos).")
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
        if schedule._fire_times() is None:
            raise ValueError("cron que nunca dispara (ex.: 31 de fevereiro); confira dia e mês.")
        return schedule

    @classmethod
    def parse_interval(cls, value: Any) -> Schedule:
        """An interval only (`2s`, `5m`): a cron has no place where a period between two runs is meant."""
        if isinstance(value, Schedule) and value.interval is not None:
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not _INTERVAL.match(str(value)):
            raise ValueError("deve ser um intervalo, como 2s, 30s ou 5m (não um cron).")
        return cls.parse(str(value))

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
        times = self._fire_times()
        return 60.0 if times is None else float((times[1] - times[0]).total_seconds())

    def _fire_times(self) -> tuple[datetime, datetime] | None:
        """Two consecutive fire times of the cron, or None if it does not fire twice (within a few years)."""
        tz = ZoneInfo("UTC")
        trigger = self.trigger(tz)
        first = trigger.get_next_fire_time(None, datetime(2026, 1, 5, tzinfo=tz))
        if first is None:
            return None
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
        return None if second is None else (first, second)

    def __str__(self) -> str:
        return self.text
