"""PostgreSQL replicas of MV and Wareline holding a realistic history, filled server-side in seconds, and the SQL
with which the hospital's own application admits, discharges and transfers a patient in each.

The tables are the vendors' census tables (exactly the columns in his-schemas, from
`connector.commands.demo.vendors`) with the keys a real installation has (primary keys on the key columns) and
nothing more: MV's `DT_ALTA IS NULL` and Wareline's `posicao = 'I'` are not indexed, so a full census read scans the
encounter (admission) table, as on a real installation; the bed tables are small. History: `encounters` past
encounters of every kind (8% admissions, 32% emergency, 60% outpatient; a few outpatient encounters never closed, as
real bases have), a patient table of half that size, and `admitted` patients in beds now.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from connector.commands.demo.vendors import mv, wareline


@dataclass(frozen=True)
class Size:
    encounters: int  # past encounters (history)
    beds: int
    admitted: int


MV_FILL = [
    "INSERT INTO dbamv.unid_int SELECT i, 'UNIDADE ' || i, 'S' FROM generate_series(1, 8) i",
    "INSERT INTO dbamv.convenio SELECT i, 'CONVÊNIO ' || i FROM generate_series(1, 12) i",
    "INSERT INTO dbamv.prestador SELECT i, 'DR(A). PROFISSIONAL ' || i, '2251' || lpad((i % 99)::text, 2, '0') "
    "FROM generate_series(1, 200) i",
    "INSERT INTO dbamv.tipo_internacao VALUES (1, 'Clínica'), (2, 'Cirúrgica')",
    "INSERT INTO dbamv.leito SELECT i, 'L' || i, 'R' || i, 1 + i % 8, 'ENF ' || ((i + 1) / 2), 'V', 'A' "
    "FROM generate_series(1, :beds) i",
    "INSERT INTO dbamv.paciente SELECT i, 'PACIENTE HISTÓRICO ' || i, timestamp '1930-01-01' + (i % 30000) "
    "* interval '1 day', (ARRAY['M','F'])[1 + i % 2] FROM generate_series(1, :patients) i",
    "INSERT INTO dbamv.atendime SELECT i, 1 + (i::bigint * 7919) % :patients, 1 + i % 12, 1 + i % 200, "
    "CASE WHEN i % 100 < 40 THEN 1 + (i * 31) % :beds END, t, t, "
    "CASE WHEN i % 100 >= 40 AND i % 20 = 0 THEN NULL ELSE t + (1 + i % 9) * interval '1 day' END, "
    "CASE WHEN i % 100 >= 40 AND i % 20 = 0 THEN NULL ELSE t + (1 + i % 9) * interval '1 day' END, "
    "CASE WHEN i % 100 < 8 THEN 'I' WHEN i % 100 < 40 THEN 'U' ELSE 'A' END, 1 + i % 2, 1 "
    "FROM (SELECT i, timestamp '2021-01-01' + i * (interval '5 years' / :encounters) AS t "
    "FROM generate_series(1, :encounters) i) g",
]
WARELINE_FILL = [
    "INSERT INTO public.cadcc SELECT lpad(i::text, 4, '0'), 'SETOR ' || i FROM generate_series(1, 8) i",
    "INSERT INTO public.cadaco SELECT lpad(i::text, 6, '0'), lpad((1 + i % 8)::text, 4, '0') "
    "FROM generate_series(1, :beds / 2 + 1) i",
    "INSERT INTO public.cadlei SELECT lpad(i::text, 6, '0'), lpad(((i + 1) / 2)::text, 6, '0'), 'L', NULL "
    "FROM generate_series(1, :beds) i",
    "INSERT INTO public.cadconv SELECT lpad(i::text, 4, '0'), 'CONVENIO ' || i FROM generate_series(1, 12) i",
    "INSERT INTO public.cadplaco SELECT lpad(i::text, 4, '0'), 'PLANO ' || i, lpad(i::text, 4, '0') "
    "FROM generate_series(1, 12) i",
    "INSERT INTO public.cadprest SELECT lpad(i::text, 6, '0'), 'DR(A). PROFISSIONAL ' || i, '225125' "
    "FROM generate_series(1, 200) i",
    "INSERT INTO public.cadserv VALUES ('0001', 'INTERNACAO')",
    "INSERT INTO public.cadpac SELECT lpad(i::text, 8, '0'), 'PACIENTE HISTORICO ' || i, (ARRAY['M','F'])[1 + i % 2], "
    "date '1930-01-01' + i % 30000 FROM generate_series(1, :patients) i",
    "INSERT INTO public.arqatend SELECT lpad(i::text, 10, '0'), "
    "lpad((1 + (i::bigint * 7919) % :patients)::text, 8, '0'), lpad((1 + i % 12)::text, 4, '0'), "
    "lpad((1 + i % 200)::text, 6, '0'), '0001', "
    "CASE WHEN i % 100 < 8 THEN 'I' WHEN i % 100 < 40 THEN 'E' ELSE 'A' END, t, "
    "CASE WHEN i % 100 >= 40 AND i % 20 = 0 THEN NULL ELSE t + (1 + i % 9) * interval '1 day' END "
    "FROM (SELECT i, timestamp '2021-01-01' + i * (interval '5 years' / :encounters) AS t "
    "FROM generate_series(1, :encounters) i) g",
    "INSERT INTO public.arqint SELECT lpad(i::text, 10, '0'), lpad((1 + (i * 31) % :beds)::text, 6, '0'), 'A' "
    "FROM generate_series(1, :encounters) i WHERE i % 100 < 8",
]
# The keys a real installation has; nothing on the columns that say "admitted now".
KEYS = {
    "mv": [],  # the demo tables already declare MV's primary keys
    "wareline": [
        "ALTER TABLE public.arqatend ADD PRIMARY KEY (numatend)",
        "ALTER TABLE public.arqint ADD PRIMARY KEY (numatend)",
        "ALTER TABLE public.cadlei ADD PRIMARY KEY (codlei)",
        "ALTER TABLE public.cadpac ADD PRIMARY KEY (codpac)",
        "ALTER TABLE public.cadplaco ADD PRIMARY KEY (codplaco)",
        "ALTER TABLE public.cadconv ADD PRIMARY KEY (codconv)",
        "ALTER TABLE public.cadprest ADD PRIMARY KEY (codprest)",
        "ALTER TABLE public.cadaco ADD PRIMARY KEY (codaco)",
        "ALTER TABLE public.cadcc ADD PRIMARY KEY (codcc)",
        "ALTER TABLE public.cadserv ADD PRIMARY KEY (codserv)",
    ],
}
SCHEMA = {"mv": "dbamv", "wareline": "public"}


def fill(url: URL, vendor: str, size: Size, seed: int = 13) -> None:
    """Create the vendor's tables in this (empty) database and fill them: history, then the patients admitted now
    (each through the same statements the driver uses), then the keys, VACUUM and ANALYZE."""
    engine = create_engine(url)
    metadata = mv.metadata if vendor == "mv" else wareline.metadata
    with engine.begin() as db:
        db.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA[vendor]}"))
    metadata.create_all(engine.execution_options(schema_translate_map={None: SCHEMA[vendor]}))
    values = {"beds": size.beds, "patients": size.encounters // 2, "encounters": size.encounters}
    rng = random.Random(seed)
    with engine.begin() as db:
        for statement in MV_FILL if vendor == "mv" else WARELINE_FILL:
            db.execute(text(statement), values)
        for statement in KEYS[vendor]:
            db.execute(text(statement))
        beds = rng.sample(range(1, size.beds + 1), size.admitted)
        for number, bed in enumerate(beds, start=1):
            for statement, params in admit(vendor, size.encounters + number, size.encounters + number, bed):
                db.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def admit(vendor: str, encounter: int, patient: int, bed: int) -> list[tuple[str, dict[str, object]]]:
    """The statements of one admission into `bed` (one transaction), as the vendor's application writes it."""
    if vendor == "mv":
        return [
            ("INSERT INTO dbamv.paciente VALUES (:p, :n, timestamp '1970-01-01', 'F')",
             {"p": patient, "n": f"PACIENTE {patient}"}),
            ("INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, cd_convenio, cd_prestador, cd_leito, "
             "dt_atendimento, hr_atendimento, tp_atendimento, cd_tipo_internacao, cd_multi_empresa) VALUES "
             "(:e, :p, 1, 1, :b, LOCALTIMESTAMP, LOCALTIMESTAMP, 'I', 1, 1)", {"e": encounter, "p": patient, "b": bed}),
            ("UPDATE dbamv.leito SET tp_ocupacao = 'O' WHERE cd_leito = :b", {"b": bed}),
        ]  # fmt: skip
    number, code = f"{encounter:010d}", f"{patient:08d}"
    return [
        ("INSERT INTO public.cadpac VALUES (:p, :n, 'F', date '1970-01-01')", {"p": code, "n": f"PACIENTE {patient}"}),
        ("INSERT INTO public.arqatend VALUES (:n, :p, '0001', '000001', '0001', 'I', LOCALTIMESTAMP, NULL)",
         {"n": number, "p": code}),
        ("INSERT INTO public.arqint VALUES (:n, :b, 'I')", {"n": number, "b": f"{bed:06d}"}),
        ("UPDATE public.cadlei SET tipobloq = '*', auxatend = :n WHERE codlei = :b", {"n": number, "b": f"{bed:06d}"}),
    ]  # fmt: skip


def discharge(vendor: str, encounter: int, bed: int) -> list[tuple[str, dict[str, object]]]:
    """The statements of one discharge: the encounter closed, the bed left for cleaning."""
    if vendor == "mv":
        return [
            ("UPDATE dbamv.atendime SET dt_alta = LOCALTIMESTAMP, hr_alta = LOCALTIMESTAMP WHERE cd_atendimento = :e",
             {"e": encounter}),
            ("UPDATE dbamv.leito SET tp_ocupacao = 'L' WHERE cd_leito = :b", {"b": bed}),
        ]  # fmt: skip
    number = f"{encounter:010d}"
    return [
        ("UPDATE public.arqatend SET datasai = LOCALTIMESTAMP WHERE numatend = :n", {"n": number}),
        ("UPDATE public.arqint SET posicao = 'A' WHERE numatend = :n", {"n": number}),
        ("UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = :b", {"b": f"{bed:06d}"}),
    ]


def transfer(vendor: str, encounter: int, old: int, new: int) -> list[tuple[str, dict[str, object]]]:
    """The statements of one transfer: the encounter's current bed, both beds' occupancy."""
    if vendor == "mv":
        return [
            ("UPDATE dbamv.atendime SET cd_leito = :b WHERE cd_atendimento = :e", {"e": encounter, "b": new}),
            ("UPDATE dbamv.leito SET tp_ocupacao = 'O' WHERE cd_leito = :b", {"b": new}),
            ("UPDATE dbamv.leito SET tp_ocupacao = 'L' WHERE cd_leito = :b", {"b": old}),
        ]
    number = f"{encounter:010d}"
    return [
        ("UPDATE public.arqint SET codlei = :b WHERE numatend = :n", {"n": number, "b": f"{new:06d}"}),
        ("UPDATE public.cadlei SET tipobloq = '*', auxatend = :n WHERE codlei = :b", {"n": number, "b": f"{new:06d}"}),
        ("UPDATE public.cadlei SET tipobloq = 'L', auxatend = NULL WHERE codlei = :b", {"b": f"{old:06d}"}),
    ]


def outpatient(vendor: str, encounter: int, patient: int) -> list[tuple[str, dict[str, object]]]:
    """An outpatient (MV: emergency) encounter without a bed: never in the census."""
    if vendor == "mv":
        return [
            ("INSERT INTO dbamv.paciente VALUES (:p, :n, timestamp '1970-01-01', 'M')",
             {"p": patient, "n": f"PACIENTE {patient}"}),
            ("INSERT INTO dbamv.atendime (cd_atendimento, cd_paciente, cd_convenio, cd_prestador, dt_atendimento, "
             "hr_atendimento, tp_atendimento, cd_multi_empresa) VALUES (:e, :p, 1, 1, LOCALTIMESTAMP, LOCALTIMESTAMP, "
             "'U', 1)", {"e": encounter, "p": patient}),
        ]  # fmt: skip
    code = f"{patient:08d}"
    return [
        ("INSERT INTO public.cadpac VALUES (:p, :n, 'M', date '1970-01-01')", {"p": code, "n": f"PACIENTE {patient}"}),
        ("INSERT INTO public.arqatend VALUES (:n, :p, '0001', '000001', '0001', 'A', LOCALTIMESTAMP, NULL)",
         {"n": f"{encounter:010d}", "p": code}),
    ]  # fmt: skip


def census_key(vendor: str, encounter: int, bed: int | None) -> tuple[str, str | None]:
    """How the encounter and its bed appear in the census the connector pushes."""
    if vendor == "mv":
        return str(encounter), None if bed is None else str(bed)
    return f"{encounter:010d}", None if bed is None else f"{bed:06d}"


def admitted_now(url: URL, vendor: str) -> dict[int, int]:
    """encounter -> bed of the patients admitted now, read without being counted in the table statistics."""
    query = {
        "mv": "SELECT cd_atendimento, cd_leito FROM dbamv.atendime WHERE dt_alta IS NULL AND tp_atendimento = 'I'",
        "wareline": "SELECT numatend, codlei FROM public.arqint WHERE posicao = 'I'",
    }[vendor]
    engine = create_engine(url)
    with engine.connect() as db:
        db.execute(text("SET track_counts = off"))
        rows = db.execute(text(query)).all()
    engine.dispose()
    return {int(encounter): int(bed) for encounter, bed in rows}
