"""Sigho: no public schema, so the census SQL is supplied by the hospital (see docs/sigho.md)."""

from __future__ import annotations

from adapters.base import Adapter


class SighoAdapter(Adapter):
    title = "Sigho"
    guide = "docs/sigho.md (modelo em queries/sigho/modelo-censo.sql)"

    def why_query_file(self) -> str:
        return " O esquema do Sigho não é público: a consulta vem da TI do hospital ou do suporte Sigho."
