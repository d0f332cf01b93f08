"""Mass-discharge guard (contract §6): a census that empties beds too fast is held until confirmed.

HOTELEITOS treats a patient missing from the census as discharged, so a census that lost most of
its patients against the last delivered one is far more likely a broken query or a half-migrated
database than a mass discharge.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.settings import GuardSettings


@dataclass(frozen=True)
class Verdict:
    """Whether a census must be held, and why (`empty` or `shrink`)."""

    hold: bool
    reason: str | None = None
    lost: int = 0


def assess(count: int, last_delivered: int | None, guard: GuardSettings) -> Verdict:
    """Compare a census' size with the last delivered one."""
    if not guard.enabled or last_delivered is None or last_delivered == 0:
        return Verdict(hold=False)
    lost = last_delivered - count
    if count == 0:
        return Verdict(hold=True, reason="empty", lost=lost)
    if lost > last_delivered * guard.share and lost >= guard.min:
        return Verdict(hold=True, reason="shrink", lost=lost)
    return Verdict(hold=False, lost=lost)
