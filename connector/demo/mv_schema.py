"""The MV tables the census query reads, as SQLAlchemy metadata (exactly the columns in his-schemas).

Names are lower case so that every database treats them as case-insensitive, as MV's own unquoted
identifiers are: Oracle stores them upper case, PostgreSQL lower case, and the same SQL reads both.
"""

from __future__ import annotations

from sqlalchemy import CHAR, Column, DateTime, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

unid_int = Table(
    "unid_int",
    metadata,
    Column("cd_unid_int", Integer, primary_key=True, autoincrement=False),
    Column("ds_unid_int", String(60)),
    Column("sn_ativo", CHAR(1)),
)
leito = Table(
    "leito",
    metadata,
    Column("cd_leito", Integer, primary_key=True, autoincrement=False),
    Column("ds_leito", String(30)),
    Column("ds_resumo", String(15)),
    Column("cd_unid_int", Integer),
    Column("ds_enfermaria", String(30), nullable=False),
    Column("tp_ocupacao", CHAR(1)),
    Column("tp_situacao", CHAR(1)),
)
convenio = Table(
    "convenio",
    metadata,
    Column("cd_convenio", Integer, primary_key=True, autoincrement=False),
    Column("nm_convenio", String(60)),
)
# No primary key on purpose: real MV bases hold duplicated professionals, and the census must cope.
prestador = Table(
    "prestador",
    metadata,
    Column("cd_prestador", Integer),
    Column("nm_prestador", String(60)),
    Column("cd_cbos", String(10)),
)
paciente = Table(
    "paciente",
    metadata,
    Column("cd_paciente", Integer, primary_key=True, autoincrement=False),
    Column("nm_paciente", String(80)),
    Column("dt_nascimento", DateTime),
    Column("tp_sexo", String(20)),
)
tipo_internacao = Table(
    "tipo_internacao",
    metadata,
    Column("cd_tipo_internacao", Integer, primary_key=True, autoincrement=False),
    Column("ds_tipo_internacao", String(40)),
)
atendime = Table(
    "atendime",
    metadata,
    # NUMBER in MV: drivers hand back Decimal (or int); SQLite keeps integers.
    Column("cd_atendimento", Numeric(12, 0).with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("cd_paciente", Integer),
    Column("cd_convenio", Integer),
    Column("cd_prestador", Integer),
    Column("cd_leito", Integer),
    Column("dt_atendimento", DateTime),
    Column("hr_atendimento", DateTime),
    Column("dt_alta", DateTime),
    Column("hr_alta", DateTime),
    Column("tp_atendimento", CHAR(1)),
    Column("cd_tipo_internacao", Integer),
    Column("cd_multi_empresa", Integer),
)
