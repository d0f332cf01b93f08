"""A synthetic hospital on the MV tables in SQLite: units, rooms, beds, insurers, professionals, patients.

Everything is invented (seeded random choices from common Brazilian names); `step()` makes the
hospital move between cycles: admissions into free beds, transfers between beds, discharges.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.engine import Connection, Engine

from connector.demo import mv_schema as mv

FEMALE = (
    "Maria",
    "Ana",
    "Francisca",
    "Antônia",
    "Adriana",
    "Juliana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Sandra",
    "Camila",
    "Conceição",
    "Letícia",
    "Luíza",
    "Beatriz",
    "Gabriela",
    "Helena",
    "Vitória",
    "Joana",
)
MALE = (
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Raimundo",
    "Sebastião",
)
SURNAMES = (
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Araújo",
    "Melo",
    "Barbosa",
    "Cardoso",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Conceição",
)
UNITS = (
    ("UTI Adulto", "UTI", 20),
    ("UTI Neonatal", "UTIN", 10),
    ("Clínica Médica", "CM", 80),
    ("Clínica Cirúrgica", "CC", 60),
    ("Maternidade", "MAT", 40),
    ("Pediatria", "PED", 30),
    ("Ortopedia", "ORT", 40),
    ("Cardiologia", "CAR", 40),
)
INSURERS = (
    "SUS",
    "Unimed",
    "Bradesco Saúde",
    "SulAmérica",
    "Amil",
    "Hapvida",
    "Particular",
    "Cassi",
    "Geap",
    "Porto Seguro Saúde",
)
CBOS = ("225125", "225250", "225124", "225150", "225270", "225120", "225225")


@dataclass(frozen=True)
class Movement:
    """What happened in the hospital between two cycles (the truth the receiver should detect)."""

    admissions: int
    discharges: int
    transfers: int


def person(rng: random.Random, sex: str) -> str:
    first = rng.choice(FEMALE if sex == "F" else MALE)
    middle = rng.choice(SURNAMES)
    return f"{first} {rng.choice(('', 'de ', 'da ', 'dos '))}{middle} {rng.choice(SURNAMES)}".replace("  ", " ")


class DemoHospital:
    """The hospital's database (an SQLite file with MV's tables) and its daily life."""

    def __init__(self, path: Path, *, patients: int = 300, seed: int = 2026) -> None:
        self.url = f"sqlite:///{path}"
        self.engine: Engine = create_engine(self.url)
        self.rng = random.Random(seed)
        self.now = datetime.now().replace(microsecond=0)
        self._next_encounter = 100_000
        self._next_patient = 500_000
        mv.metadata.create_all(self.engine)
        self._populate(patients)

    def _populate(self, patients: int) -> None:
        rng = self.rng
        scale = max(1, -(-patients * 5 // 4 // sum(size for _, _, size in UNITS)))  # a fifth of beds spare
        beds: list[dict[str, object]] = []
        units = []
        for number, (name, prefix, size) in enumerate(UNITS, start=1):
            units.append({"cd_unid_int": number, "ds_unid_int": name, "sn_ativo": "S"})
            for index in range(size * scale):
                room = f"{prefix}-{100 * number + index // 2 + 1}"
                beds.append(
                    {
                        "cd_leito": 10_000 * number + index + 1,
                        "ds_leito": f"{room}-{'AB'[index % 2]}",
                        "ds_resumo": f"{prefix}{index + 1}",
                        "cd_unid_int": number,
                        "ds_enfermaria": room,
                        "tp_ocupacao": "V",
                        "tp_situacao": "A",
                    }
                )
        with self.engine.begin() as db:
            db.execute(insert(mv.unid_int), units)
            db.execute(insert(mv.leito), beds)
            db.execute(
                insert(mv.convenio),
                [{"cd_convenio": i + 1, "nm_convenio": n} for i, n in enumerate(INSURERS)],
            )
            db.execute(
                insert(mv.prestador),
                [
                    {
                        "cd_prestador": i + 1,
                        "nm_prestador": "Dr(a). " + person(rng, rng.choice("MF")),
                        "cd_cbos": rng.choice(CBOS),
                    }
                    for i in range(40)
                ],
            )
            db.execute(
                insert(mv.tipo_internacao),
                [
                    {"cd_tipo_internacao": 1, "ds_tipo_internacao": "Clínica"},
                    {"cd_tipo_internacao": 2, "ds_tipo_internacao": "Cirúrgica"},
                ],
            )
            free = [int(str(b["cd_leito"])) for b in beds]
            rng.shuffle(free)
            for bed in free[:patients]:
                self._admit(db, bed, days_ago=rng.uniform(0, 30))
            for _ in range(patients // 3):  # past stays and outpatient visits: never in the census
                self._admit(db, None, days_ago=rng.uniform(31, 400), kind=rng.choice("IAUE"), discharged=True)

    def _admit(
        self, db: Connection, bed: int | None, *, days_ago: float, kind: str = "I", discharged: bool = False
    ) -> None:
        rng = self.rng
        sex = rng.choice("MF")
        self._next_patient += 1
        self._next_encounter += rng.randint(1, 7)
        admitted = self.now - timedelta(days=days_ago)
        db.execute(
            insert(mv.paciente).values(
                cd_paciente=self._next_patient,
                nm_paciente=person(rng, sex).upper(),
                tp_sexo=sex,
                dt_nascimento=self.now - timedelta(days=rng.randint(0, 95 * 365)),
            )
        )
        db.execute(
            insert(mv.atendime).values(
                cd_atendimento=self._next_encounter,
                cd_paciente=self._next_patient,
                cd_convenio=rng.randint(1, len(INSURERS)),
                cd_prestador=rng.randint(1, 40),
                cd_leito=bed,
                dt_atendimento=admitted,
                hr_atendimento=admitted,
                tp_atendimento=kind,
                dt_alta=admitted + timedelta(days=2) if discharged else None,
                cd_tipo_internacao=rng.randint(1, 2),
                cd_multi_empresa=1,
            )
        )
        if bed is not None and not discharged:
            db.execute(update(mv.leito).where(mv.leito.c.cd_leito == bed).values(tp_ocupacao="O"))

    def _admitted(self) -> list[tuple[int, int | None]]:
        query = select(mv.atendime.c.cd_atendimento, mv.atendime.c.cd_leito).where(
            mv.atendime.c.dt_alta.is_(None), mv.atendime.c.tp_atendimento == "I"
        )
        with self.engine.connect() as db:
            return [(int(row[0]), row[1]) for row in db.execute(query)]

    def _free_beds(self) -> list[int]:
        with self.engine.connect() as db:
            return [row[0] for row in db.execute(select(mv.leito.c.cd_leito).where(mv.leito.c.tp_ocupacao == "V"))]

    def step(self) -> Movement:
        """A few minutes of hospital life: some discharges, transfers and admissions."""
        rng = self.rng
        self.now += timedelta(minutes=5)
        with self.engine.begin() as db:  # beds cleaned since the last step are free again
            db.execute(update(mv.leito).where(mv.leito.c.tp_ocupacao == "L").values(tp_ocupacao="V"))
        admitted = self._admitted()
        leaving = rng.sample(admitted, k=min(len(admitted), rng.randint(1, max(1, len(admitted) // 50))))
        with self.engine.begin() as db:
            for encounter, bed in leaving:
                db.execute(
                    update(mv.atendime)
                    .where(mv.atendime.c.cd_atendimento == encounter)
                    .values(dt_alta=self.now, hr_alta=self.now)
                )
                db.execute(update(mv.leito).where(mv.leito.c.cd_leito == bed).values(tp_ocupacao="L"))
        staying = [a for a in admitted if a not in leaving and a[1] is not None]
        free = self._free_beds()
        moving = rng.sample(staying, k=min(len(staying), len(free), rng.randint(0, 3)))
        with self.engine.begin() as db:
            for (encounter, old_bed), new_bed in zip(moving, free, strict=False):
                db.execute(
                    update(mv.atendime).where(mv.atendime.c.cd_atendimento == encounter).values(cd_leito=new_bed)
                )
                db.execute(update(mv.leito).where(mv.leito.c.cd_leito == new_bed).values(tp_ocupacao="O"))
                db.execute(update(mv.leito).where(mv.leito.c.cd_leito == old_bed).values(tp_ocupacao="L"))
        free = self._free_beds()
        arriving = min(len(free), rng.randint(1, max(1, len(admitted) // 40)))
        with self.engine.begin() as db:
            for bed in rng.sample(free, k=arriving):
                self._admit(db, bed, days_ago=0)
        return Movement(admissions=arriving, discharges=len(leaving), transfers=len(moving))

    def close(self) -> None:
        self.engine.dispose()
