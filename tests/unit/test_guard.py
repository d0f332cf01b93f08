"""The mass-discharge guard as a pure decision: a table of (census size, remembered state) -> decision."""

from __future__ import annotations

import pytest

from connector.guard import Decision, GuardState, Held, decide
from connector.settings import GuardSettings

GUARD = GuardSettings()  # share 0.5, min 10, 3 confirmations


def held(*counts: int) -> tuple[Held, ...]:
    return tuple(Held(f"h{i}", count, 1000.0 + i) for i, count in enumerate(counts))


CASES = [
    # (label, count, state, expected decision)
    ("first census ever", 0, GuardState(None), Decision("pending")),
    ("grows", 310, GuardState(300), Decision("pending", lost=-10)),
    ("small shrink", 200, GuardState(300), Decision("pending", lost=100)),
    ("shrink over half", 140, GuardState(300), Decision("held", "shrink", 160)),
    ("shrink over half but under the minimum", 5, GuardState(14), Decision("pending", lost=9)),
    ("empty", 0, GuardState(300), Decision("held", "empty", 300)),
    ("empty after an empty baseline", 0, GuardState(0), Decision("pending")),
    (
        "second agreeing shrink",
        140,
        GuardState(300, held(140), "shrink"),
        Decision("held", "shrink", 160, confirmations=1),
    ),
    (
        "fourth agreeing shrink confirms",
        141,
        GuardState(300, held(140, 139, 142), "shrink"),
        Decision("pending", "shrink", 159, release=("h0", "h1", "h2"), confirmations=3),
    ),
    (
        "back to normal: false alarm",
        299,
        GuardState(300, held(140, 139), "shrink"),
        Decision("pending", lost=1, discard=("h0", "h1")),
    ),
    (
        "cause changes from shrink to empty: the count restarts",
        0,
        GuardState(300, held(140), "shrink"),
        Decision("held", "empty", 300, discard=("h0",)),
    ),
]


@pytest.mark.parametrize(("label", "count", "state", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decision_table(label: str, count: int, state: GuardState, expected: Decision) -> None:
    """Each row: the census size and what the guard remembers give exactly this decision."""
    assert decide(count, state, GUARD) == expected, label


def test_disabled_guard_accepts_everything() -> None:
    """With the guard off, even an empty census after a full one is pending."""
    assert decide(0, GuardState(300), GuardSettings(enabled=False)).status == "pending"
