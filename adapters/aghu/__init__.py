"""AGHU / AGHUse (the federal university hospitals' HIS) on PostgreSQL: admissions flagged as inpatient now."""

from __future__ import annotations

from datetime import date
from typing import Any

from adapters.base import Adapter, reads


class AghuAdapter(Adapter):
    title = "AGHU / AGHUse"
    guide = "docs/aghu.md"
    dialect = "postgres"
    default_schema = "agh"
    schema_table = "ain_internacoes"
    needs = reads(
        ain_internacoes="seq pac_codigo ind_paciente_internado lto_lto_id qrt_numero dthr_internacao csp_cnv_codigo "
        "ser_matricula_professor ser_vin_codigo_professor",
        ain_leitos="lto_id qrt_numero",
        aip_pacientes="codigo nome dt_nascimento sexo prontuario",
        fat_convenios_saude="codigo descricao",
        rap_servidores="matricula vin_codigo pes_codigo",
        rap_pessoas_fisicas="codigo nome",
        rap_pessoa_tipo_informacoes="pes_codigo tii_seq valor dt_inicio dt_fim",
        agh_parametros="nome vlr_numerico",
    )
    probe_needs = reads(ain_leitos="lto_id int_seq", ain_internacoes="seq")
    # ain_leitos.int_seq names one admission per bed; admissions placed by room or unit have no bed to change.
    probe_blind_spots = (
        "alta do segundo internado de um leito (alojamento conjunto)",
        "alta ou troca de quarto de quem não tem leito",
        "correção de nome, convênio ou profissional",
    )

    def parameters(self, today: date) -> dict[str, Any]:
        """`:hoje`, the capture date: the CBO current on the hospital's date (see queries/aghu/census.sql)."""
        return {"hoje": today}
