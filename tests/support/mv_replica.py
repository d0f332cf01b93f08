"""A replica of the MV tables (schema DBAMV) with the census' edge cases, and the census it must give."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, delete, insert, text
from sqlalchemy.engine import URL

from adapters.mv import tables as mv

NOW = datetime(2026, 11, 26, 9, 30)


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


UNITS = [{"cd_unid_int": 1, "ds_unid_int": "CLÍNICA MÉDICA", "sn_ativo": "S"}]
BEDS = [
    {
        "cd_leito": 10,
        "ds_leito": "101-A",
        "ds_resumo": "L10",
        "cd_unid_int": 1,
        "ds_enfermaria": "ENF 101 ",
        "tp_ocupacao": "O",
        "tp_situacao": "A",
    },
    {
        "cd_leito": 11,
        "ds_leito": "101-B",
        "ds_resumo": "L11",
        "cd_unid_int": 1,
        "ds_enfermaria": "ENF 101",
        "tp_ocupacao": "O",
        "tp_situacao": "A",
    },
    {
        "cd_leito": 20,
        "ds_leito": "OBS-1",
        "ds_resumo": "OBS1",
        "cd_unid_int": 1,
        "ds_enfermaria": "OBSERVAÇÃO",
        "tp_ocupacao": "O",
        "tp_situacao": "A",
    },
    {
        "cd_leito": 30,
        "ds_leito": "ALC-1",
        "ds_resumo": "ALC1",
        "cd_unid_int": 1,
        "ds_enfermaria": "ALOJAMENTO 3",
        "tp_ocupacao": "O",
        "tp_situacao": "A",
    },
]
INSURERS = [
    {"cd_convenio": 1, "nm_convenio": "  UNIMED   CAMPINAS "},
    {"cd_convenio": 2, "nm_convenio": "SUS"},
]
PROFESSIONALS = [
    {"cd_prestador": 7, "nm_prestador": "DR. PAULO  MENDES", "cd_cbos": "225125"},
    # Professional 8 appears twice (a real MV base's duplicate): the join doubles encounter 1005.
    {"cd_prestador": 8, "nm_prestador": "DRA. ANA SOUZA", "cd_cbos": "225250"},
    {"cd_prestador": 8, "nm_prestador": "DRA. ANA SOUZA", "cd_cbos": None},
]
PATIENTS: list[dict[str, Any]] = [
    {
        "cd_paciente": 90000501,
        "nm_paciente": "  JOSÉ   DA SILVA ",
        "dt_nascimento": datetime(1950, 3, 4),
        "tp_sexo": "M",
    },
    {
        "cd_paciente": 90000502,
        "nm_paciente": nfd("MARIA DA CONCEIÇÃO"),
        "dt_nascimento": datetime(1988, 7, 1),
        "tp_sexo": "Feminino",
    },
    {
        "cd_paciente": 90000503,
        "nm_paciente": "ANTÔNIO PEREIRA",
        "dt_nascimento": datetime(2031, 1, 1),
        "tp_sexo": "1",
    },
    {"cd_paciente": 90000504, "nm_paciente": "PEDRO ALVES", "dt_nascimento": datetime(1975, 5, 5), "tp_sexo": "X"},
    {"cd_paciente": 90000505, "nm_paciente": "LUÍZA NUNES", "dt_nascimento": datetime(1990, 2, 2), "tp_sexo": "f"},
    {
        "cd_paciente": 90000506,
        "nm_paciente": "RN DE LUÍZA NUNES",
        "dt_nascimento": datetime(2026, 11, 23),
        "tp_sexo": "I",
    },
    {"cd_paciente": 90000507, "nm_paciente": "CARLOS LIMA", "dt_nascimento": datetime(1960, 1, 1), "tp_sexo": "M"},
    {"cd_paciente": 90000508, "nm_paciente": "BRUNO COSTA", "dt_nascimento": datetime(1982, 1, 1), "tp_sexo": "M"},
    {
        "cd_paciente": 90000509,
        "nm_paciente": "HELENA DIAS",
        "dt_nascimento": datetime(1999, 9, 9),
        "tp_sexo": "Não informado",
    },
]


def _encounter(code: int, patient: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "cd_atendimento": code,
        "cd_paciente": patient,
        "cd_convenio": 1,
        "cd_prestador": 7,
        "cd_leito": None,
        "dt_atendimento": datetime(2026, 11, 20, 14, 35),
        "hr_atendimento": None,
        "dt_alta": None,
        "hr_alta": None,
        "tp_atendimento": "I",
        "cd_tipo_internacao": 1,
        "cd_multi_empresa": 1,
    }
    row.update(values)
    return row


ENCOUNTERS = [
    _encounter(1001, 90000501, cd_leito=10),  # admitted, plain
    _encounter(1002, 90000502, cd_leito=11, cd_convenio=None),  # accented NFD name, no insurer
    _encounter(1003, 90000503, cd_leito=None, dt_atendimento=datetime(2026, 11, 25, 23, 59)),  # no bed; future birth
    _encounter(1004, 90000504, cd_leito=20, tp_atendimento="U"),  # emergency in an observation bed
    _encounter(1005, 90000505, cd_leito=30, cd_prestador=8),  # professional joined twice
    _encounter(1006, 90000506, cd_leito=30, cd_prestador=8, cd_convenio=2),  # rooming-in: newborn in mother's bed
    _encounter(1007, 90000507, cd_leito=10, dt_alta=datetime(2026, 11, 21)),  # discharged
    _encounter(1008, 90000508, tp_atendimento="A"),  # outpatient, never discharged
    _encounter(1009, 90000509, cd_leito=11, cd_multi_empresa=2),  # another hospital of the network
]


def record(code: str, **values: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = {
        "cod_ocorrencia": code,
        "cod_quarto": None,
        "cod_leito": None,
        "convenio_codigo": "1",
        "convenio_nome": "UNIMED CAMPINAS",
        "data_internacao": "2026-11-20",
        "paciente_nome": None,
        "paciente_codigo": None,
        "paciente_data_nascimento": None,
        "paciente_sexo": None,
        "profissional_cbos": "225125",
        "profissional_nome": "DR. PAULO MENDES",
        "profissional_codigo": "7",
        "tipo_ocorrencia_codigo": "I",
        "tipo_ocorrencia_descricao": "INTERNAÇÃO",
    }
    base.update(values)
    return base


ANA = {"profissional_cbos": "225250", "profissional_nome": "DRA. ANA SOUZA", "profissional_codigo": "8"}
# The census of the default settings (TP_ATENDIMENTO I, every CD_MULTI_EMPRESA), sorted by encounter.
EXPECTED = [
    record(
        "1001",
        cod_quarto="ENF 101",
        cod_leito="10",
        paciente_nome="JOSÉ DA SILVA",
        paciente_codigo="90000501",
        paciente_data_nascimento="1950-03-04",
        paciente_sexo="M",
    ),
    record(
        "1002",
        cod_quarto="ENF 101",
        cod_leito="11",
        convenio_codigo=None,
        convenio_nome=None,
        paciente_nome="MARIA DA CONCEIÇÃO",
        paciente_codigo="90000502",
        paciente_data_nascimento="1988-07-01",
        paciente_sexo="F",
    ),
    record(
        "1003",
        data_internacao="2026-11-25",
        paciente_nome="ANTÔNIO PEREIRA",
        paciente_codigo="90000503",
        paciente_sexo="M",
    ),
    record(
        "1005",
        cod_quarto="ALOJAMENTO 3",
        cod_leito="30",
        paciente_nome="LUÍZA NUNES",
        paciente_codigo="90000505",
        paciente_data_nascimento="1990-02-02",
        paciente_sexo="F",
        **ANA,
    ),
    record(
        "1006",
        cod_quarto="ALOJAMENTO 3",
        cod_leito="30",
        convenio_codigo="2",
        convenio_nome="SUS",
        paciente_nome="RN DE LUÍZA NUNES",
        paciente_codigo="90000506",
        paciente_data_nascimento="2026-11-23",
        paciente_sexo="I",
        **ANA,
    ),
    record(
        "1009",
        cod_quarto="ENF 101",
        cod_leito="11",
        paciente_nome="HELENA DIAS",
        paciente_codigo="90000509",
        paciente_data_nascimento="1999-09-09",
    ),
]
EMERGENCY = record(
    "1004",
    cod_quarto="OBSERVAÇÃO",
    cod_leito="20",
    paciente_nome="PEDRO ALVES",
    paciente_codigo="90000504",
    paciente_data_nascimento="1975-05-05",
    tipo_ocorrencia_codigo="U",
    tipo_ocorrencia_descricao="URGÊNCIA",
)
# What must never leave the census: names (as stored and normalised), record numbers, birth dates.
PATIENT_SECRETS = sorted(
    {p["nm_paciente"].strip() for p in PATIENTS}
    | {unicodedata.normalize("NFC", " ".join(str(p["nm_paciente"]).split())) for p in PATIENTS}
    | {str(p["cd_paciente"]) for p in PATIENTS}
    | {p["dt_nascimento"].date().isoformat() for p in PATIENTS}
)


def build(url: URL, schema: str = "dbamv") -> None:
    """Create the MV tables under `schema` (replacing any) and fill them with the edge cases."""
    engine = create_engine(url)
    with engine.begin() as db:
        if schema and engine.dialect.name == "postgresql":
            db.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        elif schema and engine.dialect.name == "mssql":
            db.execute(text(f"IF SCHEMA_ID('{schema}') IS NULL EXEC('CREATE SCHEMA {schema}')"))
    translated = engine.execution_options(schema_translate_map={None: schema or None})
    mv.metadata.drop_all(translated)
    mv.metadata.create_all(translated)
    with translated.begin() as db:
        for table, rows in (
            (mv.unid_int, UNITS),
            (mv.leito, BEDS),
            (mv.convenio, INSURERS),
            (mv.prestador, PROFESSIONALS),
            (mv.paciente, PATIENTS),
            (mv.atendime, ENCOUNTERS),
        ):
            db.execute(delete(table))
            db.execute(insert(table), rows)
    engine.dispose()
