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
    """A census ready to push; `body` is the exact request body, `id` its Idempotency-Key."""

    id: str
    captured_at: str
    count: int
    body: bytes


def build_snapshot(census: Census, *, vendor: str, captured_at: datetime, body_format: str) -> Snapshot:
    """Serialise the census as the API expects it: the envelope (default) or the bare array."""
    snapshot_id = str(uuid.uuid4())
    stamp = captured_at.replace(microsecond=0).isoformat()
    payload: object = census.records
    if body_format == "envelope":
        payload = {
            "snapshot_id": snapshot_id,
            "captured_at": stamp,
            "source": {"vendor": vendor, "connector_version": __version__},
            "count": len(census.records),
            "pacientes": census.records,
        }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Snapshot(id=snapshot_id, captured_at=stamp, count=len(census.records), body=body)
