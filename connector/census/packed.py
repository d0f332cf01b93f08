"""The census's records kept compressed as they are read, so that a large census is never held whole.

A `Piece` is some UTF-8 text compressed on its own as raw deflate and ended on a byte boundary (a sync flush), with
the CRC-32 and the length of the text. Pieces concatenate into one valid deflate stream: the snapshot's gzip body is
the envelope's head, the census's pieces and the envelope's tail put one after the other, and its CRC-32 is
`crc32_combine`d from theirs, so nothing is ever compressed twice nor held uncompressed. (Each piece starts with an
empty window: with a few thousand records a piece the body is under 1% larger than compressed in one go.)
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

RAW = -zlib.MAX_WBITS  # deflate without a zlib or gzip wrapper
LEVEL = 1  # the fastest: the census is compressed on every cycle (50,000 patients: 23 MB become 2.3 MB in ~70 ms)


@dataclass(frozen=True)
class Piece:
    """Text compressed on its own, ready to be put next to other pieces in one deflate stream."""

    data: bytes  # raw deflate; no final block unless `last`
    crc: int  # CRC-32 of the text
    length: int  # bytes of the text

    @property
    def text(self) -> bytes:
        return zlib.decompressobj(RAW).decompress(self.data)


def piece(text: bytes, *, last: bool = False) -> Piece:
    """`text` compressed as a piece; `last` ends the deflate stream (the piece that closes a body)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, RAW)
    data = compressor.compress(text) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return Piece(data, zlib.crc32(text), len(text))


COMMA = piece(b",")


def separated(pieces: Iterable[Piece]) -> list[Piece]:
    """The pieces with a comma between each two (pieces of records: one JSON array)."""
    found: list[Piece] = []
    for item in pieces:
        found += [COMMA, item] if found else [item]
    return found


# CRC-32 arithmetic (zlib's crc32_combine, which Python's zlib does not expose): polynomials over GF(2), reflected,
# x^0 as the top bit.
_POLY = 0xEDB88320
_ONE = 1 << 31


def _multiply(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC-32 polynomial."""
    product, bit = 0, _ONE
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _power_table() -> tuple[int, ...]:
    """x^(2^k) modulo the polynomial, k = 0..31."""
    powers = [_ONE >> 1]  # x^1
    for _ in range(31):
        powers.append(_multiply(powers[-1], powers[-1]))
    return tuple(powers)


_X2N = _power_table()


def crc32_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of A+B from the CRC-32 of A, that of B and the length of B (in bytes)."""
    shift, k, n = _ONE, 3, second_length  # x^(8 n): n bytes of B shift A's remainder by 8 n bits
    while n:
        if n & 1:
            shift = _multiply(_X2N[k % 32], shift)
        n >>= 1
        k += 1
    return _multiply(shift, first) ^ second
