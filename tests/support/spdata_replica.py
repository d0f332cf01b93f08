"""A replica of the SPDATA tables (exactly the columns in his-schemas) with the census' edge cases, and its census."""

from __future__ import annotations

import unicodedata
from datetime import date, time
from typing import Any

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import URL

from adapters.spdata import tables as spdata
from adapters.spdata.tables import NO_DATE

ENTERED = date(2026, 11, 20)


def _bed(code: str, registration: int, status: str | None = "A") -> dict[str, Any]:
    return {"leito": code, "acomod": code[:3], "bloco": "B1", "reg": registration, "status": status}


BEDS = [
    _bed("101A", 8001),
    _bed("101B", 0),  # free: its patient (8002) was discharged
    _bed("102A", 8003, status="I"),  # inactive bed still naming an admission: not counted
    _bed("103A", 8004, status=None),  # no status is not inactive
    _bed("104A", 8005),  # "no date" sentinels
    _bed("105A", 8006),  # no insurer
    _bed("106A", 8007),  # insurer code 0, which TBCONVEN does not have
    _bed("107A", 8008),  # professional and patient unknown to their tables
    _bed("108A", 8099),  # names an admission that does not exist
]


def _admission(registration: int, record: int, **values: Any) -> dict[str, Any]:
    row = {"reg": registration, "pront": record, "conv": 3, "entrada": ENTERED, "horaent": time(14, 35),
           "alta": NO_DATE, "medass": "12345678901", "bloco": "B1"}  # fmt: skip
    return {**row, **values}


ADMISSIONS = [
    _admission(8001, 501),
    _admission(8002, 502, alta=date(2026, 11, 25)),
    _admission(8003, 503),
    _admission(8004, 504, entrada=date(2026, 11, 25)),
    _admission(8005, 505, entrada=NO_DATE),
    _admission(8006, 506, conv=None),
    _admission(8007, 507, conv=0),
    _admission(8008, 599, medass="99999999999"),
]
PATIENTS = [
    {"pront": 501, "nome": unicodedata.normalize("NFD", "  JOSÉ  DA CONCEIÇÃO "), "nasc": date(1950, 3, 4),
     "sexo": "M"},
    {"pront": 502, "nome": "MARIA ALTA", "nasc": date(1960, 1, 1), "sexo": "F"},
    {"pront": 503, "nome": "ANA LEITO INATIVO", "nasc": date(1970, 1, 1), "sexo": "F"},
    {"pront": 504, "nome": "PEDRO SEM STATUS", "nasc": date(1975, 5, 5), "sexo": "M"},
    {"pront": 505, "nome": "LUCAS SEM DATAS", "nasc": NO_DATE, "sexo": "M"},
    {"pront": 506, "nome": "HELENA SEM CONVENIO", "nasc": date(1999, 9, 9), "sexo": "F"},
    {"pront": 507, "nome": "BRUNO CONVENIO ZERO", "nasc": date(1982, 1, 1), "sexo": "M"},
]  # fmt: skip
INSURERS = [{"cod": 3, "nome": "  UNIMED   LITORAL "}, {"cod": 4, "nome": "SUS"}]
PROFESSIONALS = [{"cnpj_cpf": "12345678901", "nome": "DR. PAULO  MENDES"}]

PAULO = {"profissional_cbos": None, "profissional_nome": "DR. PAULO MENDES", "profissional_codigo": "12345678901"}
UNIMED = {"convenio_codigo": "3", "convenio_nome": "UNIMED LITORAL"}


def record(code: str, bed: str, **values: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = {
        "cod_ocorrencia": code, "cod_quarto": bed[:3], "cod_leito": bed, **UNIMED, "data_internacao": "2026-11-20",
        "paciente_nome": None, "paciente_codigo": None, "paciente_data_nascimento": None, "paciente_sexo": None,
        **PAULO, "tipo_ocorrencia_codigo": "I", "tipo_ocorrencia_descricao": "INTERNAÇÃO",
    }  # fmt: skip
    return {**base, **values}


EXPECTED = [
    record("8001", "101A", paciente_nome="JOSÉ DA CONCEIÇÃO", paciente_codigo="501",
           paciente_data_nascimento="1950-03-04", paciente_sexo="M"),
    record("8004", "103A", data_internacao="2026-11-25", paciente_nome="PEDRO SEM STATUS", paciente_codigo="504",
           paciente_data_nascimento="1975-05-05", paciente_sexo="M"),
    record("8005", "104A", data_internacao=None, paciente_nome="LUCAS SEM DATAS", paciente_codigo="505",
           paciente_sexo="M"),
    record("8006", "105A", convenio_codigo=None, convenio_nome=None, paciente_nome="HELENA SEM CONVENIO",
           paciente_codigo="506", paciente_data_nascimento="1999-09-09", paciente_sexo="F"),
    record("8007", "106A", convenio_codigo=None, convenio_nome=None, paciente_nome="BRUNO CONVENIO ZERO",
           paciente_codigo="507", paciente_data_nascimento="1982-01-01", paciente_sexo="M"),
    record("8008", "107A", paciente_codigo="599", profissional_nome=None, profissional_codigo="99999999999"),
]  # fmt: skip


def build(url: URL) -> None:
    """Create the SPDATA tables (replacing any) and fill them with the edge cases."""
    engine = create_engine(url)
    spdata.metadata.drop_all(engine)
    spdata.metadata.create_all(engine)
    with engine.begin() as db:
        for table, rows in (
            (spdata.rileitos, BEDS),
            (spdata.ricadint, ADMISSIONS),
            (spdata.ricadpac, PATIENTS),
            (spdata.tbconven, INSURERS),
            (spdata.tbprofis, PROFESSIONALS),
        ):
            db.execute(insert(table), rows)
    engine.dispose()
