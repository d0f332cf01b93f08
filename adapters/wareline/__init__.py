"""Wareline on PostgreSQL: admissions whose position is `I`, zero-padded codes kept as they are."""

from __future__ import annotations

from adapters.base import Adapter


class WarelineAdapter(Adapter):
    title = "Wareline"
    guide = "docs/wareline.md"
    dialect = "postgres"
    default_schema = "public"
