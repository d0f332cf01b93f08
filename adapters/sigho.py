"""Sigho: no public schema, so the census SQL is supplied by the hospital (see docs/sigho.md)."""

from __future__ import annotations

from adapters.custom import CustomAdapter


class SighoAdapter(CustomAdapter):
    name = "sigho"
    guide = "docs/sigho.md (modelo em docs/modelos/sigho-censo.sql)"
    why = " O esquema do Sigho não é público: a consulta vem da TI do hospital ou do suporte Sigho."
