"""Mass-discharge guard (contract §6): a census that empties beds too fast is held until confirmed; one that grows
far beyond the last is held until released.

HOTELEITOS treats a patient missing from the census as discharged, so a census that lost most of its
patients against the baseline is far more likely a broken query or a half-migrated database than a mass
discharge. Symmetrically, a census many times the baseline is far more likely a query that lost a filter (every
open encounter, the whole history) than that many admissions. `decide` is the one place that judges;
`connector.delivery.guard_state` stores its decision as it is, and is the only code that changes what the guard
remembers.

- The baseline is the newest census the connector accepted (pending or delivered, never a held one).
- Held: empty while the baseline is not (or with no baseline at all), or smaller than the baseline by more than
  `share` and by at least `min` patients (`shrink`), or more than `growth` times a baseline that is not empty and
  by at least `growth_min` patients (`growth`).
- Confirmed: `confirmations` further consecutive held cycles after the first held one, the last at least
  `confirm_seconds` after it, each within `agree_share` (at least 2 patients) of the first held one's size. A held
  census that does not agree becomes the new first held one. Only the newest held census goes out. No census of a
  held run that contains an empty read is confirmed (0, 0, 0, 2 after 300 is a source in trouble, not 298
  discharges), nor any census held for growth (a query that lost a filter returns the same census every cycle:
  agreeing cycles prove nothing): such a run ends only with `release` or a census that is not suspicious.
- A census that is not suspicious is accepted and the held ones were a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connector.settings import GuardSettings

AGREE_MIN_PATIENTS = 2


@dataclass(frozen=True)
class Held:
    """A census the guard holds: its snapshot, its size and when it was captured (Unix seconds)."""

    id: str
    count: int
    created: float


@dataclass(frozen=True)
class GuardState:
    """What the guard remembers between cycles."""

    baseline: int | None  # size of the newest accepted census; None before the first one
    held: tuple[Held, ...] = ()  # the current run of held censuses, oldest (the "first held one") first

    @property
    def reason(self) -> str | None:
        """Why the newest held census is held (`empty`, `shrink` or `growth`; None when nothing is held): every held
        census was judged against the same baseline, so its size says it."""
        if not self.held:
            return None
        newest = self.held[-1].count
        if newest == 0:
            return "empty"
        return "growth" if self.baseline is not None and newest > self.baseline else "shrink"


@dataclass(frozen=True)
class Decision:
    """What to do with a new census, and with the censuses held before it."""

    status: Literal["pending", "held"]
    reason: str | None = None  # `empty`, `shrink` or `growth` when the census is suspicious
    lost: int = 0  # patients missing against the baseline (negative: more than it)
    discard: tuple[str, ...] = ()  # held snapshots that leave the outbox
    why_discarded: str | None = None  # `false_alarm`, `superseded` (a new run began) or `confirmed` (older ones)
    confirmations: int = 0  # agreeing held cycles after the first held one, this one included
    confirmed: bool = False  # a held run was confirmed: this census goes out

    @property
    def baseline(self) -> bool:
        """Whether this census becomes the baseline (every census that is not held does)."""
        return self.status == "pending"


def suspicion(count: int, baseline: int | None, guard: GuardSettings) -> tuple[str | None, int]:
    """Why a census of `count` patients is suspicious against the baseline (`empty`, `shrink`, `growth` or None),
    and how many patients it lost (negative: gained)."""
    if not guard.enabled:
        return None, 0
    if baseline is None:
        return ("empty", 0) if count == 0 else (None, 0)
    lost = baseline - count
    if count == 0 and baseline > 0:
        return "empty", lost
    if lost > baseline * guard.share and lost >= guard.min:
        return "shrink", lost
    if baseline > 0 and count > baseline * guard.growth and -lost >= guard.growth_min:
        return "growth", lost
    return None, lost


def agrees(count: int, first: int, guard: GuardSettings) -> bool:
    """Whether a held census' size is close enough to the first held one's to confirm it."""
    return abs(count - first) <= max(guard.agree_share * first, AGREE_MIN_PATIENTS)


def decide(count: int, state: GuardState, guard: GuardSettings, now: float) -> Decision:
    """Judge a new census of `count` patients, captured at `now`, against what the guard remembers."""
    reason, lost = suspicion(count, state.baseline, guard)
    everything = tuple(h.id for h in state.held)
    if reason is None:
        return Decision("pending", lost=lost, discard=everything, why_discarded="false_alarm" if everything else None)
    first = state.held[0] if state.held else None
    if first is None or not agrees(count, first.count, guard):
        return Decision("held", reason, lost, everything, "superseded" if everything else None)
    confirmations = len(state.held)
    automatic = reason != "growth" and count > 0 and all(h.count > 0 for h in state.held)
    if automatic and confirmations >= guard.confirmations and now - first.created >= guard.confirm_seconds:
        return Decision("pending", reason, lost, everything, "confirmed", confirmations, confirmed=True)
    return Decision("held", reason, lost, confirmations=confirmations)


def held_message(reason: str | None, patients: int, baseline: int | None) -> str:
    """Why a census is held and what the operator can do, in Portuguese."""
    against = f"o último censo aceito tinha {baseline} pacientes" if baseline is not None else "não há censo anterior"
    if reason == "empty":
        return (
            f"veio vazio e {against}; um censo vazio só é enviado com `hoteleitos-connector release` "
            "(confira antes se o sistema hospitalar está mesmo sem internados)."
        )
    if reason == "growth":
        return (
            f"{patients} pacientes, muito acima do último censo aceito ({baseline}; mais de HOTELEITOS_GUARD_GROWTH "
            "vezes ele e HOTELEITOS_GUARD_GROWTH_MIN pacientes a mais): parece uma consulta que perdeu um filtro. Só "
            "é enviado com `hoteleitos-connector release` (confira antes, com `hoteleitos-connector preview`, se são "
            "mesmo os internados agora); um censo de tamanho normal encerra a retenção."
        )
    return (
        f"{patients} pacientes, e {against}; será enviado se os próximos ciclos confirmarem o mesmo "
        "tamanho, ou já com `hoteleitos-connector release`."
    )
