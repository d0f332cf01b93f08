"""MV (SOUL MV, MV 2000) on Oracle: inpatients with no discharge, optionally one hospital of a network."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from adapters.base import Adapter, CommaList, Query, VendorOptions, reads
from connector.settings import problem
from connector.source.statements import read, vendor_file

# Oracle before 12c has no FETCH FIRST: its probe asks for the newest encounter with ROWNUM (queries/mv/).
PROBE_11G = "probe-11g.sql"  # queries/mv/probe-11g.sql


class MvOptions(VendorOptions):
    """MV's own keys of `source:` (HOTELEITOS_SOURCE_MULTI_EMPRESA, HOTELEITOS_SOURCE_ENCOUNTER_TYPES)."""

    multi_empresa: CommaList = Field(
        default_factory=list, description="MV networks: CD_MULTI_EMPRESA values to include (empty: all)."
    )
    encounter_types: CommaList = Field(
        default_factory=lambda: ["I"],
        description="MV TP_ATENDIMENTO codes counted as admitted; types other than I count only with a bed.",
    )

    @field_validator("multi_empresa")
    @classmethod
    def _check_companies(cls, value: list[Any]) -> list[int]:
        try:
            return [int(str(code).strip()) for code in value]
        except ValueError:
            raise problem("informe números de CD_MULTI_EMPRESA separados por vírgula, ex.: 1,3.") from None

    @field_validator("encounter_types")
    @classmethod
    def _check_types(cls, value: list[Any]) -> list[str]:
        codes = [str(code).strip().upper() for code in value]
        if not codes or any(len(code) != 1 for code in codes):
            raise problem("informe códigos de uma letra, ex.: I ou I,U.")
        return codes


class MvAdapter(Adapter):
    title = "MV (SOUL MV, MV 2000)"
    guide = "docs/mv.md"
    dialect = "oracle"
    default_schema = "DBAMV"
    schema_table = "ATENDIME"
    needs = reads(
        ATENDIME="CD_ATENDIMENTO CD_PACIENTE CD_CONVENIO CD_PRESTADOR CD_LEITO DT_ATENDIMENTO DT_ALTA TP_ATENDIMENTO "
        "CD_MULTI_EMPRESA",
        PACIENTE="CD_PACIENTE NM_PACIENTE DT_NASCIMENTO TP_SEXO",
        LEITO="CD_LEITO DS_ENFERMARIA",
        CONVENIO="CD_CONVENIO NM_CONVENIO",
        PRESTADOR="CD_PRESTADOR NM_PRESTADOR CD_CBOS",
    )
    probe_needs = reads(LEITO="CD_LEITO TP_OCUPACAO", ATENDIME="CD_ATENDIMENTO TP_ATENDIMENTO CD_MULTI_EMPRESA")
    # What probe.sql cannot see: it reaches HOTELEITOS at the next full read. Seeing who is in each bed would take
    # ATENDIME by CD_LEITO for the open encounters (no index known; DT_ALTA IS NULL uses no Oracle B-tree index):
    # about the cost of the census itself, which the probe is there to spare.
    probe_blind_spots = (
        "troca de leito entre dois internados",
        "alta de um de dois atendimentos no mesmo leito",
        "alta de quem não tem leito",
        "correção de nome, convênio ou profissional",
    )
    Options = MvOptions
    options: MvOptions

    def raw_sql(self, query: Query = "census") -> str:
        """The census or probe SQL; the change probe in its Oracle 11g form when the server is older than 12c."""
        old_oracle = self.server is not None and self.server[0] == "oracle" and self.server[1] < (12,)
        if query == "probe" and self.source.probe_file is None and old_oracle:
            path = vendor_file(self.name, PROBE_11G)
            if path is not None:
                return read(path)
        return super().raw_sql(query)

    def parameters(self, today: date) -> dict[str, Any]:
        companies = list(self.options.multi_empresa)
        return {
            "tipos_atendimento": list(self.options.encounter_types),
            "todas_empresas": 0 if companies else 1,
            "empresas": companies or [-1],
        }
