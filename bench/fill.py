"""Fill a PostgreSQL MV replica (schema dbamv) with N admitted patients, server-side, in seconds."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters.mv import tables as mv

FILL = [
    "INSERT INTO dbamv.unid_int SELECT i, 'UNIDADE ' || i, 'S' FROM generate_series(1, 20) i",
    "INSERT INTO dbamv.convenio SELECT i, 'CONVÊNIO  ' || i FROM generate_series(1, 12) i",
    "INSERT INTO dbamv.prestador SELECT i, 'DR(A). PROFISSIONAL ' || i, '2251' || lpad((i % 99)::text, 2, '0') "
    "FROM generate_series(1, 200) i",
    "INSERT INTO dbamv.leito SELECT i, 'L' || i, 'R' || i, 1 + i % 20, 'ENF ' || (i / 2), 'O', 'A' "
    "FROM generate_series(1, :n) i",
    "INSERT INTO dbamv.paciente SELECT 9000000 + i, '  JOSÉ  DA SILVA ' || i || ' CONCEIÇÃO ', "
    "timestamp '1940-01-01' + (i % 30000) * interval '1 day', (ARRAY['M','F','Masculino','f','I'])[1 + i % 5] "
    "FROM generate_series(1, :total) i",
    "INSERT INTO dbamv.atendime SELECT i, 9000000 + i, 1 + i % 12, 1 + i % 200, CASE WHEN i <= :n THEN i END, "
    "timestamp '2026-11-01 08:00' + (i % 600) * interval '1 hour', NULL, "
    "CASE WHEN i > :n THEN timestamp '2026-11-20' END, NULL, CASE WHEN i % 7 = 0 AND i > :n THEN 'A' ELSE 'I' END, "
    "1, 1 FROM generate_series(1, :total) i",
]


def fill(url: URL, admitted: int) -> None:
    """Replace the replica's content: `admitted` inpatients in beds, plus a fifth as many past encounters."""
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text("CREATE SCHEMA IF NOT EXISTS dbamv"))
    translated = engine.execution_options(schema_translate_map={None: "dbamv"})
    mv.metadata.drop_all(translated)
    mv.metadata.create_all(translated)
    with engine.begin() as db:
        for statement in FILL:
            db.execute(text(statement), {"n": admitted, "total": admitted + admitted // 5})
        db.execute(text("ANALYZE"))
    engine.dispose()
