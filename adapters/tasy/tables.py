"""Tasy (Philips, Oracle, schema TASY): its census tables as SQLAlchemy metadata (exactly the columns in
his-schemas), the one definition the demo and the test replicas build, and the synthetic hospital written into them.

Names are lower case so that every database treats them as case-insensitive, as Tasy's unquoted Oracle names are.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import ClassVar

from sqlalchemy import CHAR, Column, DateTime, Integer, MetaData, Numeric, String, Table, insert, update
from sqlalchemy.engine import Connection

from adapters.synthetic import Bed, Stay, World, Writer

metadata = MetaData()
# NUMBER in Tasy: drivers hand back Decimal (or int); SQLite keeps integers.
NUMBER = Numeric(10, 0).with_variant(Integer, "sqlite")

atendimento_paciente = Table(
    "atendimento_paciente", metadata,
    Column("nr_atendimento", NUMBER, primary_key=True, autoincrement=False),
    Column("cd_pessoa_fisica", String(10)), Column("cd_estabelecimento", Integer),
    Column("ie_tipo_atendimento", Integer), Column("dt_entrada", DateTime), Column("dt_alta", DateTime),
    Column("dt_cancelamento", DateTime), Column("cd_medico_resp", String(10)),
)  # fmt: skip
atend_paciente_unidade = Table(
    "atend_paciente_unidade", metadata,
    Column("nr_seq_interno", NUMBER, primary_key=True, autoincrement=False),
    Column("nr_atendimento", NUMBER), Column("cd_setor_atendimento", Integer),
    Column("cd_unidade_basica", String(10)), Column("cd_unidade_compl", String(10)),
    Column("dt_entrada_unidade", DateTime), Column("dt_saida_unidade", DateTime), Column("ie_passagem_setor", CHAR(1)),
)  # fmt: skip
setor_atendimento = Table(
    "setor_atendimento", metadata,
    Column("cd_setor_atendimento", Integer, primary_key=True, autoincrement=False),
    Column("ds_setor_atendimento", String(100)),
)  # fmt: skip
pessoa_fisica = Table(
    "pessoa_fisica", metadata,
    Column("cd_pessoa_fisica", String(10), primary_key=True), Column("nm_pessoa_fisica", String(60)),
    Column("dt_nascimento", DateTime), Column("ie_sexo", String(20)), Column("cd_cbo_sus", String(6)),
)  # fmt: skip
atend_categoria_convenio = Table(
    "atend_categoria_convenio", metadata,
    Column("nr_seq_interno", NUMBER, primary_key=True, autoincrement=False),
    Column("nr_atendimento", NUMBER), Column("cd_convenio", Integer), Column("cd_categoria", String(10)),
    Column("dt_inicio_vigencia", DateTime),
)  # fmt: skip
convenio = Table(
    "convenio", metadata,
    Column("cd_convenio", Integer, primary_key=True, autoincrement=False), Column("ds_convenio", String(255)),
)  # fmt: skip


def _physician(code: int) -> str:
    return str(900_000 + code)


class TasyWriter(Writer):
    """The hospital in Tasy's tables: each bed stay is a row of ATEND_PACIENTE_UNIDADE, open while DT_SAIDA_UNIDADE
    is null; admissions first pass through the admissions desk (a pass-through stay, IE_PASSAGEM_SETOR = 'S')."""

    metadata: ClassVar[MetaData] = metadata
    ADMISSIONS_DESK = 99

    def __init__(self) -> None:
        self._sequence = count(1)

    def populate(self, db: Connection, world: World) -> None:
        units = [{"cd_setor_atendimento": u.number, "ds_setor_atendimento": u.name.upper()} for u in world.units]
        desk = {"cd_setor_atendimento": self.ADMISSIONS_DESK, "ds_setor_atendimento": "RECEPÇÃO DE INTERNAÇÃO"}
        db.execute(insert(setor_atendimento), [*units, desk])
        db.execute(
            insert(convenio), [{"cd_convenio": i, "ds_convenio": n.upper()} for i, n in enumerate(world.insurers, 1)]
        )
        db.execute(
            insert(pessoa_fisica),
            [
                {"cd_pessoa_fisica": _physician(p.code), "nm_pessoa_fisica": p.name.upper(), "dt_nascimento": None,
                 "ie_sexo": None, "cd_cbo_sus": p.cbo}
                for p in world.professionals
            ],
        )  # fmt: skip

    def admit(self, db: Connection, stay: Stay) -> None:
        patient = stay.patient
        db.execute(
            insert(pessoa_fisica).values(
                cd_pessoa_fisica=str(patient.code),
                nm_pessoa_fisica=patient.name.upper(),
                dt_nascimento=patient.birth,
                ie_sexo=patient.sex,
                cd_cbo_sus=None,
            )
        )
        db.execute(
            insert(atendimento_paciente).values(
                nr_atendimento=stay.encounter,
                cd_pessoa_fisica=str(patient.code),
                cd_estabelecimento=1,
                ie_tipo_atendimento=1,
                dt_entrada=stay.admitted,
                dt_alta=stay.discharged,
                dt_cancelamento=None,
                cd_medico_resp=_physician(stay.professional.code),
            )
        )
        db.execute(
            insert(atend_categoria_convenio).values(
                nr_seq_interno=next(self._sequence),
                nr_atendimento=stay.encounter,
                cd_convenio=stay.insurer,
                cd_categoria="1",
                dt_inicio_vigencia=stay.admitted,
            )
        )
        self._stay(db, stay.encounter, None, stay.admitted, passing=True)
        if stay.bed is not None:
            self._stay(db, stay.encounter, stay.bed, stay.admitted, until=stay.discharged)

    def discharge(self, db: Connection, stay: Stay) -> None:
        db.execute(
            update(atendimento_paciente)
            .where(atendimento_paciente.c.nr_atendimento == stay.encounter)
            .values(dt_alta=stay.discharged)
        )
        self._close_stays(db, stay.encounter, stay.discharged)

    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        self._close_stays(db, stay.encounter, when)
        self._stay(db, stay.encounter, bed, when)

    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        return str(stay.encounter), None if stay.bed is None else f"{stay.bed.room} {stay.bed.side}"

    def _stay(
        self,
        db: Connection,
        encounter: int,
        bed: Bed | None,
        since: datetime,
        *,
        until: datetime | None = None,
        passing: bool = False,
    ) -> None:
        db.execute(
            insert(atend_paciente_unidade).values(
                nr_seq_interno=next(self._sequence),
                nr_atendimento=encounter,
                cd_setor_atendimento=bed.unit.number if bed else self.ADMISSIONS_DESK,
                cd_unidade_basica=str(bed.room) if bed else "REC",
                cd_unidade_compl=bed.side if bed else "01",
                dt_entrada_unidade=since,
                dt_saida_unidade=until,
                ie_passagem_setor="S" if passing else "N",
            )
        )

    @staticmethod
    def _close_stays(db: Connection, encounter: int, when: datetime | None) -> None:
        db.execute(
            update(atend_paciente_unidade)
            .where(
                atend_paciente_unidade.c.nr_atendimento == encounter,
                atend_paciente_unidade.c.dt_saida_unidade.is_(None),
                atend_paciente_unidade.c.ie_passagem_setor != "S",
            )
            .values(dt_saida_unidade=when)
        )
