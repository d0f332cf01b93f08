"""MV (Oracle, schema DBAMV): its census tables as SQLAlchemy metadata (exactly the columns in his-schemas), the one
definition the demo, the test replicas and the bench build, and the synthetic hospital written into them.

Names are lower case so that every database treats them as case-insensitive, as MV's own unquoted
identifiers are: Oracle stores them upper case, PostgreSQL lower case, and the same SQL reads both.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import CHAR, Column, DateTime, Integer, MetaData, Numeric, String, Table, insert, update
from sqlalchemy.engine import Connection

from adapters.synthetic import Bed, Stay, World, Writer

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


class MvWriter(Writer):
    """The hospital in MV's tables: ATENDIME points at the current bed, LEITO says whether it is occupied."""

    metadata: ClassVar[MetaData] = metadata

    def populate(self, db: Connection, world: World) -> None:
        db.execute(
            insert(unid_int), [{"cd_unid_int": u.number, "ds_unid_int": u.name, "sn_ativo": "S"} for u in world.units]
        )
        db.execute(
            insert(leito),
            [
                {
                    "cd_leito": bed.number,
                    "ds_leito": bed.label,
                    "ds_resumo": f"{bed.unit.prefix}{bed.room}{bed.side}",
                    "cd_unid_int": bed.unit.number,
                    "ds_enfermaria": f"{bed.unit.prefix}-{bed.room}",
                    "tp_ocupacao": "V",
                    "tp_situacao": "A",
                }
                for bed in world.beds
            ],
        )
        db.execute(insert(convenio), [{"cd_convenio": i, "nm_convenio": n} for i, n in enumerate(world.insurers, 1)])
        db.execute(
            insert(prestador),
            [{"cd_prestador": p.code, "nm_prestador": p.name, "cd_cbos": p.cbo} for p in world.professionals],
        )
        db.execute(
            insert(tipo_internacao),
            [
                {"cd_tipo_internacao": 1, "ds_tipo_internacao": "Clínica"},
                {"cd_tipo_internacao": 2, "ds_tipo_internacao": "Cirúrgica"},
            ],
        )

    def admit(self, db: Connection, stay: Stay) -> None:
        patient = stay.patient
        db.execute(
            insert(paciente).values(
                cd_paciente=patient.code,
                nm_paciente=patient.name.upper(),
                tp_sexo=patient.sex,
                dt_nascimento=patient.birth,
            )
        )
        db.execute(
            insert(atendime).values(
                cd_atendimento=stay.encounter,
                cd_paciente=patient.code,
                cd_convenio=stay.insurer,
                cd_prestador=stay.professional.code,
                cd_leito=stay.bed.number if stay.bed else None,
                dt_atendimento=stay.admitted,
                hr_atendimento=stay.admitted,
                tp_atendimento="I",
                dt_alta=stay.discharged,
                hr_alta=stay.discharged,
                cd_tipo_internacao=1 + stay.encounter % 2,
                cd_multi_empresa=1,
            )
        )
        if stay.bed is not None and stay.discharged is None:
            self._occupancy(db, stay.bed, "O")

    def discharge(self, db: Connection, stay: Stay) -> None:
        db.execute(
            update(atendime)
            .where(atendime.c.cd_atendimento == stay.encounter)
            .values(dt_alta=stay.discharged, hr_alta=stay.discharged)
        )
        if stay.bed is not None:
            self._occupancy(db, stay.bed, "L")  # cleaning; the next admission there makes it O again

    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        db.execute(update(atendime).where(atendime.c.cd_atendimento == stay.encounter).values(cd_leito=bed.number))
        self._occupancy(db, bed, "O")
        if stay.bed is not None:
            self._occupancy(db, stay.bed, "L")

    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        return str(stay.encounter), None if stay.bed is None else str(stay.bed.number)

    @staticmethod
    def _occupancy(db: Connection, bed: Bed, state: str) -> None:
        db.execute(update(leito).where(leito.c.cd_leito == bed.number).values(tp_ocupacao=state))
