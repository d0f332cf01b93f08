"""Philips Tasy on Oracle: inpatients neither discharged nor cancelled, optionally some establishments of a group."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from adapters.base import Adapter, CommaList, VendorOptions, reads
from connector.settings import problem


class TasyOptions(VendorOptions):
    """Tasy's own keys of `source:` (HOTELEITOS_SOURCE_ESTABELECIMENTOS)."""

    estabelecimentos: CommaList = Field(
        default_factory=list, description="Tasy groups: CD_ESTABELECIMENTO values to include (empty: all)."
    )

    @field_validator("estabelecimentos")
    @classmethod
    def _check_establishments(cls, value: list[Any]) -> list[int]:
        try:
            return [int(str(code).strip()) for code in value]
        except ValueError:
            raise problem("informe números de CD_ESTABELECIMENTO separados por vírgula, ex.: 1,4.") from None


class TasyAdapter(Adapter):
    title = "Tasy (Philips)"
    guide = "docs/tasy.md"
    dialect = "oracle"
    default_schema = "TASY"
    schema_table = "ATENDIMENTO_PACIENTE"
    needs = reads(
        ATENDIMENTO_PACIENTE="NR_ATENDIMENTO CD_PESSOA_FISICA CD_ESTABELECIMENTO IE_TIPO_ATENDIMENTO DT_ENTRADA "
        "DT_ALTA DT_CANCELAMENTO CD_MEDICO_RESP",
        ATEND_PACIENTE_UNIDADE="NR_SEQ_INTERNO NR_ATENDIMENTO CD_UNIDADE_BASICA CD_UNIDADE_COMPL DT_ENTRADA_UNIDADE "
        "DT_SAIDA_UNIDADE IE_PASSAGEM_SETOR",
        PESSOA_FISICA="CD_PESSOA_FISICA NM_PESSOA_FISICA DT_NASCIMENTO IE_SEXO CD_CBO_SUS",
        ATEND_CATEGORIA_CONVENIO="NR_SEQ_INTERNO NR_ATENDIMENTO CD_CONVENIO DT_INICIO_VIGENCIA",
        CONVENIO="CD_CONVENIO DS_CONVENIO",
    )
    Options = TasyOptions
    options: TasyOptions

    def parameters(self, today: date) -> dict[str, Any]:
        chosen = list(self.options.estabelecimentos)
        return {"todos_estabelecimentos": 0 if chosen else 1, "estabelecimentos": chosen or [-1]}
