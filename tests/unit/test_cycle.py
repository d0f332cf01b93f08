"""The cycle's failure boundaries: reading, storing and sending fail on their own, and nothing stored is lost.

The HIS and the API are fakes here (no network, no database); the outbox is the real one, in a temporary folder.
"""

from __future__ import annotations

import errno
import sqlite3
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from structlog.testing import capture_logs

from adapters.probe import ProbeReading
from adapters.reading import Reading
from connector.census import normalise_census
from connector.commands.configuration import settings_from_values
from connector.cycle import Agent
from connector.delivery.sink import Delivery
from connector.delivery.snapshot import Snapshot
from connector.errors import RetriableSinkError, SourceError


class FakeAdapter:
    """A HIS whose census size the test sets, or that fails."""

    def __init__(self) -> None:
        self.patients = 3
        self.error: SourceError | None = None

    def read(self, engine: Engine, today: date, limit: int | None = None, *, tz: tzinfo | None = None) -> Reading:
        if self.error is not None:
            raise self.error
        rows = [(str(i), f"L{i}") for i in range(1, self.patients + 1)]
        return Reading(census=normalise_census(["cod_ocorrencia", "cod_leito"], rows, today), duration=0.01)

    def probe(self, engine: Engine, today: date, limit: float | None = None) -> ProbeReading:
        if self.error is not None:
            raise self.error
        return ProbeReading(digest=str(self.patients), rows=self.patients, duration=0.01)


class FakeSink:
    """An API that takes every snapshot, or fails with the exception the test sets."""

    def __init__(self) -> None:
        self.pushed: list[Snapshot] = []
        self.error: Exception | None = None

    def push(self, snapshot: Snapshot, _deadline: float) -> Delivery:
        if self.error is not None:
            raise self.error
        self.pushed.append(snapshot)
        return Delivery(status=200, attempts=1, latency=0.001)

    def close(self) -> None:
        pass


@pytest.fixture
def agent(tmp_path: Path) -> Any:
    settings = settings_from_values(
        {
            "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
            "source": {"vendor": "custom", "url": f"sqlite:///{tmp_path / 'his.db'}", "query_file": __file__},
            "state_dir": str(tmp_path / "state"),
        }
    )
    made = Agent(settings, adapter=FakeAdapter(), sink=FakeSink())
    yield made
    made.close()


def test_a_store_that_fails_still_sends_what_was_pending(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full while storing: the snapshot pending from before goes out, then this cycle's census from memory;
    the cycle says "disco cheio" and the folder."""
    agent.sink.error = RetriableSinkError("a API respondeu HTTP 503; nova tentativa em instantes.", status=503)
    first = agent.cycle()
    assert first.depth["pending"] == 1
    agent.sink.error = None

    def full(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("connector.delivery.guard_state.insert", full)
    with capture_logs() as logs:
        report = agent.cycle()
    assert [s.id for s in agent.sink.pushed] == [first.snapshot_id, report.snapshot_id]
    assert report.store_error is not None and "disco cheio em" in report.store_error
    assert str(agent.settings.state_dir) in report.store_error
    assert report.unstored and not report.ok and report.depth["pending"] == 0
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["store_failed"]


def test_a_failed_read_stores_nothing_and_still_sends(agent: Any) -> None:
    """The HIS is down: no snapshot at all (never an empty census), the pending one still goes out."""
    agent.sink.error = RetriableSinkError("falha de rede", status=None)
    pending = agent.cycle().snapshot_id
    agent.sink.error = None
    agent.adapter.error = SourceError("não foi possível conectar ao banco", kind="unreachable")
    with capture_logs() as logs:
        report = agent.cycle()
    assert report.snapshot_id is None and report.patients is None
    assert [s.id for s in agent.sink.pushed] == [pending]
    assert report.errors == ["não foi possível conectar ao banco"]
    assert any(e["event"] == "census_failed" and e["kind"] == "unreachable" for e in logs)


def test_an_unexpected_failure_while_sending_keeps_the_snapshot(agent: Any) -> None:
    """A defect in the send step is reported by type and place; the stored snapshot waits for the next cycle."""
    agent.sink.error = ZeroDivisionError("division by zero")
    with capture_logs() as logs:
        report = agent.cycle()
    assert report.crashes and "ZeroDivisionError" in report.crashes[0]
    assert report.depth["pending"] == 1
    crashed = [e for e in logs if e["event"] == "cycle_crashed"]
    assert crashed and crashed[0]["error_type"] == "ZeroDivisionError"
    agent.sink.error = None
    assert agent.cycle().ok
    assert [s.id for s in agent.sink.pushed] == [report.snapshot_id, agent.sink.pushed[-1].id]


def test_disk_full_error_is_an_oserror_too(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only volume (OSError) is handled like a full database file."""

    def read_only(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("connector.delivery.guard_state.insert", read_only)
    report = agent.cycle()
    assert report.store_error is not None and "OSError" in report.store_error
    assert report.crashes == []
