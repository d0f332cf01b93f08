"""The census as it is kept while it is read: one record per encounter, compressed a batch at a time.

A large census is never held whole. Each batch's records, once they are normalised and encoded as JSON text, are
compressed into a `Piece` (see `connector.census.packed`); what stays per patient is its encounter code and the piece
that holds its record, for as long as the read lasts, and its fingerprint for the change counts (16 bytes).

Contract §1 on repeated encounters: a row without `cod_ocorrencia` is left out and counted; of an encounter read
more than once, the record with the fewest nulls is kept, ties going to the smallest text, whatever the row order.
An encounter repeated within a batch is settled before the batch is compressed; one read again in a later batch
(a join that multiplied rows, in no particular order) is settled once the read ends, by rewriting the piece that
holds its first record. Only that rare case keeps whole records aside (the best later one of each encounter).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from connector.census.changes import Fingerprint, placement
from connector.census.normalise import Issues
from connector.census.packed import Piece, piece

KEY = "cod_ocorrencia"


@dataclass(frozen=True)
class Census:
    """The normalised census: one record per encounter, in the order the rows came, each as its JSON text (the 15
    keys in contract order) in compressed `pieces` (records joined by commas). `records` decodes them when wanted.

    Encoding each record once, from its columns, as it is normalised: building dictionaries and `json.dumps` for
    the snapshot instead makes the cycle at 50,000 patients take 60-90% longer (docs/desempenho.md)."""

    pieces: tuple[Piece, ...]
    count: int
    fingerprint: Fingerprint
    issues: Issues
    rows_read: int

    def __len__(self) -> int:
        return self.count

    def array(self) -> bytes:
        """The records as one UTF-8 JSON array (decompressed: for `preview` and tests, not for the cycle)."""
        return b"[" + b",".join(item.text for item in self.pieces) + b"]"

    @cached_property
    def records(self) -> list[dict[str, str | None]]:
        found: list[dict[str, str | None]] = json.loads(self.array())
        return found


def _nulls(text: str) -> int:
    """Null fields of a record's JSON text (a value that itself holds `":null` only shifts the count: the pick stays
    deterministic)."""
    return text.count('":null')


def _better(kept: str | None, text: str) -> str:
    """Of two records of one encounter, the one to keep: fewer nulls, then the smaller text."""
    if kept is None or (_nulls(text), text) < (_nulls(kept), kept):
        return text
    return kept


def _records(item: Piece) -> list[tuple[str, str]]:
    """The records a piece holds: (encounter, JSON text re-encoded exactly as it was written)."""
    return [
        (record[KEY], json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        for record in json.loads(b"[" + item.text + b"]")
    ]


class Kept:
    """The records of a census being read, by encounter, compressed a batch at a time."""

    def __init__(self, issues: Issues) -> None:
        self.issues = issues
        self.pieces: list[Piece] = []
        self.where: dict[str, int] = {}  # encounter -> the piece that holds its record
        self.later: dict[str, str] = {}  # encounter -> its best record read in a batch after its first one's
        self.fingerprint = Fingerprint()

    def add(self, keys: Sequence[str | None], texts: Sequence[str], first: int) -> None:
        """Add a batch's records (`first` is the row number of its first row), and compress them."""
        batch: dict[str, str] = {}
        where, later, issues = self.where, self.later, self.issues
        for row, (key, text) in enumerate(zip(keys, texts, strict=True), start=first):
            if key is None:
                issues.add("missing_cod_ocorrencia", KEY, row)
                continue
            if key in where:
                issues.add("duplicate_cod_ocorrencia", KEY, row)
                later[key] = _better(later.get(key), text)
            elif key in batch:
                issues.add("duplicate_cod_ocorrencia", KEY, row)
                batch[key] = _better(batch[key], text)
            else:
                batch[key] = text
        if batch:
            where.update(dict.fromkeys(batch, len(self.pieces)))
            self.pieces.append(piece(",".join(batch.values()).encode("utf-8")))
            self.fingerprint.add(batch)

    def census(self, rows_read: int) -> Census:
        """The census read, once its last batch was added."""
        pieces, fingerprint = (self.pieces, self.fingerprint) if not self.later else self._settled()
        return Census(tuple(pieces), len(self.where), fingerprint, self.issues, rows_read)

    def _settled(self) -> tuple[list[Piece], Fingerprint]:
        """The pieces, each encounter read again in a later batch holding the better of its records."""
        pieces = list(self.pieces)
        rewritten = sorted({self.where[key] for key in self.later})
        moves: list[tuple[int, int]] = []
        for number in rewritten:
            texts = []
            for key, first in _records(pieces[number]):
                kept = _better(first, self.later[key]) if key in self.later else first
                if kept is not first:
                    moves.append((placement(key, first), placement(key, kept)))
                texts.append(kept)
            pieces[number] = piece(",".join(texts).encode("utf-8"))
        return pieces, self.fingerprint.replaced(moves)
