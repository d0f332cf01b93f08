"""A replica of the Tasy tables (exactly the columns in his-schemas) with the census' edge cases, and its census."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import URL

from adapters.tasy import tables as tasy

NOW = datetime(2026, 11, 26, 9, 30)
DAY = datetime(2026, 11, 20, 14, 35)

PEOPLE: list[dict[str, Any]] = [
    # patients
    {"cd_pessoa_fisica": "1001", "nm_pessoa_fisica": unicodedata.normalize("NFD", "  JOÃO  DA SILVA "),
     "dt_nascimento": datetime(1950, 3, 4), "ie_sexo": "M", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1002", "nm_pessoa_fisica": "MARIA ALTA", "dt_nascimento": datetime(1960, 1, 1),
     "ie_sexo": "F", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1003", "nm_pessoa_fisica": "CARLOS CANCELADO", "dt_nascimento": datetime(1970, 1, 1),
     "ie_sexo": "M", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1004", "nm_pessoa_fisica": "ANA CIRURGIA", "dt_nascimento": datetime(1980, 5, 5),
     "ie_sexo": "F", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1005", "nm_pessoa_fisica": "PEDRO SEM CONVENIO", "dt_nascimento": datetime(1800, 1, 1),
     "ie_sexo": "M", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1006", "nm_pessoa_fisica": "LUCAS SEM LEITO", "dt_nascimento": None, "ie_sexo": "I",
     "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1007", "nm_pessoa_fisica": "RITA PRONTO SOCORRO", "dt_nascimento": datetime(1991, 1, 1),
     "ie_sexo": "F", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1008", "nm_pessoa_fisica": "BRUNO DUAS ESTADAS", "dt_nascimento": datetime(1982, 2, 2),
     "ie_sexo": "M", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1009", "nm_pessoa_fisica": "HELENA EMPATE", "dt_nascimento": datetime(1999, 9, 9),
     "ie_sexo": "F", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1010", "nm_pessoa_fisica": "OTÁVIO FILIAL", "dt_nascimento": datetime(2001, 1, 1),
     "ie_sexo": "M", "cd_cbo_sus": None},
    {"cd_pessoa_fisica": "1011", "nm_pessoa_fisica": "RN DE MARIA", "dt_nascimento": datetime(2026, 11, 24),
     "ie_sexo": "F", "cd_cbo_sus": None},
    # physicians: one with a CBO, one without
    {"cd_pessoa_fisica": "9001", "nm_pessoa_fisica": "DR. PAULO  MENDES", "dt_nascimento": None, "ie_sexo": "M",
     "cd_cbo_sus": "225125"},
    {"cd_pessoa_fisica": "9002", "nm_pessoa_fisica": "DRA. ANA SOUZA", "dt_nascimento": None, "ie_sexo": "F",
     "cd_cbo_sus": None},
]  # fmt: skip
INSURERS: list[dict[str, Any]] = [
    {"cd_convenio": 1, "ds_convenio": "  UNIMED   CAMPINAS "},
    {"cd_convenio": 2, "ds_convenio": "SUS"},
]
SECTORS: list[dict[str, Any]] = [
    {"cd_setor_atendimento": 10, "ds_setor_atendimento": "CLÍNICA MÉDICA"},
    {"cd_setor_atendimento": 20, "ds_setor_atendimento": "CENTRO CIRÚRGICO"},
]


def _encounter(number: int, person: str, **values: Any) -> dict[str, Any]:
    row = {"nr_atendimento": number, "cd_pessoa_fisica": person, "cd_estabelecimento": 1, "ie_tipo_atendimento": 1,
           "dt_entrada": DAY, "dt_alta": None, "dt_cancelamento": None, "cd_medico_resp": "9001"}  # fmt: skip
    return {**row, **values}


ENCOUNTERS = [
    _encounter(5001, "1001"),  # transferred: an old closed stay, the current one; insurer changed
    _encounter(5002, "1002", dt_alta=datetime(2026, 11, 25, 10, 0)),  # discharged, its stay never closed
    _encounter(5003, "1003", dt_cancelamento=datetime(2026, 11, 20, 15, 0)),  # cancelled
    _encounter(5004, "1004", cd_medico_resp="9002"),  # passing through surgery now; physician without CBO
    _encounter(5005, "1005", cd_medico_resp="9999"),  # no insurer row; unknown physician; 1800 birth
    _encounter(5006, "1006", dt_entrada=datetime(2026, 11, 25, 23, 59)),  # no open stay: no bed, still admitted
    _encounter(5007, "1007", ie_tipo_atendimento=3),  # emergency (pronto-socorro), not an inpatient
    _encounter(5008, "1008"),  # two open stays (one never closed): the latest wins
    _encounter(5009, "1009"),  # two open stays entered at the same instant: the higher sequence wins
    _encounter(5010, "1010", cd_estabelecimento=2),  # another hospital of the group
    _encounter(5011, "1011", dt_entrada=datetime(2026, 11, 24, 8, 0)),  # rooming-in: newborn in the mother's bed
]


def _stay(
    seq: int, number: int, basic: str | None, compl: str | None, since: datetime, **values: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "nr_seq_interno": seq,
        "nr_atendimento": number,
        "cd_setor_atendimento": 10,
        "cd_unidade_basica": basic,
        "cd_unidade_compl": compl,
        "dt_entrada_unidade": since,
        "dt_saida_unidade": None,
        "ie_passagem_setor": "N",
    }
    return {**row, **values}


STAYS = [
    _stay(1, 5001, "101", "A", DAY, dt_saida_unidade=datetime(2026, 11, 22, 9, 0)),  # bed 101 A left empty
    _stay(2, 5001, "201", "B", datetime(2026, 11, 22, 9, 0)),
    _stay(3, 5002, "202", "A", DAY),
    _stay(4, 5003, "203", "A", DAY),
    _stay(5, 5004, "204", "A", DAY),
    _stay(6, 5004, "CC", "SALA 2", datetime(2026, 11, 26, 7, 0), cd_setor_atendimento=20, ie_passagem_setor="S"),
    _stay(16, 5004, "RX", "01", datetime(2026, 11, 24, 10, 0), dt_saida_unidade=datetime(2026, 11, 24, 11, 0)),
    _stay(7, 5005, "305", None, DAY, ie_passagem_setor=None),  # no complement; flag never filled
    _stay(8, 5006, "306", "A", DAY, dt_saida_unidade=datetime(2026, 11, 25, 8, 0)),
    _stay(9, 5007, "PS", "01", DAY),
    _stay(10, 5008, "401", "A", DAY),
    _stay(11, 5008, "402", "A", datetime(2026, 11, 23, 12, 0)),
    _stay(13, 5009, "501", "A", datetime(2026, 11, 23, 12, 0)),
    _stay(12, 5009, "502", "A", datetime(2026, 11, 23, 12, 0)),
    _stay(14, 5010, "601", "A", DAY),
    _stay(15, 5011, "201", "B", datetime(2026, 11, 24, 8, 0)),
]
COVERAGE: list[dict[str, Any]] = [
    {"nr_seq_interno": 1, "nr_atendimento": 5001, "cd_convenio": 2, "cd_categoria": "1", "dt_inicio_vigencia": DAY},
    {"nr_seq_interno": 2, "nr_atendimento": 5001, "cd_convenio": 1, "cd_categoria": "APTO",
     "dt_inicio_vigencia": datetime(2026, 11, 23)},
] + [
    {"nr_seq_interno": 10 + n, "nr_atendimento": n, "cd_convenio": 1, "cd_categoria": "1", "dt_inicio_vigencia": DAY}
    for n in (5002, 5003, 5004, 5006, 5007, 5008, 5009, 5010, 5011)
]  # fmt: skip

PAULO = {"profissional_cbos": "225125", "profissional_nome": "DR. PAULO MENDES", "profissional_codigo": "9001"}
UNIMED = {"convenio_codigo": "1", "convenio_nome": "UNIMED CAMPINAS"}


def record(code: str, **values: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = {
        "cod_ocorrencia": code, "cod_quarto": None, "cod_leito": None, **UNIMED, "data_internacao": "2026-11-20",
        "paciente_nome": None, "paciente_codigo": None, "paciente_data_nascimento": None, "paciente_sexo": None,
        **PAULO, "tipo_ocorrencia_codigo": "1", "tipo_ocorrencia_descricao": "INTERNAÇÃO",
    }  # fmt: skip
    return {**base, **values}


# The census with the default options (every establishment), by encounter.
EXPECTED = [
    record("5001", cod_quarto="201", cod_leito="201 B", paciente_nome="JOÃO DA SILVA", paciente_codigo="1001",
           paciente_data_nascimento="1950-03-04", paciente_sexo="M"),
    record("5004", cod_quarto="204", cod_leito="204 A", paciente_nome="ANA CIRURGIA", paciente_codigo="1004",
           paciente_data_nascimento="1980-05-05", paciente_sexo="F", profissional_cbos=None,
           profissional_nome="DRA. ANA SOUZA", profissional_codigo="9002"),
    record("5005", cod_quarto="305", cod_leito="305", convenio_codigo=None, convenio_nome=None,
           paciente_nome="PEDRO SEM CONVENIO", paciente_codigo="1005", paciente_sexo="M", profissional_cbos=None,
           profissional_nome=None, profissional_codigo="9999"),
    record("5006", data_internacao="2026-11-25", paciente_nome="LUCAS SEM LEITO", paciente_codigo="1006",
           paciente_sexo="I"),
    record("5008", cod_quarto="402", cod_leito="402 A", paciente_nome="BRUNO DUAS ESTADAS", paciente_codigo="1008",
           paciente_data_nascimento="1982-02-02", paciente_sexo="M"),
    record("5009", cod_quarto="501", cod_leito="501 A", paciente_nome="HELENA EMPATE", paciente_codigo="1009",
           paciente_data_nascimento="1999-09-09", paciente_sexo="F"),
    record("5010", cod_quarto="601", cod_leito="601 A", paciente_nome="OTÁVIO FILIAL", paciente_codigo="1010",
           paciente_data_nascimento="2001-01-01", paciente_sexo="M"),
    record("5011", cod_quarto="201", cod_leito="201 B", data_internacao="2026-11-24", paciente_nome="RN DE MARIA",
           paciente_codigo="1011", paciente_data_nascimento="2026-11-24", paciente_sexo="F"),
]  # fmt: skip


def build(url: URL, schema: str = "tasy") -> None:
    """Create the Tasy tables under `schema` (replacing any) and fill them with the edge cases."""
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    translated = engine.execution_options(schema_translate_map={None: schema})
    tasy.metadata.drop_all(translated)
    tasy.metadata.create_all(translated)
    with translated.begin() as db:
        for table, rows in (
            (tasy.pessoa_fisica, PEOPLE),
            (tasy.convenio, INSURERS),
            (tasy.setor_atendimento, SECTORS),
            (tasy.atendimento_paciente, ENCOUNTERS),
            (tasy.atend_paciente_unidade, STAYS),
            (tasy.atend_categoria_convenio, COVERAGE),
        ):
            db.execute(insert(table), rows)
    engine.dispose()
