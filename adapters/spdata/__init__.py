"""SPDATA on Firebird: the occupied beds and their admissions (the census is bed-driven), no schema."""

from __future__ import annotations

from adapters.base import Adapter, reads


class SpdataAdapter(Adapter):
    title = "SPDATA"
    guide = "docs/spdata.md"
    dialect = "firebird"
    needs = reads(
        RILEITOS="LEITO ACOMOD REG STATUS",
        RICADINT="REG PRONT CONV ENTRADA MEDASS",
        RICADPAC="PRONT NOME NASC SEXO",
        TBCONVEN="COD NOME",
        TBPROFIS="CNPJ_CPF NOME",
    )
    probe_needs = reads(RILEITOS="LEITO REG STATUS")
    # The census is the occupied beds: RILEITOS.REG shows every admission, discharge and move.
    probe_blind_spots = ("correção de nome, convênio ou profissional",)
