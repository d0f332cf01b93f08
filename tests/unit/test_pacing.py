"""The change probe's pacing as a pure decision, the probe's digest and the census change counts."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.probe import digest_rows
from connector.census import Census, normalise_census
from connector.census.changes import Changes, ChangeTracker, bed
from connector.commands.configuration import settings_from_values
from connector.commands.pacing import Pacer
from connector.cycle import Agent
from connector.errors import SourceError
from connector.ops.cycle_report import ProbeOutcome, ReadFailure
from connector.settings.schedule import Schedule

SP = ZoneInfo("America/Sao_Paulo")
WALL = datetime(2026, 11, 26, 10, 0, 0, tzinfo=SP)


def ok(digest: str) -> ProbeOutcome:
    return ProbeOutcome(digest=digest, rows=3, duration=0.001)


def failed(kind: str = "unreachable") -> ProbeOutcome:
    return ProbeOutcome(error=ReadFailure(kind, "o banco não respondeu."))


def pacer(schedule: str = "30s") -> Pacer:
    return Pacer(2, 300, Schedule.parse(schedule), SP)


def started(at: float = 0.0, digest: str = "A") -> Pacer:
    """A pacer whose first tick probed `digest` and ran the start cycle, which delivered."""
    p = pacer()
    p.observe(ok(digest), at)
    assert p.due(at) == "start"
    p.cycled(at, settled=True, wall=WALL)
    return p


def test_the_first_tick_reads_the_census_then_only_changes_do() -> None:
    """Start: one full read; the same digest afterwards reads nothing; a new digest reads at once."""
    p = started()
    for now in (2, 4, 30, 60, 120):
        p.observe(ok("A"), now)
        assert p.due(now) is None, now
    seen = p.observe(ok("B"), 122)
    assert seen.changed and p.due(122) == "changed"
    p.cycled(122, settled=True, wall=WALL)
    p.observe(ok("B"), 124)
    assert p.due(124) is None


def test_a_full_read_runs_every_full_read_every_whatever_the_probe_says() -> None:
    """Nothing changes for five minutes: the census is still read and pushed, then five minutes later again."""
    p = started()
    p.observe(ok("A"), 298)
    assert p.due(298) is None
    p.observe(ok("A"), 300)
    assert p.due(300) == "full_read_every"
    p.cycled(300, settled=True, wall=WALL)
    assert p.due(598) is None and p.due(600) == "full_read_every"


def test_a_change_read_restarts_the_full_read_clock() -> None:
    """A change read at 200 s counts as the full read: the next one without a change is due at 500 s."""
    p = started()
    p.observe(ok("B"), 200)
    p.cycled(200, settled=True, wall=WALL)
    assert p.due(499) is None and p.due(500) == "full_read_every"


def test_a_failing_probe_falls_back_to_the_schedule_and_is_tried_only_then() -> None:
    """The first failure is flagged once; until recovery, cycles follow the 30 s schedule and the probe is retried
    only when one is due, not every tick."""
    p = started()
    first = p.observe(failed(), 10)
    assert first.first_failure and not p.observe(failed(), 30).first_failure
    assert not p.should_probe(12) and p.due(12) is None
    assert p.should_probe(30) and p.due(30) == "schedule"
    p.cycled(30, settled=True, wall=WALL)
    assert not p.should_probe(40) and p.due(59) is None and p.due(60) == "schedule"


def test_ticks_come_every_probe_interval_or_at_the_fallback_cycle() -> None:
    """The next tick is a probe interval after this one began; while falling back, no later than the schedule's
    cycle (a 1 s schedule is not stretched to 2 s by the tick)."""
    p = started()
    assert p.sleep(10, 10.5) == 1.5 and p.sleep(10, 13) == 0
    p.observe(failed(), 10.2)
    p.cycled(10.3, settled=True, wall=WALL)
    assert p.sleep(12, 12.2) == pytest.approx(1.8)
    fast = Pacer(2, 300, Schedule.parse("1s"), SP)
    fast.observe(failed(), 0)
    fast.cycled(0.1, settled=True, wall=WALL)
    assert fast.sleep(0, 0.3) == pytest.approx(0.8)


def test_recovery_is_flagged_once_and_a_change_meanwhile_is_read() -> None:
    """The first success after failures says how long they lasted; a digest that moved meanwhile reads at once."""
    p = started()
    p.observe(failed(), 10)
    back = p.observe(ok("C"), 30)
    assert back.recovered_after == 20 and back.changed
    assert p.due(30) == "changed"
    p.cycled(30, settled=True, wall=WALL)
    again = p.observe(ok("C"), 32)
    assert again.recovered_after is None and p.should_probe(33)


def test_a_cycle_that_left_work_undone_brings_the_schedule_back() -> None:
    """A failed read, a held census or a pending push: the next cycles follow the schedule until one settles."""
    p = started()
    p.observe(ok("B"), 10)
    p.cycled(10, settled=False, wall=WALL)
    p.observe(ok("B"), 20)
    assert p.due(20) is None and p.due(40) == "schedule"
    p.cycled(40, settled=True, wall=WALL)
    assert p.due(70) is None


def test_a_probe_cut_by_the_stop_is_neither_a_failure_nor_a_change() -> None:
    """SIGTERM during a probe says nothing about the database."""
    p = started()
    seen = p.observe(failed("stopped"), 5)
    assert not seen.first_failure and p.should_probe(6) and p.due(6) is None


def test_the_cron_schedule_gives_the_fallback_its_next_fire_time() -> None:
    """With a cron schedule, the fallback cycle waits for the cron's next fire time."""
    p = pacer("*/30 * * * * *")
    p.observe(ok("A"), 0)
    p.cycled(0, settled=False, wall=datetime(2026, 11, 26, 10, 0, 10, tzinfo=SP))
    assert p.due(19) is None and p.due(20) == "schedule"
    assert p.next_cycle_in(5) == 15


def simulate(changes_per_hour: float, hours: float = 3, schedule: str = "30s") -> tuple[list[float], int, int]:
    """The pace loop on a clock of its own: a probe every 2 s, a change every `3600 / changes_per_hour` seconds
    (a new digest), a full read whenever the pacer says one is due. Returns the full reads' start times, the
    changes coalesced and how often the log was told the budget was spent."""
    p = Pacer(2, 300, Schedule.parse(schedule), SP)
    gap, next_change, digest = 3600 / changes_per_hour, 0.0, 0
    reads: list[float] = []
    coalesced = told = 0
    now = 0.0
    while now < hours * 3600:
        if now >= next_change:
            digest, next_change = digest + 1, next_change + gap
        seen = p.observe(ok(str(digest)), now)
        coalesced, told = coalesced + seen.coalesced, told + seen.budget_spent
        if p.due(now) is not None:
            reads.append(now)
            p.cycled(now, settled=True, wall=WALL)
        now += 2
    return reads, coalesced, told


def most_in_an_hour(reads: list[float]) -> int:
    return max(sum(1 for other in reads if start <= other < start + 3600) for start in reads)


@pytest.mark.parametrize("per_hour", [30, 100, 450, 1800])
def test_full_reads_never_pass_the_schedule_in_any_hour(per_hour: int) -> None:
    """However many beds change, no hour holds more full reads than the 30 s schedule's 120 (the budget is 95% of
    them: 114), and no change waits longer than the schedule would have made it wait (30 s) plus a probe tick."""
    reads, _coalesced, _told = simulate(per_hour)
    assert most_in_an_hour(reads) <= 114
    waits = [later - earlier for earlier, later in itertools.pairwise(reads)]
    assert max(waits) <= 300  # the full read still comes every FULL_READ_EVERY
    if per_hour >= 450:
        assert max(waits) <= 3600 / (114 - 5) + 2  # one read per refill while the changes keep coming


def test_a_quiet_hour_reads_every_change_as_it_comes() -> None:
    """At 30 and 100 changes an hour the budget is never spent: every change is read at the tick that saw it."""
    for per_hour in (30, 100):
        reads, coalesced, told = simulate(per_hour)
        assert coalesced == 0 and told == 0, per_hour
        assert len(reads) >= per_hour * 3, per_hour


def test_a_burst_of_changes_is_read_at_once_then_coalesced_and_said_once() -> None:
    """Five changes in a row are each read at once (the burst); the sixth waits for the budget, coalesced with
    the ones after it, counted each, and the log is told once, not every change."""
    p = started(0, "A")  # the start read took a token
    now, reads = 2.0, []
    for digest in "BCDEFGHIJ":
        seen = p.observe(ok(digest), now)
        if p.due(now) is not None:
            reads.append(now)
            p.cycled(now, settled=True, wall=WALL)
        else:
            assert seen.coalesced
        now += 2
    assert len(reads) == 4  # the start took one of the five
    gap = 3600 / (114 - 5)
    assert p.next_cycle_in(now) == pytest.approx(gap - (now - reads[-1]), abs=0.1) or p.next_cycle_in(now) < gap
    assert p.due(reads[-1] + gap + 0.1) == "changed"


def test_the_budget_follows_the_schedule_it_replaces() -> None:
    """A 5 min schedule: 11 full reads an hour at most (95% of 12), one at a time."""
    reads, coalesced, told = simulate(450, schedule="5m")
    assert most_in_an_hour(reads) <= 12 and coalesced > 0 and told >= 1
    assert Pacer(2, 300, Schedule.parse("5m"), SP).budget.per_hour == 11


def test_the_digest_ignores_row_order_and_sees_any_change() -> None:
    """Same rows in another order or batching: same digest; a bed freed, a row more or less: another."""
    rows = [("101", "O", 5001), ("102", "L", None), ("103", "O", 5002)]
    digest, count = digest_rows(iter([rows]))
    assert count == 3
    assert digest_rows(iter([rows[2:], rows[:2]]))[0] == digest
    assert digest_rows(iter([[("101", "O", 5001), ("102", "L", None), ("103", "L", None)]]))[0] != digest
    assert digest_rows(iter([[*rows, rows[0]]]))[0] != digest
    assert digest_rows(iter([rows, [("104", "V", None)]]))[0] != digest
    assert digest_rows(iter([[(memoryview(b"101"),)]]))[0] == digest_rows(iter([[(b"101",)]]))[0]


COLUMNS = ["cod_ocorrencia", "cod_leito", "paciente_nome", "cod_quarto"]


def census(*rows: tuple[str, str | None]) -> Census:
    return normalise_census(COLUMNS, [(key, bed, f"PACIENTE {key}", "Q,\"cod_leito\":1") for key, bed in rows],
                            date(2026, 11, 26))  # fmt: skip


def test_beds_are_cut_from_the_record_text_even_when_a_value_looks_like_a_key() -> None:
    """A room label that contains `,"cod_leito":` cannot fool the cut from the texts (its quotes are escaped)."""
    texts = census(("1", "101-A"), ("2", None)).array().decode()[1:-1].split(',{"cod_ocorrencia"')
    assert [bed(text) for text in texts] == ['"101-A"', "null"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([("1", "A"), ("2", "B")], [("1", "A"), ("2", "B")], Changes()),
        ([("1", "A"), ("2", "B")], [("1", "A"), ("2", "B"), ("3", "C")], Changes(admissions=1)),
        ([("1", "A"), ("2", "B")], [("1", "A")], Changes(discharges=1)),
        ([("1", "A"), ("2", "B")], [("1", "C"), ("2", "B")], Changes(transfers=1)),
        ([("1", "A"), ("2", None)], [("1", "A"), ("2", "B")], Changes(transfers=1)),
        ([("1", "A"), ("2", "B")], [("2", "A"), ("3", "B")], Changes(admissions=1, discharges=1, transfers=1)),
        ([("1", "A")], [], Changes(discharges=1)),
    ],
)
def test_changes_against_the_previous_census(
    before: list[tuple[str, str | None]], after: list[tuple[str, str | None]], expected: Changes
) -> None:
    """New encounters are admissions, missing ones discharges, another bed a transfer; the first census has none."""
    tracker = ChangeTracker()
    assert tracker.update(census(*before)) is None
    assert tracker.update(census(*after)) == expected


class RefusingAdapter:
    """A HIS that refuses the password: to the probe and to the census read alike; counts the logins tried."""

    def __init__(self) -> None:
        self.logins = 0

    def probe(self, _engine: Any, _today: Any, _limit: float | None = None) -> Any:
        self.logins += 1
        raise SourceError("o banco recusou o usuário ou a senha.", kind="auth")

    def read(self, *_args: Any, **_kwargs: Any) -> Any:
        self.logins += 1
        raise SourceError("o banco recusou o usuário ou a senha.", kind="auth")


def test_a_probe_refused_by_the_database_pauses_reads_like_a_refused_census(tmp_path: Path) -> None:
    """A wrong password seen by the probe starts the same pause as a census read: the next read and the next probe
    wait, so the probe never adds logins that could lock the account."""
    settings = settings_from_values(
        {
            "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
            "source": {"vendor": "custom", "url": f"sqlite:///{tmp_path / 'his.db'}", "query_file": __file__},
            "state_dir": str(tmp_path / "state"),
        }
    )
    adapter = RefusingAdapter()
    agent = Agent(settings, adapter=adapter)
    try:
        first = agent.probe()
        assert first.error is not None and first.error.kind == "auth" and "Próxima tentativa" in first.error.message
        second = agent.probe()
        assert second.error is not None and second.error.kind == "auth_paused"
        report = agent.cycle()
        assert report.read_error is not None and report.read_error.kind == "auth_paused"
        assert adapter.logins == 1
    finally:
        agent.close()


def test_readiness_waits_for_the_full_read_when_the_probe_is_on(tmp_path: Path) -> None:
    """/readyz's default window covers FULL_READ_EVERY (and two schedule intervals) when nothing changes; with the
    probe off it stays three schedule intervals, at least 60 s."""
    base = {
        "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
        "source": {"vendor": "mv", "url": f"sqlite:///{tmp_path / 'his.db'}"},
    }
    assert settings_from_values(base).ready_window == 90
    assert settings_from_values({**base, "change_probe": "2s"}).ready_window == 300 + 60
    assert settings_from_values({**base, "change_probe": "2s", "full_read_every": "1m"}).ready_window == 120
    explicit = settings_from_values({**base, "change_probe": "2s", "health": {"ready_window": 45}})
    assert explicit.ready_window == 45
