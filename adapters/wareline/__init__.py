"""Wareline on PostgreSQL: admissions whose position is `I`, zero-padded codes kept as they are."""

from __future__ import annotations

from adapters.base import Adapter, reads


class WarelineAdapter(Adapter):
    title = "Wareline"
    guide = "docs/wareline.md"
    dialect = "postgres"
    default_schema = "public"
    needs = reads(
        arqint="numatend codlei posicao",
        arqatend="numatend codpac codplaco codprest tipoatend datatend",
        cadlei="codlei codaco",
        cadpac="codpac nomepac sexo datanasc",
        cadplaco="codplaco codconv",
        cadconv="codconv nomeconv",
        cadprest="codprest nomeprest cbos",
    )
