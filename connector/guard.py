"""Mass-discharge guard (contract §6): a census that empties beds too fast is held until confirmed.

HOTELEITOS treats a patient missing from the census as discharged, so a census that lost most of its
patients against the baseline is far more likely a broken query or a half-migrated database than a mass
discharge. `decide` is the one place that judges; the cycle stores its decision as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connector.settings import GuardSettings


@dataclass(frozen=True)
class Held:
    """A census the guard holds: its snapshot, its size and when it was captured (Unix seconds)."""

    id: str
    count: int
    created: float


@dataclass(frozen=True)
class GuardState:
    """What the guard remembers between cycles."""

    baseline: int | None  # the size of the census it compares with; None before the first one
    held: tuple[Held, ...] = ()  # held censuses, oldest first
    reason: str | None = None  # why they are held: `empty` or `shrink`


@dataclass(frozen=True)
class Decision:
    """What to do with a new census, and with the censuses held before it."""

    status: Literal["pending", "held"]
    reason: str | None = None  # `empty` or `shrink` when the census is suspicious
    lost: int = 0  # patients missing against the baseline
    discard: tuple[str, ...] = ()  # held snapshots dropped as a false alarm
    release: tuple[str, ...] = ()  # held snapshots confirmed: they go out now
    confirmations: int = 0  # agreeing cycles so far, this one excluded

    @property
    def confirmed(self) -> bool:
        return bool(self.release)


def suspicion(count: int, baseline: int | None, guard: GuardSettings) -> tuple[str | None, int]:
    """Why a census of `count` patients is suspicious against the baseline (`empty`, `shrink` or None), and
    how many patients it lost."""
    if not guard.enabled or baseline is None or baseline == 0:
        return None, 0
    lost = baseline - count
    if count == 0:
        return "empty", lost
    if lost > baseline * guard.share and lost >= guard.min:
        return "shrink", lost
    return None, lost


def decide(count: int, state: GuardState, guard: GuardSettings) -> Decision:
    """Judge a new census of `count` patients against what the guard remembers."""
    reason, lost = suspicion(count, state.baseline, guard)
    held = state.held
    discard: tuple[str, ...] = ()
    if held and reason != state.reason:  # the alarm was false, or its cause changed
        discard, held = tuple(h.id for h in held), ()
    if reason is None:
        return Decision("pending", lost=lost, discard=discard)
    if len(held) >= guard.confirmations:
        return Decision("pending", reason, lost, discard, release=tuple(h.id for h in held), confirmations=len(held))
    return Decision("held", reason, lost, discard, confirmations=len(held))
