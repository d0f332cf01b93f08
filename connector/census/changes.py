"""What changed between two censuses, as HOTELEITOS will see it: admissions, discharges, transfers.

Like the API, an encounter missing from the new census is a discharge, a new one an admission, and one in another
bed a transfer. Only counts leave this module: no encounter, bed or patient is ever named. Between cycles the
previous census is kept as hashes only (of each encounter, and of each encounter with its bed), a few bytes a patient.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Protocol

# In a record's JSON text (keys in contract order) the bed sits between these two keys; a value's own quotes are
# escaped (`\"`), so neither marker can occur inside a value.
_BED = ',"cod_leito":'
_AFTER_BED = ',"convenio_codigo":'


@dataclass(frozen=True)
class Changes:
    """Counts of what changed since the previous census."""

    admissions: int = 0
    discharges: int = 0
    transfers: int = 0

    def __bool__(self) -> bool:
        return bool(self.admissions or self.discharges or self.transfers)


def bed(text: str) -> str:
    """The bed of a record's JSON text, as JSON text (`"101-A"` or `null`)."""
    start = text.index(_BED) + len(_BED)
    return text[start : text.index(_AFTER_BED, start)]


def placement(key: str, text: str) -> int:
    """The hash of an encounter with its bed, from its record's JSON text."""
    return hash((key, bed(text)))


@dataclass(frozen=True)
class Fingerprint:
    """A census as the change counts need it, small enough to keep between cycles: a hash of each encounter and a
    hash of each (encounter, bed) pair, in arrays of 64-bit integers (about 16 bytes a patient). It is taken as the
    census is read, a batch of records at a time."""

    encounters: array[int] = field(default_factory=lambda: array("q"))
    placements: array[int] = field(default_factory=lambda: array("q"))

    def add(self, records: dict[str, str]) -> None:
        """Take in records (encounter -> JSON text)."""
        self.encounters.extend(map(hash, records))
        self.placements.extend(map(hash, zip(records, map(bed, records.values()), strict=True)))  # as `placement`

    def replaced(self, moves: list[tuple[int, int]]) -> Fingerprint:
        """The fingerprint after some encounters' records were replaced by others: their (old, new) placements."""
        stale = {old for old, new in moves if old != new}
        if not stale:
            return self
        kept = array("q", (p for p in self.placements if p not in stale))
        kept.extend(new for old, new in moves if old != new)
        return Fingerprint(self.encounters, kept)


class Fingerprinted(Protocol):
    """A census, as the change counts see it."""

    @property
    def fingerprint(self) -> Fingerprint: ...


class ChangeTracker:
    """The previous census (its fingerprint), and what each new census changed against it."""

    def __init__(self) -> None:
        self.previous: Fingerprint | None = None

    def update(self, census: Fingerprinted) -> Changes | None:
        """The changes against the previous census (None for the first one, which has nothing to compare with).

        Encounters in both censuses whose (encounter, bed) pair is not in both moved: a transfer."""
        current = census.fingerprint
        previous, self.previous = self.previous, current
        if previous is None:
            return None
        staying = _common(current.encounters, previous.encounters)
        unmoved = _common(current.placements, previous.placements)
        return Changes(
            admissions=len(current.encounters) - staying,
            discharges=len(previous.encounters) - staying,
            transfers=staying - unmoved,
        )


def _common(new: array[int], old: array[int]) -> int:
    """How many of the (distinct) hashes in `new` are in `old`, with one set alive at a time: a million patients'
    hashes are some 60 MB as a set."""
    remaining = set(new)
    before = len(remaining)
    remaining.difference_update(old)
    return before - len(remaining)
