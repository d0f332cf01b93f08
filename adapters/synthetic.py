"""The synthetic hospital's world, the same for every vendor: units, beds, people, stays, and the writer contract.

Everything is invented (seeded random choices from common Brazilian names). A vendor's `Writer`, in
`adapters/<vendor>/tables.py` next to the vendor's table definitions, turns this world and its daily life
(admissions, transfers, discharges) into rows of that vendor's tables. The demo (`demo --vendor <vendor>`) and the
bench write through it.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

FEMALE = (
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Patrícia", "Aline",
    "Sandra", "Camila", "Conceição", "Letícia", "Luíza", "Beatriz", "Gabriela", "Helena", "Vitória", "Joana",
)  # fmt: skip
MALE = (
    "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz", "Marcos",
    "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo", "Sebastião",
)  # fmt: skip
SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
    "Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Melo", "Barbosa", "Cardoso", "Rocha", "Dias",
    "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Conceição",
)  # fmt: skip
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
    "SUS", "Unimed", "Bradesco Saúde", "SulAmérica", "Amil", "Hapvida", "Particular", "Cassi", "Geap",
    "Porto Seguro Saúde",
)  # fmt: skip
CBOS = ("225125", "225250", "225124", "225150", "225270", "225120", "225225")
PROFESSIONALS = 40


def person_name(rng: random.Random, sex: str) -> str:
    first = rng.choice(FEMALE if sex == "F" else MALE)
    middle = rng.choice(SURNAMES)
    return f"{first} {rng.choice(('', 'de ', 'da ', 'dos '))}{middle} {rng.choice(SURNAMES)}".replace("  ", " ")


@dataclass(frozen=True)
class Unit:
    number: int  # 1, 2, ...
    name: str
    prefix: str


@dataclass(frozen=True)
class Bed:
    number: int  # unique across the hospital, e.g. 10001
    unit: Unit
    room: int  # unique across the hospital, e.g. 1001
    side: str  # "A" or "B": two beds per room

    @property
    def label(self) -> str:
        return f"{self.unit.prefix}-{self.room}-{self.side}"


@dataclass(frozen=True)
class Person:
    code: int
    name: str
    sex: str
    birth: date


@dataclass(frozen=True)
class Professional:
    code: int  # 1..PROFESSIONALS
    name: str
    cbo: str
    document: str  # CPF digits


@dataclass(frozen=True)
class World:
    """The hospital's fixed parts: units and beds, insurers (code = position + 1), professionals."""

    units: tuple[Unit, ...]
    beds: tuple[Bed, ...]
    insurers: tuple[str, ...]
    professionals: tuple[Professional, ...]


@dataclass
class Stay:
    """One encounter: admitted now when `discharged` is None; `bed` None for a past stay kept only as history."""

    encounter: int
    patient: Person
    bed: Bed | None
    insurer: int
    professional: Professional
    admitted: datetime
    discharged: datetime | None = None


def build_world(rng: random.Random, patients: int) -> World:
    """Units and beds for `patients` with a fifth of the beds spare, insurers and professionals."""
    scale = max(1, -(-patients * 5 // 4 // sum(size for _, _, size in UNITS)))
    units = tuple(Unit(number, name, prefix) for number, (name, prefix, _) in enumerate(UNITS, start=1))
    beds = tuple(
        Bed(10_000 * unit.number + index + 1, unit, 1000 * unit.number + index // 2 + 1, "AB"[index % 2])
        for unit, (_, _, size) in zip(units, UNITS, strict=True)
        for index in range(size * scale)
    )
    professionals = tuple(
        Professional(code, "Dr(a). " + person_name(rng, rng.choice("MF")), rng.choice(CBOS), f"{code:011d}")
        for code in range(1, PROFESSIONALS + 1)
    )
    return World(units, beds, INSURERS, professionals)


class Writer(ABC):
    """A vendor's tables (exactly the columns in his-schemas) and how the hospital's life is written into them."""

    metadata: ClassVar[MetaData]

    @abstractmethod
    def populate(self, db: Connection, world: World) -> None:
        """Write units, rooms, beds (all free), insurers and professionals."""

    @abstractmethod
    def admit(self, db: Connection, stay: Stay) -> None:
        """Write a new encounter: into its bed, or (discharged set) as a past stay that is over."""

    @abstractmethod
    def discharge(self, db: Connection, stay: Stay) -> None:
        """The patient leaves (`stay.discharged` is the moment); the bed is free for cleaning."""

    @abstractmethod
    def transfer(self, db: Connection, stay: Stay, bed: Bed, when: datetime) -> None:
        """The patient moves from `stay.bed` to `bed` (the caller then updates `stay.bed`)."""

    @abstractmethod
    def census_codes(self, stay: Stay) -> tuple[str, str | None]:
        """How the vendor's census shows the stay: its `cod_ocorrencia` and `cod_leito` (None without a bed)."""
