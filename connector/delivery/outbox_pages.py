"""The outbox's rows read page by page, without SQLite: what a damaged file still holds when SQLite cannot reach it.

SQLite finds a row through the file's header (page size, schema) and the table's root page; a zeroed header or
root page, or a file cut short, leaves every row unreachable although most of the pages that hold them are intact.
This reader walks every page of the file (and of its WAL, whose committed frames are newer) and decodes each leaf
page of a table by the file format itself (https://sqlite.org/fileformat2.html): a row of the `snapshots` table is
recognised by its shape (twelve columns, a snapshot's status, a body that decompresses whole); a row of `state` by
its two text columns. A row whose pages are gone or whose body does not decompress is counted as lost.

Deleted rows may linger on freed pages of files written before `secure_delete` was on: a pending row at or below the
last delivered sequence (the courier notes it) was delivered already and is left out, never sent twice.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from connector.delivery.snapshot import unpack

PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
TABLE_LEAF = 13
STATUSES = frozenset({"pending", "held", "dead", "quarantined"})
WAL_MAGIC = (0x377F0682, 0x377F0683)
Value = int | float | str | bytes | None


@dataclass
class Found:
    """What the pages held: snapshot rows by their sequence (the outbox's columns but `seq`), state values, the
    sequences of snapshot rows seen but unreadable, and the largest sequence SQLite had handed out."""

    rows: dict[int, tuple[Value, ...]] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    unreadable: set[int] = field(default_factory=set)
    largest: int = 0

    @property
    def lost(self) -> int:
        """Snapshots the file held that were not read back: those seen unreadable, and the sequences missing after
        the oldest one found (and after the last delivered) up to the largest handed out."""
        if not self.rows and not self.unreadable:
            return 0
        delivered = int(self.state.get("last_delivered_seq", "0") or 0)
        start = max(min([*self.rows, *self.unreadable]), delivered + 1)
        missing = {s for s in range(start, max(self.largest, *self.rows, *self.unreadable) + 1) if s not in self.rows}
        return len(missing | {s for s in self.unreadable if s not in self.rows})


def read_pages(path: Path) -> Found:
    """Every snapshot and state row the file at `path` (and its `-wal`) still holds, by the page size that reads
    the most of them."""
    data = _read(path)
    wal = _read(Path(f"{path}-wal"))
    best = Found()
    for size in _page_sizes(data, wal):
        found = _decode(_pages(data, wal, size), size)
        if len(found.rows) + len(found.state) > len(best.rows) + len(best.state):
            best = found
    return best


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _page_sizes(data: bytes, wal: bytes) -> list[int]:
    """The page size the header or the WAL states first (a zeroed header states none), then the usual ones."""
    stated: list[int] = []
    if len(data) >= 100 and data.startswith(b"SQLite format 3\0"):
        size = struct.unpack(">H", data[16:18])[0]
        stated.append(65536 if size == 1 else size)
    if len(wal) >= 32 and struct.unpack(">I", wal[:4])[0] in WAL_MAGIC:
        stated.append(struct.unpack(">I", wal[8:12])[0])
    return list(dict.fromkeys([s for s in stated if s in PAGE_SIZES] + list(PAGE_SIZES)))


def _pages(data: bytes, wal: bytes, size: int) -> dict[int, bytes]:
    """Page number -> the newest image of that page: the file's, replaced by the WAL's committed frames."""
    pages = {n + 1: data[n * size : (n + 1) * size] for n in range(len(data) // size)}
    if len(wal) < 32 or struct.unpack(">I", wal[8:12])[0] != size:
        return pages
    salts, frame, pending = wal[16:24], 24 + size, {}
    for start in range(32, len(wal) - frame + 1, frame):
        number, commit = struct.unpack(">II", wal[start : start + 8])
        if wal[start + 8 : start + 16] != salts:
            break  # frames of an older WAL generation
        pending[number] = wal[start + 24 : start + frame]
        if commit:
            pages.update(pending)
            pending = {}
    return pages


def _decode(pages: dict[int, bytes], size: int) -> Found:
    found, candidates = Found(), []
    for number, page in pages.items():
        for rowid, record in _leaf_cells(pages, number, page, size):
            if record is None:
                found.unreadable.add(rowid)
                continue
            candidates.append((rowid, record))
    for rowid, record in candidates:
        _keep(found, rowid, record)
    last = int(found.state.get("last_delivered_seq", "0") or 0)
    for seq in [s for s, row in found.rows.items() if row[4] == "pending" and s <= last]:
        del found.rows[seq]  # delivered already: a deleted row left on a freed page
    return found


def _keep(found: Found, rowid: int, values: list[Value]) -> None:
    if len(values) == 2 and all(isinstance(v, str) for v in values):
        found.state.setdefault(str(values[0]), str(values[1]))
        return
    if values[:1] == ["snapshots"] and len(values) == 2 and isinstance(values[1], int):  # sqlite_sequence
        found.largest = max(found.largest, values[1])
        return
    if not _is_snapshot(values) or rowid in found.rows:
        return
    try:
        unpack(values[11])  # type: ignore[arg-type]
    except (zlib.error, OSError, EOFError, ValueError):
        found.unreadable.add(rowid)
        return
    found.rows[rowid] = tuple(values[1:])


def _is_snapshot(values: list[Value]) -> bool:
    return (
        len(values) == 12
        and values[0] is None
        and isinstance(values[1], str)
        and isinstance(values[2], str)
        and isinstance(values[3], int | float)
        and values[5] in STATUSES
        and isinstance(values[11], bytes)
    )


def _leaf_cells(
    pages: dict[int, bytes], number: int, page: bytes, size: int
) -> Iterator[tuple[int, list[Value] | None]]:
    """The rows of a table leaf page: (rowid, values), values None when the row's pages are gone or garbled."""
    base = 100 if number == 1 else 0
    if len(page) < base + 8 or page[base] != TABLE_LEAF:
        return
    cells = struct.unpack(">H", page[base + 3 : base + 5])[0]
    for index in range(cells):
        at = base + 8 + 2 * index
        if at + 2 > len(page):
            return
        with contextlib.suppress(IndexError, ValueError, struct.error):
            offset = struct.unpack(">H", page[at : at + 2])[0]
            length, offset = _varint(page, offset)
            rowid, offset = _varint(page, offset)
            payload = _payload(pages, page, offset, length, size)
            yield rowid, None if payload is None else _record(payload)


def _payload(pages: dict[int, bytes], page: bytes, offset: int, length: int, size: int) -> bytes | None:
    """A cell's payload, its overflow pages followed; None when one of them is missing."""
    usable = size
    most, least = usable - 35, (usable - 12) * 32 // 255 - 23
    local = length if length <= most else least + (length - least) % (usable - 4)
    local = local if local <= most else least
    payload = bytearray(page[offset : offset + local])
    if local == length:
        return bytes(payload)
    following, seen = struct.unpack(">I", page[offset + local : offset + local + 4])[0], set()
    while len(payload) < length:
        overflow = pages.get(following)
        if overflow is None or following in seen or len(overflow) < size:
            return None
        seen.add(following)
        payload += overflow[4 : 4 + min(usable - 4, length - len(payload))]
        following = struct.unpack(">I", overflow[:4])[0]
    return bytes(payload)


def _record(payload: bytes) -> list[Value] | None:
    """A record's values (https://sqlite.org/fileformat2.html#record_format); None when it does not parse."""
    try:
        header, at = _varint(payload, 0)
        types = []
        while at < header:
            kind, at = _varint(payload, at)
            types.append(kind)
        values, at = [], header
        for kind in types:
            value, at = _value(payload, at, kind)
            values.append(value)
    except (IndexError, ValueError, struct.error, UnicodeDecodeError):
        return None
    return values if at <= len(payload) else None


_INTS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _value(payload: bytes, at: int, kind: int) -> tuple[Value, int]:
    if kind == 0:
        return None, at
    if kind in _INTS:
        width = _INTS[kind]
        if at + width > len(payload):
            raise ValueError("cut")
        return int.from_bytes(payload[at : at + width], "big", signed=True), at + width
    if kind == 7:
        return struct.unpack(">d", payload[at : at + 8])[0], at + 8
    if kind in (8, 9):
        return kind - 8, at
    if kind < 12:
        raise ValueError("reserved serial type")
    width = (kind - 12) // 2
    if at + width > len(payload):
        raise ValueError("cut")
    raw = payload[at : at + width]
    return (raw if kind % 2 == 0 else raw.decode("utf-8")), at + width


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for index in range(8):
        byte = data[at + index]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + index + 1
    return (value << 8) | data[at + 8], at + 9
