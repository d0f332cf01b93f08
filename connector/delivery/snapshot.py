"""A snapshot: the whole census at one instant, serialised once, sent as is on every attempt (contract §2).

Its body exists only gzip-compressed (level 1): the census's records were compressed batch by batch as they were
read (`connector.census.packed`), and the envelope's head and tail are put around them without compressing anything
twice. The outbox stores those bytes; with `HOTELEITOS_API_GZIP` the same bytes go to the API, and without it they
are decompressed a megabyte at a time as they are sent: a large census is never held uncompressed (that costs
~30 ms at 50,000 patients, 5% of the cycle, and saves holding 140 MB at 300,000). Bodies stored by earlier versions
are zlib streams; both are read back.
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from connector import __version__
from connector.census import Census
from connector.census.packed import Piece, crc32_combine, piece, separated


@dataclass(frozen=True)
class Snapshot:
    """A census ready to push: `packed` is its request body gzip-compressed, in parts that join into one gzip stream
    (the census's own compressed pieces, never copied into one), `size` the body's length, `id` its
    Idempotency-Key."""

    id: str
    captured_at: str
    count: int
    packed: tuple[bytes, ...]
    size: int

    @classmethod
    def stored(cls, snapshot_id: str, captured_at: str, count: int, packed: bytes) -> Snapshot:
        """A snapshot read back from the outbox (its gzip body, checked): the body's length is in the gzip trailer."""
        return cls(snapshot_id, captured_at, count, (packed,), int.from_bytes(packed[-4:], "little"))

    @classmethod
    def of(cls, snapshot_id: str, captured_at: str, count: int, body: bytes) -> Snapshot:
        """A snapshot of a body given whole (for tests and small bodies)."""
        return cls(snapshot_id, captured_at, count, (pack([body]),), len(body))

    @property
    def packed_size(self) -> int:
        return sum(map(len, self.packed))

    @property
    def body(self) -> bytes:
        return unpack(b"".join(self.packed))

    def parts(self) -> Iterator[bytes]:
        """The body decompressed a megabyte at a time: what is sent when the API does not take gzip."""
        inflater = zlib.decompressobj(_ANY_HEADER)
        for part in self.packed:
            pending = part
            while pending and not inflater.eof:
                produced = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                if produced:
                    yield produced
        while not inflater.eof:  # what the last input left to produce
            produced = inflater.decompress(b"", _CHUNK)
            if not produced:
                raise zlib.error("truncated body")
            yield produced


GZIP = 16 + zlib.MAX_WBITS
_ANY_HEADER = 32 + zlib.MAX_WBITS  # zlib or gzip, told apart by the stream's own header
_CHUNK = 1 << 20


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
        produced = inflater.decompress(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        if not produced and not pending:
            break
    if not inflater.eof or inflater.unused_data:
        raise zlib.error("truncated or trailing data")
    return stored


# Every gzip body starts so (as zlib writes it at level 1 on Unix: no name, no time).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03"


def gzip_of(pieces: list[Piece]) -> tuple[bytes, ...]:
    """The gzip stream of the pieces' texts one after the other, in parts (the last piece must end its deflate
    stream)."""
    crc, length = 0, 0
    for item in pieces:
        crc, length = crc32_combine(crc, item.crc, item.length), length + item.length
    return (_GZIP_HEADER, *(item.data for item in pieces), struct.pack("<II", crc, length & 0xFFFFFFFF))


def build_snapshot(census: Census, *, vendor: str, captured_at: datetime, body_format: str) -> Snapshot:
    """Serialise the census as the API expects it: the envelope (default) or the bare array."""
    snapshot_id = str(uuid.uuid4())
    stamp = captured_at.replace(microsecond=0).isoformat()
    opening, closing = "[", "]"
    if body_format == "envelope":
        head = {
            "snapshot_id": snapshot_id,
            "captured_at": stamp,
            "source": {"vendor": vendor, "connector_version": __version__},
            "count": len(census),
        }
        opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"pacientes":['
        closing = "]}"
    pieces = [piece(opening.encode("utf-8")), *separated(census.pieces), piece(closing.encode("utf-8"), last=True)]
    return Snapshot(snapshot_id, stamp, len(census), gzip_of(pieces), sum(item.length for item in pieces))
