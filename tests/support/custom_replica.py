"""An HIS without an adapter: its tables, the hospital's census SQL (canonical aliases), and the census expected."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.engine import URL

metadata = MetaData()
internacao = Table(
    "internacao", metadata,
    Column("id_atendimento", Integer, primary_key=True, autoincrement=False),
    Column("leito", String(10)), Column("quarto", String(10)), Column("id_paciente", Integer),
    Column("convenio", String(40)), Column("entrada", DateTime), Column("saida", DateTime),
    Column("medico", String(60)), Column("cbo", String(6)),
)  # fmt: skip
paciente = Table(
    "paciente", metadata,
    Column("id_paciente", Integer, primary_key=True, autoincrement=False),
    Column("nome", String(80)), Column("nascimento", Date), Column("sexo", String(10)),
)  # fmt: skip

SQL = """-- Censo do sistema do hospital (consulta própria): apelidos = os 15 campos canônicos.
SELECT
    i.id_atendimento AS cod_ocorrencia,
    i.quarto         AS cod_quarto,
    i.leito          AS cod_leito,
    NULL             AS convenio_codigo,
    i.convenio       AS convenio_nome,
    i.entrada        AS data_internacao,
    p.nome           AS paciente_nome,
    p.id_paciente    AS paciente_codigo,
    p.nascimento     AS paciente_data_nascimento,
    p.sexo           AS paciente_sexo,
    i.cbo            AS profissional_cbos,
    i.medico         AS profissional_nome,
    NULL             AS profissional_codigo,
    'I'              AS tipo_ocorrencia_codigo,
    'INTERNAÇÃO'     AS tipo_ocorrencia_descricao
FROM internacao i
    LEFT JOIN paciente p ON p.id_paciente = i.id_paciente
WHERE i.saida IS NULL;
"""

PATIENTS = [
    {"id_paciente": 1, "nome": "RITA  DE CÁSSIA", "nascimento": date(1961, 4, 30), "sexo": "Feminino"},
    {"id_paciente": 2, "nome": "OTÁVIO REIS", "nascimento": date(2002, 8, 8), "sexo": "Masculino"},
    {"id_paciente": 3, "nome": "IVO SANTOS", "nascimento": date(1990, 1, 1), "sexo": "M"},
]
ADMISSIONS = [
    {"id_atendimento": 70, "leito": "12B", "quarto": "12", "id_paciente": 1, "convenio": "CASSI",
     "entrada": datetime(2026, 11, 23, 7, 0), "saida": None, "medico": "DR LUIZ", "cbo": "225125"},
    {"id_atendimento": 71, "leito": "14A", "quarto": "14", "id_paciente": 2, "convenio": None,
     "entrada": datetime(2026, 11, 25, 19, 30), "saida": None, "medico": None, "cbo": None},
    {"id_atendimento": 72, "leito": "15A", "quarto": "15", "id_paciente": 3, "convenio": "SUS",
     "entrada": datetime(2026, 11, 1), "saida": datetime(2026, 11, 5), "medico": "DR LUIZ", "cbo": "225125"},
]  # fmt: skip
EXPECTED = [
    {"cod_ocorrencia": "70", "cod_quarto": "12", "cod_leito": "12B", "convenio_codigo": None, "convenio_nome": "CASSI",
     "data_internacao": "2026-11-23", "paciente_nome": "RITA DE CÁSSIA", "paciente_codigo": "1",
     "paciente_data_nascimento": "1961-04-30", "paciente_sexo": "F", "profissional_cbos": "225125",
     "profissional_nome": "DR LUIZ", "profissional_codigo": None, "tipo_ocorrencia_codigo": "I",
     "tipo_ocorrencia_descricao": "INTERNAÇÃO"},
    {"cod_ocorrencia": "71", "cod_quarto": "14", "cod_leito": "14A", "convenio_codigo": None, "convenio_nome": None,
     "data_internacao": "2026-11-25", "paciente_nome": "OTÁVIO REIS", "paciente_codigo": "2",
     "paciente_data_nascimento": "2002-08-08", "paciente_sexo": "M", "profissional_cbos": None,
     "profissional_nome": None, "profissional_codigo": None, "tipo_ocorrencia_codigo": "I",
     "tipo_ocorrencia_descricao": "INTERNAÇÃO"},
]  # fmt: skip


def build(url: URL) -> None:
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(insert(paciente), PATIENTS)
        db.execute(insert(internacao), ADMISSIONS)
    engine.dispose()


def query_file(folder: Path) -> Path:
    path = folder / "censo.sql"
    path.write_text(SQL, encoding="utf-8")
    return path
