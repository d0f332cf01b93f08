"""What changed between two censuses, as HOTELEITOS will see it: admissions, discharges, transfers.

Like the API, an encounter missing from the new census is a discharge, a new one an admission, and one in another
bed a transfer. Only counts leave this module: no encounter, bed or patient is ever named. Between cycles the
previous census is kept as encounter -> bed only (the bed as its JSON text, cut from the record's text).
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.census import Census

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


def beds(census: Census) -> dict[str, str]:
    """Encounter -> its bed as JSON text (`"101-A"` or `null`)."""
    found = {}
    for key, text in zip(census.keys, census.texts, strict=True):
        start = text.index(_BED) + len(_BED)
        found[key] = text[start : text.index(_AFTER_BED, start)]
    return found


class ChangeTracker:
    """The previous census (encounter -> bed), and what each new census changed against it."""

    def __init__(self) -> None:
        self.previous: dict[str, str] | None = None

    def update(self, census: Census) -> Changes | None:
        """The changes against the previous census (None for the first one, which has nothing to compare with)."""
        current = beds(census)
        previous, self.previous = self.previous, current
        if previous is None:
            return None
        return Changes(
            admissions=len(current.keys() - previous.keys()),
            discharges=len(previous.keys() - current.keys()),
            transfers=sum(1 for key, bed in current.items() if key in previous and previous[key] != bed),
        )
