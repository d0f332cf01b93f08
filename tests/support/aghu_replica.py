"""A replica of the AGHU tables (exactly the columns in his-schemas) with the census' edge cases, and its census."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import URL

from adapters.aghu import tables as aghu

DAY = datetime(2026, 11, 20, 14, 35)

UNITS = [{"seq": 1, "descricao": "CLÍNICA MÉDICA", "sigla": "CM", "andar": "3"}]
ROOMS = [{"numero": n, "descricao": None if n == 205 else f"QUARTO {n}", "unf_seq": 1} for n in (101, 205, 302)]
BEDS = [
    {"lto_id": "0101A", "qrt_numero": 101, "leito": "A", "unf_seq": 1, "ind_situacao": "O", "int_seq": 7001},
    {"lto_id": "0101B", "qrt_numero": 101, "leito": "B", "unf_seq": 1, "ind_situacao": "D", "int_seq": None},  # empty
    {"lto_id": "0302B", "qrt_numero": 302, "leito": "B", "unf_seq": 1, "ind_situacao": "O", "int_seq": 7006},
    {"lto_id": "0303A", "qrt_numero": 303, "leito": "A", "unf_seq": 1, "ind_situacao": "O", "int_seq": 7005},
]
PATIENTS = [
    {"codigo": c, "nome": n, "dt_nascimento": b, "sexo": s, "prontuario": 4_000_000 + c}
    for c, n, b, s in (
        (1, unicodedata.normalize("NFD", "  JOÃO  DA SILVA "), datetime(1950, 3, 4), "M"),
        (2, "MARIA ALTA", datetime(1960, 1, 1), "F"),
        (3, "ANA NO QUARTO", datetime(1980, 5, 5), "F"),
        (4, "PEDRO NA UNIDADE", datetime(1975, 5, 5), "M"),
        (5, "LUCAS SEM CONVENIO", datetime(1990, 2, 2), "M"),
        (6, "HELENA TRANSFERIDA", datetime(1999, 9, 9), "F"),
        (7, "BRUNO CBO VENCIDO", datetime(1982, 1, 1), "M"),
        (8, "RITA SEM SERVIDOR", datetime(1961, 4, 30), "F"),
        (9, "IVO SEM PROFESSOR", datetime(2002, 8, 8), "M"),
        (10, "RN DE JOÃO", datetime(2026, 11, 24), "I"),
    )
]
INSURERS = [{"codigo": 1, "descricao": "  SUS  "}, {"codigo": 2, "descricao": "UNIMED"}]
PEOPLE = [{"codigo": 501, "nome": "DR. PAULO  MENDES"}, {"codigo": 502, "nome": "DRA. ANA SOUZA"}]
STAFF = [
    {"matricula": 12345, "vin_codigo": 1, "pes_codigo": 501},
    {"matricula": 12345, "vin_codigo": 2, "pes_codigo": 501},  # the same person under another bond
    {"matricula": 777, "vin_codigo": 1, "pes_codigo": 502},
]
FACTS = [
    {"pes_codigo": 501, "tii_seq": 7, "valor": "225125", "dt_inicio": datetime(2015, 1, 1), "dt_fim": None},
    {"pes_codigo": 501, "tii_seq": 3, "valor": "CRM-RS 1234", "dt_inicio": datetime(2015, 1, 1), "dt_fim": None},
    {"pes_codigo": 502, "tii_seq": 7, "valor": "225250", "dt_inicio": datetime(2010, 1, 1),
     "dt_fim": datetime(2012, 1, 1)},  # expired: no current CBO
]  # fmt: skip
PARAMETERS = [{"nome": "P_TIPO_INF_CBO", "vlr_numerico": 7}, {"nome": "P_OUTRO", "vlr_numerico": 3}]


def _admission(seq: int, patient: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "seq": seq,
        "pac_codigo": patient,
        "ind_paciente_internado": "S",
        "ind_local_paciente": "L",
        "lto_lto_id": None,
        "qrt_numero": None,
        "unf_seq": 1,
        "dthr_internacao": DAY,
        "csp_cnv_codigo": 2,
        "csp_seq": 1,
        "ser_matricula_professor": 12345,
        "ser_vin_codigo_professor": 1,
        "dthr_alta_medica": None,
    }
    return {**row, **values}


ADMISSIONS = [
    _admission(7001, 1, lto_lto_id="0101A", qrt_numero=101),  # in a bed
    _admission(7002, 2, ind_paciente_internado="N", lto_lto_id="0101B", qrt_numero=101,
               dthr_alta_medica=datetime(2026, 11, 25)),  # discharged: bed 0101B is empty now
    _admission(7003, 3, ind_local_paciente="Q", qrt_numero=205),  # placed by room only
    _admission(7004, 4, ind_local_paciente="U"),  # placed by unit only
    _admission(7005, 5, lto_lto_id="0303A", qrt_numero=303, csp_cnv_codigo=None),  # no insurer
    _admission(7006, 6, lto_lto_id="0302B", qrt_numero=101),  # transferred: the admission's room is stale
    _admission(7007, 7, lto_lto_id=None, qrt_numero=101, ind_local_paciente="Q", ser_matricula_professor=777),
    _admission(7008, 8, ser_matricula_professor=999, ind_local_paciente="U"),  # professional not in rap_servidores
    _admission(7009, 9, ser_matricula_professor=None, ser_vin_codigo_professor=None, ind_local_paciente="U"),
    _admission(7010, 10, lto_lto_id="0101A", qrt_numero=101, dthr_internacao=datetime(2026, 11, 24, 8, 0)),
]  # fmt: skip

PAULO = {"profissional_cbos": "225125", "profissional_nome": "DR. PAULO MENDES", "profissional_codigo": "12345-1"}
INSURER = {"convenio_codigo": "2", "convenio_nome": "UNIMED"}


def record(code: str, patient: int, name: str, birth: str | None, sex: str, **values: str | None) -> dict[str, Any]:
    base = {
        "cod_ocorrencia": code, "cod_quarto": None, "cod_leito": None, **INSURER, "data_internacao": "2026-11-20",
        "paciente_nome": name, "paciente_codigo": str(4_000_000 + patient), "paciente_data_nascimento": birth,
        "paciente_sexo": sex, **PAULO, "tipo_ocorrencia_codigo": "I", "tipo_ocorrencia_descricao": "INTERNAÇÃO",
    }  # fmt: skip
    return {**base, **values}


EXPECTED = [
    record("7001", 1, "JOÃO DA SILVA", "1950-03-04", "M", cod_quarto="101", cod_leito="0101A"),
    record("7003", 3, "ANA NO QUARTO", "1980-05-05", "F", cod_quarto="205"),
    record("7004", 4, "PEDRO NA UNIDADE", "1975-05-05", "M"),
    record("7005", 5, "LUCAS SEM CONVENIO", "1990-02-02", "M", cod_quarto="303", cod_leito="0303A",
           convenio_codigo=None, convenio_nome=None),
    record("7006", 6, "HELENA TRANSFERIDA", "1999-09-09", "F", cod_quarto="302", cod_leito="0302B"),
    record("7007", 7, "BRUNO CBO VENCIDO", "1982-01-01", "M", cod_quarto="101", profissional_cbos=None,
           profissional_nome="DRA. ANA SOUZA", profissional_codigo="777-1"),
    record("7008", 8, "RITA SEM SERVIDOR", "1961-04-30", "F", profissional_cbos=None, profissional_nome=None,
           profissional_codigo="999-1"),
    record("7009", 9, "IVO SEM PROFESSOR", "2002-08-08", "M", profissional_cbos=None, profissional_nome=None,
           profissional_codigo=None),
    record("7010", 10, "RN DE JOÃO", "2026-11-24", "I", cod_quarto="101", cod_leito="0101A",
           data_internacao="2026-11-24"),
]  # fmt: skip


def build(url: URL, schema: str = "agh") -> None:
    """Create the AGHU tables under `schema` (replacing any) and fill them with the edge cases."""
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    translated = engine.execution_options(schema_translate_map={None: schema})
    aghu.metadata.drop_all(translated)
    aghu.metadata.create_all(translated)
    with translated.begin() as db:
        for table, rows in (
            (aghu.agh_unidades_funcionais, UNITS),
            (aghu.ain_quartos, ROOMS),
            (aghu.ain_leitos, BEDS),
            (aghu.aip_pacientes, PATIENTS),
            (aghu.fat_convenios_saude, INSURERS),
            (aghu.rap_pessoas_fisicas, PEOPLE),
            (aghu.rap_servidores, STAFF),
            (aghu.rap_pessoa_tipo_informacoes, FACTS),
            (aghu.agh_parametros, PARAMETERS),
            (aghu.ain_internacoes, ADMISSIONS),
        ):
            db.execute(insert(table), rows)
    engine.dispose()
