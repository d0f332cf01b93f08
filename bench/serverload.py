"""Database load as the server counts it: rows and buffers read per table, from `pg_stat_user_tables` and
`pg_statio_user_tables`, as the difference between two snapshots, normalised per hour."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

_QUERY = """
SELECT s.schemaname || '.' || s.relname AS name,
       COALESCE(s.seq_scan, 0), COALESCE(s.seq_tup_read, 0), COALESCE(s.idx_scan, 0), COALESCE(s.idx_tup_fetch, 0),
       COALESCE(io.heap_blks_read, 0) + COALESCE(io.heap_blks_hit, 0),
       COALESCE(io.idx_blks_read, 0) + COALESCE(io.idx_blks_hit, 0),
       COALESCE(io.heap_blks_read, 0) + COALESCE(io.idx_blks_read, 0)
FROM pg_stat_user_tables s JOIN pg_statio_user_tables io ON io.relid = s.relid
"""
FIELDS = ("seq_scans", "seq_rows", "idx_scans", "idx_rows", "heap_buffers", "idx_buffers", "disk_reads")


@dataclass(frozen=True)
class TableLoad:
    """What the server did on one table: scans, rows read, buffers touched (shared hits + reads), of which from
    outside shared buffers."""

    seq_scans: float = 0
    seq_rows: float = 0
    idx_scans: float = 0
    idx_rows: float = 0
    heap_buffers: float = 0
    idx_buffers: float = 0
    disk_reads: float = 0

    @property
    def rows(self) -> float:
        """Rows read: by sequential scans and fetched through indexes."""
        return self.seq_rows + self.idx_rows

    @property
    def buffers(self) -> float:
        """Buffers the reads touched, table and index pages."""
        return self.heap_buffers + self.idx_buffers

    def minus(self, other: TableLoad) -> TableLoad:
        return TableLoad(*(getattr(self, f) - getattr(other, f) for f in FIELDS))

    def scaled(self, factor: float) -> TableLoad:
        return TableLoad(*(getattr(self, f) * factor for f in FIELDS))


Snapshot = dict[str, TableLoad]


def snapshot(url: URL) -> Snapshot:
    """Every user table's counters now (the snapshot's own query reads only the statistics views)."""
    engine = create_engine(url)
    with engine.connect() as db:
        db.execute(text("SET track_counts = off"))
        rows = db.execute(text(_QUERY)).all()
    engine.dispose()
    return {str(name): TableLoad(*(float(v) for v in values)) for name, *values in rows}


def per_hour(before: Snapshot, after: Snapshot, seconds: float) -> Snapshot:
    """What happened between the snapshots, per hour, for the tables that were read at all."""
    factor = 3600 / seconds
    found = {name: load.minus(before.get(name, TableLoad())).scaled(factor) for name, load in after.items()}
    return {name: load for name, load in sorted(found.items()) if load.rows or load.buffers}


def total(loads: Snapshot) -> TableLoad:
    result = TableLoad()
    for load in loads.values():
        result = TableLoad(*(getattr(result, f) + getattr(load, f) for f in FIELDS))
    return result
