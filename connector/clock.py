"""Times as the operator reads them: always in the hospital's time zone (HOTELEITOS_TIMEZONE), with its offset,
in logs, messages, `outbox` and /readyz alike, so that no two outputs disagree on what time it was."""

from __future__ import annotations

import time
from datetime import datetime, tzinfo
from typing import Any


def moment(unix: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(unix, tz)


def stamp(unix: float, tz: tzinfo) -> str:
    """`2026-11-26T14:05:00-03:00`: for tables, JSON and log fields."""
    return moment(unix, tz).isoformat(timespec="seconds")


def hour(unix: float, tz: tzinfo) -> str:
    """`14:05:00`, or `27/11 14:05:00` when it is not today in the hospital: for sentences."""
    when = moment(unix, tz)
    today = moment(time.time(), tz).date()
    return when.strftime("%H:%M:%S") if when.date() == today else when.strftime("%d/%m %H:%M:%S")


def timestamper(tz: tzinfo) -> Any:
    """A structlog processor that stamps each event in the hospital's time, milliseconds and offset included."""

    def stamp_event(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
        event["timestamp"] = datetime.now(tz).isoformat(timespec="milliseconds")
        return event

    return stamp_event
