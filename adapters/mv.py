"""MV (SOUL MV, MV 2000) on Oracle: inpatients with no discharge, optionally one hospital of a network."""

from __future__ import annotations

from typing import Any

from adapters.base import Adapter


class MvAdapter(Adapter):
    name = "mv"
    query_resource = "mv/census.sql"
    default_schema = "DBAMV"

    def parameters(self) -> dict[str, Any]:
        companies = list(self.source.multi_empresa)
        return {
            "tipos_atendimento": list(self.source.encounter_types),
            "todas_empresas": 0 if companies else 1,
            "empresas": companies or [-1],
        }
