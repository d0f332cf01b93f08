"""A snapshot: the whole census at one instant, serialised once, sent as is on every attempt (contract §2)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

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

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


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
