"""What a cycle did, as data: the cycle fills it step by step; telemetry, the CLI and the health server read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.census import Issues
from connector.census.changes import Changes
from connector.delivery.courier import Delivered, Failure, Round
from connector.delivery.guard import Decision, held_message
from connector.delivery.outbox import Entry
from connector.delivery.outbox_file import Recovery
from connector.errors import SourceError
from connector.source.oracle_connect import OracleStatus


@dataclass(frozen=True)
class ReadFailure:
    """Why the census could not be read (the error's text only: the exception itself would keep the driver's
    cursor alive through its traceback)."""

    kind: str
    message: str
    detail: str | None = None
    resumes_at: float | None = None  # Unix time reads are tried again, after a refused login

    @classmethod
    def of(cls, error: SourceError, resumes_at: float | None = None) -> ReadFailure:
        return cls(error.kind, error.message, error.detail, resumes_at)


@dataclass(frozen=True)
class ProbeOutcome:
    """What one run of the change probe saw: its digest, or why it could not run."""

    digest: str | None = None
    rows: int = 0
    duration: float = 0.0
    error: ReadFailure | None = None


@dataclass(frozen=True)
class Observation:
    """What a probe run meant: the digest changed; the first failure of a run of failures; the first success
    after one (with the seconds it lasted); a change left for later because the full reads' budget is spent."""

    changed: bool = False
    first_failure: bool = False
    recovered_after: float | None = None
    coalesced: bool = False  # a change that waits for the full reads' budget
    budget_spent: bool = False  # the first such change since the budget was last available


@dataclass
class CycleReport:
    """What one cycle did; `ok` is what `run --once` turns into its exit status."""

    cycle_id: str
    trigger: str | None = None  # with the change probe on: why this full read ran (start, changed, ...)
    patients: int | None = None
    rows: int | None = None
    extract_seconds: float = 0.0
    issues: Issues | None = None
    changes: Changes | None = None  # against the previous accepted census (None: the first, or this one held)
    read_error: ReadFailure | None = None
    oracle: OracleStatus | None = None  # an Oracle source: the driver's mode, the password's expiry warning
    snapshot_id: str | None = None
    snapshot_bytes: int = 0
    decision: Decision | None = None
    baseline: int | None = None  # the baseline the guard compared with
    store_error: str | None = None
    unstored: bool = False  # the census could not be stored and was sent (or tried) from memory
    dropped: list[tuple[Entry, str]] = field(default_factory=list)
    round: Round = field(default_factory=Round)
    crashes: list[str] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)  # the outbox started over (damaged or vanished file)
    depth: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def held(self) -> bool:
        return self.decision is not None and self.decision.status == "held" and self.store_error is None

    @property
    def guard_note(self) -> str | None:
        """Why this cycle's census is held, for the operator (None when it is not held)."""
        if not self.held or self.decision is None:
            return None
        return held_message(self.decision.reason, self.patients or 0, self.baseline)

    @property
    def delivered(self) -> list[Delivered]:
        return self.round.delivered

    @property
    def rejected(self) -> list[Failure]:
        return self.round.rejected

    @property
    def errors(self) -> list[str]:
        """Operator messages of everything that went wrong, in the order it happened."""
        texts = [self.read_error.message] if self.read_error else []
        texts += [self.store_error] if self.store_error else []
        return texts + self.round.errors + self.crashes

    @property
    def cause(self) -> str | None:
        """The last failure, for /readyz: a delivery failure as the API's answer says it; a failed read by its
        kind only (the database's own message, with its host and user, stays in the logs)."""
        failures = self.round.errors + self.crashes
        if failures:
            return failures[-1].rstrip(".")
        if self.store_error:
            return self.store_error.rstrip(".")
        if self.read_error is not None:
            return f"o censo não foi lido do banco ({self.read_error.kind}; veja census_failed nos logs)"
        return None

    @property
    def ok(self) -> bool:
        """Everything read was delivered and nothing was lost: a census quarantined, or an outbox that started over
        from a damaged file (what it held may be gone), is not ok."""
        return (
            self.patients is not None
            and not self.rejected
            and not self.errors
            and not self.round.quarantined
            and not any(recovery.kind == "corrupt" for recovery in self.recoveries)
            and self.depth.get("pending", 0) == 0
            and self.depth.get("held", 0) == 0
        )
