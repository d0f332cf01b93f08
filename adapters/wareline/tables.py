"""Wareline (PostgreSQL): its census tables as SQLAlchemy metadata (exactly the columns in his-schemas), the one
definition the demo, the test replicas and the bench build, and the synthetic hospital written into them. Codes are
zero-padded `char` columns, as in Wareline."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import CHAR, Column, Date, DateTime, MetaData, String, Table, insert, update
from sqlalchemy.engine import Connection

from adapters.synthetic import Bed, Stay, World, Writer

metadata = MetaData()
arqatend = Table(
    "arqatend", metadata,
    Column("numatend", CHAR(10)), Column("codpac", CHAR(8)), Column("codplaco", CHAR(4)),
    Column("codprest", CHAR(6)), Column("codserv", CHAR(4)), Column("tipoatend", CHAR(1)),
    Column("datatend", DateTime), Column("datasai", DateTime),
)  # fmt: skip
arqint = Table("arqint", metadata, Column("numatend", CHAR(10)), Column("codlei", CHAR(6)), Column("posicao", CHAR(1)))
cadlei = Table(
    "cadlei", metadata,
    Column("codlei", CHAR(6)), Column("codaco", CHAR(6)), Column("tipobloq", CHAR(1)), Column("auxatend", CHAR(10)),
)  # fmt: skip
cadaco = Table("cadaco", metadata, Column("codaco", CHAR(6)), Column("codcc", CHAR(4)))
cadcc = Table("cadcc", metadata, Column("codcc", CHAR(4)), Column("nomecc", String(40)))
cadpac = Table(
    "cadpac", metadata,
    Column("codpac", CHAR(8)), Column("nomepac", String(70)), Column("sexo", CHAR(1)), Column("datanasc", Date),
)  # fmt: skip
cadplaco = Table(
    "cadplaco", metadata, Column("codplaco", CHAR(4)), Column("nomeplaco", String(40)), Column("codconv", CHAR(4))
)
cadconv = Table("cadconv", metadata, Column("codconv", CHAR(4)), Column("nomeconv", String(40)))
cadprest = Table(
    "cadprest", metadata, Column("codprest", CHAR(6)), Column("nomeprest", String(60)), Column("cbos", CHAR(6))
)
cadserv = Table("cadserv", metadata, Column("codserv", CHAR(4)), Column("nomeserv", String(40)))


def _bed(bed: Bed) -> str:
    return f"{bed.number:06d}"


class WarelineWriter(Writer):
    """The hospital in Wareline's tables: arqint holds the admission's bed and position, cadlei the occupant."""

    metadata: ClassVar[MetaData] = metadata

    def populate(self, db: Connection, world: World) -> None:
        db.execute(insert(cadcc), [{"codcc": f"{u.number:04d}", "nomecc": u.name.upper()} for u in world.units])
        rooms = {bed.room: bed.unit for bed in world.beds}
        db.execute(insert(cadaco), [{"codaco": f"{room:06d}", "codcc": f"{u.number:04d}"} for room, u in rooms.items()])
        db.execute(
            insert(cadlei),
            [{"codlei": _bed(b), "codaco": f"{b.room:06d}", "tipobloq": "L", "auxatend": None} for b in world.beds],
        )
        db.execute(
            insert(cadconv), [{"codconv": f"{i:04d}", "nomeconv": n.upper()} for i, n in enumerate(world.insurers, 1)]
        )
        db.execute(
            insert(cadplaco),
            [
                {"codplaco": f"{i:04d}", "nomeplaco": f"{n.upper()} ENFERMARIA", "codconv": f"{i:04d}"}
                for i, n in enumerate(world.insurers, 1)
            ],
        )
        db.execute(
            insert(cadprest),
            [{"codprest": f"{p.code:06d}", "nomeprest": p.name.upper(), "cbos": p.cbo} for p in world.professionals],
        )
        db.execute(insert(cadserv), [{"codserv": "0001", "nomeserv": "INTERNACAO"}])

    def admit(self, db: Connection, stay: Stay) -> None:
        patient, number = stay.patient, f"{stay.encounter:010d}"
        db.execute(
            insert(cadpac).values(
                codpac=f"{patient.code:08d}", nomepac=patient.name.upper(), sexo=patient.sex, datanasc=patient.birth
            )
        )
        db.execute(
            insert(arqatend).values(
                numatend=number,
                codpac=f"{patient.code:08d}",
                codplaco=f"{stay.insurer:04d}",
                codprest=f"{stay.professional.code:06d}",
                codserv="0001",
                tipoatend="I",
                datatend=stay.admitted,
                datasai=stay.discharged,
            )
        )
        bed = _bed(stay.bed) if stay.bed else None
        db.execute(insert(arqint).values(numatend=number, codlei=bed, posicao="A" if stay.discharged else "I"))
        if stay.bed is not None and stay.discharged is None:
            self._occupant(db, stay.bed, number)

    def discharge(self, db: Connection, stay: Stay) -> None:
        number = f"{stay.encounter:010d}"
        db.execute(update(arqatend).where(arqatend.c.numatend == number).values(datasai=stay.discharged))
        db.execute(update(arqint).where(arqint.c.numatend == number).values(posicao="A"))
        if stay.bed is not None:
            self._occupant(db, stay.bed, None)

    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        number = f"{stay.encounter:010d}"
        db.execute(update(arqint).where(arqint.c.numatend == number).values(codlei=_bed(bed)))
        self._occupant(db, bed, number)
        if stay.bed is not None:
            self._occupant(db, stay.bed, None)

    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        return f"{stay.encounter:010d}", None if stay.bed is None else _bed(stay.bed)

    @staticmethod
    def _occupant(db: Connection, bed: Bed, number: str | None) -> None:
        db.execute(
            update(cadlei).where(cadlei.c.codlei == _bed(bed)).values(tipobloq="*" if number else "L", auxatend=number)
        )
