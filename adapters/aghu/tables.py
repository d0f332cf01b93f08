"""AGHU / AGHUse (PostgreSQL, schema agh): its census tables as SQLAlchemy metadata (exactly the columns in
his-schemas), the one definition the demo and the test replicas build, and the synthetic hospital written into them.
Booleans are 'S'/'N', as in AGHU."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import CHAR, Column, DateTime, Integer, MetaData, Numeric, SmallInteger, String, Table, insert, update
from sqlalchemy.engine import Connection

from adapters.synthetic import Bed, Stay, World, Writer

metadata = MetaData()
ain_internacoes = Table(
    "ain_internacoes", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False), Column("pac_codigo", Integer),
    Column("ind_paciente_internado", CHAR(1)), Column("ind_local_paciente", CHAR(1)), Column("lto_lto_id", String(14)),
    Column("qrt_numero", SmallInteger), Column("unf_seq", SmallInteger), Column("dthr_internacao", DateTime),
    Column("csp_cnv_codigo", SmallInteger), Column("csp_seq", SmallInteger),
    Column("ser_matricula_professor", Integer), Column("ser_vin_codigo_professor", SmallInteger),
    Column("dthr_alta_medica", DateTime),
)  # fmt: skip
ain_leitos = Table(
    "ain_leitos", metadata,
    Column("lto_id", String(14), primary_key=True), Column("qrt_numero", SmallInteger), Column("leito", String(4)),
    Column("unf_seq", SmallInteger), Column("ind_situacao", CHAR(1)), Column("int_seq", Integer),
)  # fmt: skip
ain_quartos = Table(
    "ain_quartos", metadata,
    Column("numero", SmallInteger, primary_key=True, autoincrement=False), Column("descricao", String(50)),
    Column("unf_seq", SmallInteger),
)  # fmt: skip
agh_unidades_funcionais = Table(
    "agh_unidades_funcionais", metadata,
    Column("seq", SmallInteger, primary_key=True, autoincrement=False), Column("descricao", String(60)),
    Column("sigla", String(10)), Column("andar", String(3)),
)  # fmt: skip
aip_pacientes = Table(
    "aip_pacientes", metadata,
    Column("codigo", Integer, primary_key=True, autoincrement=False), Column("nome", String(50)),
    Column("dt_nascimento", DateTime), Column("sexo", CHAR(1)), Column("prontuario", Integer),
)  # fmt: skip
fat_convenios_saude = Table(
    "fat_convenios_saude", metadata,
    Column("codigo", SmallInteger, primary_key=True, autoincrement=False), Column("descricao", String(60)),
)  # fmt: skip
rap_servidores = Table(
    "rap_servidores", metadata,
    Column("matricula", Integer, primary_key=True, autoincrement=False),
    Column("vin_codigo", SmallInteger, primary_key=True, autoincrement=False), Column("pes_codigo", Integer),
)  # fmt: skip
rap_pessoas_fisicas = Table(
    "rap_pessoas_fisicas", metadata,
    Column("codigo", Integer, primary_key=True, autoincrement=False), Column("nome", String(50)),
)  # fmt: skip
rap_pessoa_tipo_informacoes = Table(
    "rap_pessoa_tipo_informacoes", metadata,
    Column("pes_codigo", Integer), Column("tii_seq", SmallInteger), Column("valor", String(60)),
    Column("dt_inicio", DateTime), Column("dt_fim", DateTime),
)  # fmt: skip
agh_parametros = Table(
    "agh_parametros", metadata, Column("nome", String(80), primary_key=True), Column("vlr_numerico", Numeric(12, 2))
)

CBO_INFORMATION = 7  # the tii_seq the demo's P_TIPO_INF_CBO points at
STAFF_VINCULO = 1


def _bed(bed: Bed) -> str:
    return f"{bed.room:05d}{bed.side}"


def _staff(code: int) -> int:
    return 70_000 + code


class AghuWriter(Writer):
    """The hospital in AGHU's tables: the admission names its bed (lto_lto_id) and room; the bed names the admission."""

    metadata: ClassVar[MetaData] = metadata

    def populate(self, db: Connection, world: World) -> None:
        db.execute(
            insert(agh_unidades_funcionais),
            [
                {"seq": u.number, "descricao": u.name.upper(), "sigla": u.prefix, "andar": str(u.number)}
                for u in world.units
            ],
        )
        rooms = {bed.room: bed.unit for bed in world.beds}
        db.execute(
            insert(ain_quartos),
            [{"numero": room, "descricao": f"{u.prefix} {room}", "unf_seq": u.number} for room, u in rooms.items()],
        )
        db.execute(
            insert(ain_leitos),
            [
                {"lto_id": _bed(b), "qrt_numero": b.room, "leito": b.side, "unf_seq": b.unit.number,
                 "ind_situacao": "D", "int_seq": None}
                for b in world.beds
            ],
        )  # fmt: skip
        db.execute(
            insert(fat_convenios_saude),
            [{"codigo": i, "descricao": n.upper()} for i, n in enumerate(world.insurers, 1)],
        )
        staff = world.professionals
        db.execute(insert(rap_pessoas_fisicas), [{"codigo": p.code, "nome": p.name.upper()} for p in staff])
        db.execute(
            insert(rap_servidores),
            [{"matricula": _staff(p.code), "vin_codigo": STAFF_VINCULO, "pes_codigo": p.code} for p in staff],
        )
        db.execute(
            insert(rap_pessoa_tipo_informacoes),
            [
                {"pes_codigo": p.code, "tii_seq": CBO_INFORMATION, "valor": p.cbo, "dt_inicio": datetime(2020, 1, 1),
                 "dt_fim": None}
                for p in staff
            ],
        )  # fmt: skip
        db.execute(insert(agh_parametros).values(nome="P_TIPO_INF_CBO", vlr_numerico=CBO_INFORMATION))

    def admit(self, db: Connection, stay: Stay) -> None:
        patient, bed = stay.patient, stay.bed
        db.execute(
            insert(aip_pacientes).values(
                codigo=patient.code,
                nome=patient.name.upper(),
                dt_nascimento=patient.birth,
                sexo=patient.sex,
                prontuario=1_000_000 + patient.code,
            )
        )
        db.execute(
            insert(ain_internacoes).values(
                seq=stay.encounter,
                pac_codigo=patient.code,
                ind_paciente_internado="N" if stay.discharged else "S",
                ind_local_paciente="L",
                lto_lto_id=_bed(bed) if bed else None,
                qrt_numero=bed.room if bed else None,
                unf_seq=bed.unit.number if bed else None,
                dthr_internacao=stay.admitted,
                csp_cnv_codigo=stay.insurer,
                csp_seq=1,
                ser_matricula_professor=_staff(stay.professional.code),
                ser_vin_codigo_professor=STAFF_VINCULO,
                dthr_alta_medica=stay.discharged,
            )
        )
        if bed is not None and stay.discharged is None:
            self._occupant(db, bed, stay.encounter)

    def discharge(self, db: Connection, stay: Stay) -> None:
        db.execute(
            update(ain_internacoes)
            .where(ain_internacoes.c.seq == stay.encounter)
            .values(ind_paciente_internado="N", dthr_alta_medica=stay.discharged)
        )
        if stay.bed is not None:
            self._occupant(db, stay.bed, None)

    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        db.execute(
            update(ain_internacoes)
            .where(ain_internacoes.c.seq == stay.encounter)
            .values(lto_lto_id=_bed(bed), qrt_numero=bed.room, unf_seq=bed.unit.number)
        )
        self._occupant(db, bed, stay.encounter)
        if stay.bed is not None:
            self._occupant(db, stay.bed, None)

    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        return str(stay.encounter), None if stay.bed is None else _bed(stay.bed)

    @staticmethod
    def _occupant(db: Connection, bed: Bed, encounter: int | None) -> None:
        db.execute(
            update(ain_leitos)
            .where(ain_leitos.c.lto_id == _bed(bed))
            .values(int_seq=encounter, ind_situacao="O" if encounter else "D")
        )
