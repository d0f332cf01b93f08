"""SPDATA (Firebird, no schema): its census tables as SQLAlchemy metadata (exactly the columns in his-schemas), the
one definition the demo and the test replicas build, and the synthetic hospital written into them. "No date" is
1899-12-30, as in SPDATA, never null.

Names are lower case so that Firebird stores them upper case, unquoted, as SPDATA's are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import CHAR, Column, Date, Integer, MetaData, String, Table, Time, insert, update
from sqlalchemy.engine import Connection

from adapters.synthetic import Bed, Stay, World, Writer

NO_DATE = date(1899, 12, 30)

metadata = MetaData()
rileitos = Table(
    "rileitos", metadata,
    Column("leito", String(10)), Column("acomod", String(10)), Column("bloco", String(5)), Column("reg", Integer),
    Column("status", CHAR(1)),
)  # fmt: skip
ricadint = Table(
    "ricadint", metadata,
    Column("reg", Integer, primary_key=True, autoincrement=False), Column("pront", Integer), Column("conv", Integer),
    Column("entrada", Date), Column("horaent", Time), Column("alta", Date), Column("medass", String(14)),
    Column("bloco", String(5)),
)  # fmt: skip
ricadpac = Table(
    "ricadpac", metadata,
    Column("pront", Integer, primary_key=True, autoincrement=False), Column("nome", String(60)),
    Column("nasc", Date), Column("sexo", CHAR(1)),
)  # fmt: skip
tbconven = Table("tbconven", metadata, Column("cod", Integer), Column("nome", String(40)))
tbprofis = Table("tbprofis", metadata, Column("cnpj_cpf", String(14)), Column("nome", String(60)))


def _bed(bed: Bed) -> str:
    return f"{bed.room}{bed.side}"


class SpdataWriter(Writer):
    """The hospital in SPDATA's tables: a bed's REG names its admission (0 when free); the census starts there."""

    metadata: ClassVar[MetaData] = metadata

    def populate(self, db: Connection, world: World) -> None:
        db.execute(
            insert(rileitos),
            [
                {"leito": _bed(b), "acomod": str(b.room), "bloco": b.unit.prefix, "reg": 0, "status": "A"}
                for b in world.beds
            ],
        )
        db.execute(insert(tbconven), [{"cod": i, "nome": n.upper()} for i, n in enumerate(world.insurers, 1)])
        db.execute(insert(tbprofis), [{"cnpj_cpf": p.document, "nome": p.name.upper()} for p in world.professionals])

    def admit(self, db: Connection, stay: Stay) -> None:
        patient = stay.patient
        db.execute(
            insert(ricadpac).values(pront=patient.code, nome=patient.name.upper(), nasc=patient.birth, sexo=patient.sex)
        )
        db.execute(
            insert(ricadint).values(
                reg=stay.encounter,
                pront=patient.code,
                conv=stay.insurer,
                entrada=stay.admitted.date(),
                horaent=stay.admitted.time(),
                alta=stay.discharged.date() if stay.discharged else NO_DATE,
                medass=stay.professional.document,
                bloco=stay.bed.unit.prefix if stay.bed else "",
            )
        )
        if stay.bed is not None and stay.discharged is None:
            self._occupant(db, stay.bed, stay.encounter)

    def discharge(self, db: Connection, stay: Stay) -> None:
        assert stay.discharged is not None
        db.execute(update(ricadint).where(ricadint.c.reg == stay.encounter).values(alta=stay.discharged.date()))
        if stay.bed is not None:
            self._occupant(db, stay.bed, 0)

    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        self._occupant(db, bed, stay.encounter)
        if stay.bed is not None:
            self._occupant(db, stay.bed, 0)

    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        return str(stay.encounter), None if stay.bed is None else _bed(stay.bed)

    @staticmethod
    def _occupant(db: Connection, bed: Bed, registration: int) -> None:
        db.execute(update(rileitos).where(rileitos.c.leito == _bed(bed)).values(reg=registration))
