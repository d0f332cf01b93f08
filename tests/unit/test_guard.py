"""The mass-discharge guard as a pure decision (contract §6): a table of cases, then whole sequences of cycles."""

from __future__ import annotations

import pytest

from connector.delivery.guard import Decision, GuardState, Held, decide
from connector.settings import GuardSettings

GUARD = GuardSettings()  # share 0.5, min 10, 3 confirmations, 60 s, agree 10%, growth 3× and 500
NOW = 10_000.0


def held(*counts: int, since: float = NOW - 600) -> tuple[Held, ...]:
    return tuple(Held(f"h{i}", count, since + i) for i, count in enumerate(counts))


CASES = [
    # (label, count, state, expected decision)
    ("first census ever", 250, GuardState(None), Decision("pending")),
    ("first census ever is empty: held", 0, GuardState(None), Decision("held", "empty")),
    ("grows", 310, GuardState(300), Decision("pending", lost=-10)),
    ("small shrink", 200, GuardState(300), Decision("pending", lost=100)),
    ("shrink over half", 140, GuardState(300), Decision("held", "shrink", 160)),
    ("shrink over half but under the minimum", 5, GuardState(14), Decision("pending", lost=9)),
    ("empty", 0, GuardState(300), Decision("held", "empty", 300)),
    ("empty after an accepted empty census", 0, GuardState(0), Decision("pending")),
    ("second agreeing shrink", 145, GuardState(300, held(140)), Decision("held", "shrink", 155, confirmations=1)),
    (
        "third further agreeing shrink confirms: only this one goes, the others are dropped",
        141,
        GuardState(300, held(140, 139, 142)),
        Decision("pending", "shrink", 159, ("h0", "h1", "h2"), "confirmed", 3, confirmed=True),
    ),
    (
        "enough confirmations but too soon after the first held one",
        141,
        GuardState(300, held(140, 139, 142, since=NOW - 30)),
        Decision("held", "shrink", 159, confirmations=3),
    ),
    (
        "a size that does not agree restarts the count",
        10,
        GuardState(300, held(140, 139)),
        Decision("held", "shrink", 290, ("h0", "h1"), "superseded"),
    ),
    (
        "within 2 patients of a tiny first held census agrees",
        2,
        GuardState(300, held(0)),
        Decision("held", "shrink", 298, confirmations=1),
    ),
    (
        "an empty census is never confirmed automatically",
        0,
        GuardState(300, held(0, 0, 0, 0, 0)),
        Decision("held", "empty", 300, confirmations=5),
    ),
    (
        "300, then 0, 0, 0: a 2-patient census agrees with the empty reads but is never confirmed automatically",
        2,
        GuardState(300, held(0, 0, 0)),
        Decision("held", "shrink", 298, confirmations=3),
    ),
    (
        "an empty read anywhere in the held run keeps the run from being confirmed",
        3,
        GuardState(300, held(2, 0, 3)),
        Decision("held", "shrink", 297, confirmations=3),
    ),
    (
        "a run without an empty read still confirms",
        3,
        GuardState(300, held(2, 1, 3)),
        Decision("pending", "shrink", 297, ("h0", "h1", "h2"), "confirmed", 3, confirmed=True),
    ),
    ("grows far beyond the baseline: held", 1000, GuardState(300), Decision("held", "growth", -700)),
    ("grows to exactly three times: accepted", 900, GuardState(300), Decision("pending", lost=-600)),
    ("more than three times but fewer than 500 more: accepted", 400, GuardState(10), Decision("pending", lost=-390)),
    ("after an accepted empty census any size is accepted", 5000, GuardState(0), Decision("pending", lost=-5000)),
    ("first census ever, however large", 400_000, GuardState(None), Decision("pending")),
    (
        "a second agreeing growth is held and counted",
        1010,
        GuardState(300, held(1000)),
        Decision("held", "growth", -710, confirmations=1),
    ),
    (
        "a growth is never confirmed automatically, however many cycles and however long",
        1000,
        GuardState(300, held(1000, 1001, 999, 1000, 1000)),
        Decision("held", "growth", -700, confirmations=5),
    ),
    (
        "back to a normal size after a growth: false alarm",
        310,
        GuardState(300, held(1000, 1000)),
        Decision("pending", lost=-10, discard=("h0", "h1"), why_discarded="false_alarm"),
    ),
    (
        "a shrink after a growth begins a new held run",
        100,
        GuardState(300, held(1000)),
        Decision("held", "shrink", 200, ("h0",), "superseded"),
    ),
    (
        "back to normal: false alarm",
        299,
        GuardState(300, held(140, 139)),
        Decision("pending", lost=1, discard=("h0", "h1"), why_discarded="false_alarm"),
    ),
]


@pytest.mark.parametrize(("label", "count", "state", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decision_table(label: str, count: int, state: GuardState, expected: Decision) -> None:
    """Each row: the census size and what the guard remembers give exactly this decision."""
    assert decide(count, state, GUARD, NOW) == expected, label


def test_the_reason_of_a_held_run_follows_from_its_newest_size() -> None:
    """What `outbox` and `/readyz` say: empty, shrink or growth, from the newest held census against the baseline."""
    assert GuardState(300, held(0)).reason == "empty"
    assert GuardState(300, held(140)).reason == "shrink"
    assert GuardState(300, held(1000)).reason == "growth"
    assert GuardState(300).reason is None


def test_growth_settings_move_the_threshold() -> None:
    """HOTELEITOS_GUARD_GROWTH and HOTELEITOS_GUARD_GROWTH_MIN: 2× and 50 more holds 700 after 300."""
    looser = GuardSettings(growth=2, growth_min=50)
    assert decide(700, GuardState(300), looser, NOW) == Decision("held", "growth", -400)
    assert decide(700, GuardState(300), GUARD, NOW).status == "pending"


def test_disabled_guard_accepts_everything() -> None:
    """With the guard off, even an empty census after a full one is pending."""
    assert decide(0, GuardState(300), GuardSettings(enabled=False), NOW).status == "pending"


def run(sizes: list[int | None], baseline: int | None, guard: GuardSettings = GUARD, step: float = 30) -> list[int]:
    """Feed a sequence of cycles (None: the read failed) through the guard, keeping its state as the outbox would;
    return the sizes that would be sent."""
    state, sent, clock = GuardState(baseline), [], NOW
    for number, size in enumerate(sizes):
        clock += step
        if size is None:  # a failed read produces no census: the guard is not asked
            continue
        decision = decide(size, state, guard, clock)
        kept = tuple(h for h in state.held if h.id not in decision.discard)
        if decision.status == "pending":
            sent.append(size)
            state = GuardState(size, kept)
        else:
            state = GuardState(state.baseline, (*kept, Held(f"c{number}", size, clock)))
    return sent


def test_flapping_sizes_never_confirm() -> None:
    """300 delivered, then 140, 10, 149, 3: sizes that do not agree restart the count; nothing is sent."""
    assert run([140, 10, 149, 3], baseline=300) == []


def test_stale_baseline_is_the_newest_accepted_census() -> None:
    """100 delivered, then 300 and 300 accepted (pending while the API is down): a broken 60 is held against 300."""
    assert run([300, 300, 60], baseline=100) == [300, 300]


def test_no_history_never_sends_an_empty_census() -> None:
    """First run: an empty census is held however many cycles confirm it; so is an empty one after a full one."""
    assert run([0] * 20, baseline=None) == []
    assert run([0] * 20, baseline=300) == []


def test_a_run_with_an_empty_read_leaves_only_through_a_census_that_is_not_a_shrink() -> None:
    """300, then 0, 0, 0, 2 and more 2s: nothing is sent (not 298 discharges); a census of 200 ends the run as usual."""
    assert run([0, 0, 0, 2], baseline=300) == []
    assert run([0, 0, 0, 2, 2, 2, 2, 2, 2], baseline=300) == []
    assert run([0, 0, 0, 2, 2, 200], baseline=300) == [200]


def test_a_failed_read_neither_confirms_nor_restarts() -> None:
    """140, failure, 141, failure, 139, 140: the failures do not count; the third agreeing cycle confirms."""
    assert run([140, None, 141, None, 139, 140], baseline=300) == [140]
    assert run([140, None, 141, 139], baseline=300) == []


def test_a_census_far_beyond_the_baseline_never_goes_alone() -> None:
    """300 delivered, then a query that lost a filter reads 40,000 every cycle: nothing is sent, however long; the
    fixed query's 305 goes as usual."""
    assert run([40_000] * 30, baseline=300) == []
    assert run([40_000] * 30 + [305], baseline=300) == [305]


def test_confirmation_needs_time_as_well_as_cycles() -> None:
    """Agreeing cycles 5 s apart: the 12th is 55 s after the first and not enough; the 13th (60 s) confirms, and
    from then on 140 is the baseline and goes out as usual."""
    assert run([140] * 12, baseline=300, step=5) == []
    assert run([140] * 13, baseline=300, step=5) == [140]
    assert run([140] * 14, baseline=300, step=5) == [140, 140]
