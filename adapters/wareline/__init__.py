"""Wareline on PostgreSQL: admissions whose position is `I`, zero-padded codes kept as they are."""

from __future__ import annotations

from adapters.base import Adapter, reads
from adapters.layout import OptionalColumn


class WarelineAdapter(Adapter):
    title = "Wareline"
    guide = "docs/wareline.md"
    dialect = "postgres"
    default_schema = "public"
    schema_table = "arqatend"  # `public` on most installations, `"PACIENTE"` on others: the catalog tells
    # The 6-character CBO 2002 where the installation has it and it is filled; else the legacy CBO-S
    # (queries/wareline/cbo.present.sql and cbo.absent.sql).
    optional_columns = {"cbo": OptionalColumn("cadprest", "cbo")}  # noqa: RUF012 - a declaration, never mutated
    needs = reads(
        arqint="numatend codlei posicao",
        arqatend="numatend codpac codplaco codprest tipoatend datatend",
        cadlei="codlei codaco",
        cadpac="codpac nomepac sexo datanasc",
        cadplaco="codplaco codconv",
        cadconv="codconv nomeconv",
        cadprest="codprest nomeprest cbos",
    )
    probe_needs = reads(cadlei="codlei tipobloq auxatend")
    # cadlei.auxatend names one encounter per bed: a swap changes it, but a second encounter in the bed, or one in a
    # bed whose row does not name it, leaves cadlei as it was (it reaches HOTELEITOS at the next full read).
    probe_blind_spots = (
        "alta de quem o cadastro do leito não mostra (segundo atendimento do leito, leito desativado)",
        "correção de nome, convênio ou profissional",
    )
