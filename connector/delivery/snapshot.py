"""A snapshot: the whole census at one instant, serialised once, sent as is on every attempt (contract §2).

Its body is compressed once too, as gzip (level 1: the bench's 50,000-patient census of 23 MB becomes 2.3 MB in
about 50 ms): the outbox stores that, and with `HOTELEITOS_API_GZIP` the same bytes go to the API, so sending it
compressed costs nothing more. Bodies stored by earlier versions are zlib streams; both are read back.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from connector import __version__
from connector.census import Census


@dataclass(frozen=True)
class Snapshot:
    """A census ready to push: `parts` joined are the exact request body, `id` is its Idempotency-Key.

    The body stays in parts (a few thousand records each) so that a large census is never copied whole:
    the outbox compresses the parts one by one and the push streams them with a Content-Length.
    """

    id: str
    captured_at: str
    count: int
    parts: tuple[bytes, ...]
    stored: bytes | None = None  # the body as the outbox keeps it (gzip), when it was read back only so

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    @property
    def body(self) -> bytes:
        return b"".join(self.parts) if self.parts or self.stored is None else unpack(self.stored)

    @cached_property
    def packed(self) -> bytes:
        """The body gzip-compressed: what the outbox stores and, with HOTELEITOS_API_GZIP, what is sent."""
        return self.stored if self.stored is not None else pack(self.parts)


GZIP = 16 + zlib.MAX_WBITS
_ANY_HEADER = 32 + zlib.MAX_WBITS  # zlib or gzip, told apart by the stream's own header
_CHECK_CHUNK = 1 << 20


def pack(parts: Iterable[bytes]) -> bytes:
    """The parts joined and gzip-compressed at level 1 (the fastest: the body is compressed on every cycle)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, GZIP)
    return b"".join([*(compressor.compress(part) for part in parts), compressor.flush()])


def unpack(stored: bytes) -> bytes:
    """A stored body (gzip, or zlib from earlier versions) decompressed; `zlib.error` when it is damaged."""
    return zlib.decompress(stored, _ANY_HEADER)


def repack(stored: bytes) -> bytes:
    """A stored body as gzip, checked whole (its CRC) without holding it decompressed; an older zlib body is
    converted. `zlib.error` when it is damaged: a damaged body must never reach the API."""
    if not stored.startswith(b"\x1f\x8b"):
        return pack([unpack(stored)])
    inflater = zlib.decompressobj(GZIP)
    pending = stored
    while not inflater.eof:
        produced = inflater.decompress(pending, _CHECK_CHUNK)
        pending = inflater.unconsumed_tail
        if not produced and not pending:
            break
    if not inflater.eof or inflater.unused_data:
        raise zlib.error("truncated or trailing data")
    return stored


CHUNK_ROWS = 5000


def records_json(census: Census) -> bytes:
    """The census as a UTF-8 JSON array: the same bytes as `json.dumps(census.records, ensure_ascii=False,
    separators=(",", ":")).encode()`, joined from the records' texts a few thousand at a time."""
    return b"".join(_array_parts(census))


def _array_parts(census: Census) -> list[bytes]:
    texts = census.texts
    chunks = [",".join(texts[start : start + CHUNK_ROWS]).encode("utf-8") for start in range(0, len(texts), CHUNK_ROWS)]
    parts = [b"["]
    for index, chunk in enumerate(chunks):
        parts += [b",", chunk] if index else [chunk]
    parts.append(b"]")
    return parts


def build_snapshot(census: Census, *, vendor: str, captured_at: datetime, body_format: str) -> Snapshot:
    """Serialise the census as the API expects it: the envelope (default) or the bare array."""
    snapshot_id = str(uuid.uuid4())
    stamp = captured_at.replace(microsecond=0).isoformat()
    parts = _array_parts(census)
    if body_format == "envelope":
        head = {
            "snapshot_id": snapshot_id,
            "captured_at": stamp,
            "source": {"vendor": vendor, "connector_version": __version__},
            "count": len(census),
        }
        opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"pacientes":'
        parts = [opening.encode("utf-8"), *parts, b"}"]
    return Snapshot(id=snapshot_id, captured_at=stamp, count=len(census), parts=tuple(parts))
