"""Any HIS on any supported database: the hospital's own SQL file, whose aliases are the 15 canonical fields."""

from __future__ import annotations

from adapters.base import Adapter


class CustomAdapter(Adapter):
    title = "SQL próprio do hospital"
    guide = "docs/sql-proprio.md"
