"""The change probe's answer, reduced to a digest: whether the bed table changed, never what it holds.

A vendor's `probe.sql` reads a small table that changes whenever the census can have changed (the beds and
who occupies them). The connector compares digests of its rows between two runs; the rows are hashed batch by
batch as they stream in and dropped, so no bed code or encounter number is kept, logged or compared as such.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_MODULUS = 1 << 128


@dataclass(frozen=True)
class ProbeReading:
    """The probe's digest, how many rows it read and the seconds the query and the reading took."""

    digest: str
    rows: int
    duration: float


def digest_rows(batches: Iterator[Sequence[Any]]) -> tuple[str, int]:
    """An order-independent digest of the rows (the sum of each row's hash, and the row count): a database may
    hand the same rows back in another order after an unrelated update, and that is no change. Binary values are
    hashed by their bytes (the driver's buffer objects would show their address)."""
    total = count = 0
    for batch in batches:
        for row in batch:
            values = tuple(bytes(v) if isinstance(v, memoryview | bytearray) else v for v in row)
            row_hash = hashlib.blake2b(repr(values).encode(), digest_size=16).digest()
            total = (total + int.from_bytes(row_hash, "big")) % _MODULUS
            count += 1
    return f"{count}:{total:032x}", count
