"""Times as the operator reads them: always in the hospital's time zone (HOTELEITOS_TIMEZONE), with its offset,
in logs, messages, `outbox` and /readyz alike, so that no two outputs disagree on what time it was."""

from __future__ import annotations

import time
from collections.abc import Callable
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


class StepWatch:
    """Tells when the wall clock was stepped (an NTP correction, a VM resumed): the wall clock moved by more than
    the monotonic one did since the last look. Elapsed time is measured on the monotonic clock; the wall clock only
    names moments, so a step must never make an age negative nor stop a schedule."""

    TOLERANCE = 2.0  # seconds of disagreement taken as drift or scheduling noise, not a step

    def __init__(self, wall: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic) -> None:
        self._wall, self._mono = wall, mono
        self._offset = wall() - mono()

    def step(self) -> float:
        """Seconds the wall clock jumped since the last call (positive: forward), or 0.0 when it did not."""
        offset = self._wall() - self._mono()
        jump, self._offset = offset - self._offset, offset  # slow drift (NTP slewing) is followed, never reported
        return jump if abs(jump) > self.TOLERANCE else 0.0


def step_message(jump: float) -> str:
    """The operator's sentence for a step of the wall clock."""
    way = "adiantado" if jump > 0 else "atrasado"
    return (
        f"o relógio do sistema foi {way} em {abs(jump):.0f} s (NTP, máquina virtual retomada); a agenda segue "
        "contando o tempo decorrido e a idade dos censos na fila não muda com o salto."
    )
