"""A replica of the Wareline tables (exactly the columns in his-schemas) with its edge cases, and its census."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, create_engine, insert, text
from sqlalchemy.engine import URL

from adapters.wareline.tables import (
    arqatend,
    arqint,
    cadaco,
    cadcc,
    cadconv,
    cadlei,
    cadpac,
    cadplaco,
    cadprest,
    cadserv,
    metadata,
)

ROWS: dict[Table, list[dict[str, Any]]] = {
    cadcc: [{"codcc": "0010", "nomecc": "CLINICA MEDICA"}],
    cadaco: [{"codaco": "0101", "codcc": "0010"}, {"codaco": "0102", "codcc": "0010"}],
    cadlei: [
        {"codlei": "000101", "codaco": "0101", "tipobloq": "*", "auxatend": "0000012345"},
        {"codlei": "000102", "codaco": "0101", "tipobloq": "D", "auxatend": None},  # deactivated, still occupied
        {"codlei": "000201", "codaco": "0102", "tipobloq": "L", "auxatend": None},
    ],
    cadconv: [{"codconv": "0007", "nomeconv": "UNIMED  NORTE "}],
    cadplaco: [
        {"codplaco": "0070", "nomeplaco": "UNIMED APTO", "codconv": "0007"},
        {"codplaco": "0099", "nomeplaco": "PARTICULAR", "codconv": None},  # a plan without insurer
    ],
    cadprest: [{"codprest": "000042", "nomeprest": "DR  CARLOS  REIS", "cbos": "225125"}],
    cadserv: [{"codserv": "0001", "nomeserv": "INTERNACAO"}],
    cadpac: [
        {"codpac": "00000777", "nomepac": "ANA  PAULA SOUZA", "sexo": "F", "datanasc": date(1980, 1, 2)},
        {"codpac": "00000778", "nomepac": "JOÃO BATISTA", "sexo": "M", "datanasc": date(1945, 12, 31)},
        {"codpac": "00000779", "nomepac": "SEBASTIÃO NETO", "sexo": "M", "datanasc": date(1970, 6, 6)},
    ],
    arqatend: [
        {"numatend": "0000012345", "codpac": "00000777", "codplaco": "0070", "codprest": "000042", "codserv": "0001",
         "tipoatend": "I", "datatend": datetime(2026, 11, 24, 8, 15), "datasai": None},
        {"numatend": "0000012346", "codpac": "00000778", "codplaco": "0099", "codprest": "000042", "codserv": "0001",
         "tipoatend": "I", "datatend": datetime(2026, 11, 25, 22, 0), "datasai": None},
        {"numatend": "0000012347", "codpac": "00000779", "codplaco": "0070", "codprest": "000042", "codserv": "0001",
         "tipoatend": "I", "datatend": datetime(2026, 11, 1, 10, 0), "datasai": datetime(2026, 11, 10, 10, 0)},
    ],
    arqint: [
        {"numatend": "0000012345", "codlei": "000101", "posicao": "I"},
        {"numatend": "0000012346", "codlei": "000102", "posicao": "I"},
        {"numatend": "0000012347", "codlei": "000201", "posicao": "A"},  # not admitted now
    ],
}  # fmt: skip

EXPECTED = [
    {"cod_ocorrencia": "0000012345", "cod_quarto": "0101", "cod_leito": "000101", "convenio_codigo": "0007",
     "convenio_nome": "UNIMED NORTE", "data_internacao": "2026-11-24", "paciente_nome": "ANA PAULA SOUZA",
     "paciente_codigo": "00000777", "paciente_data_nascimento": "1980-01-02", "paciente_sexo": "F",
     "profissional_cbos": "225125", "profissional_nome": "DR CARLOS REIS", "profissional_codigo": "000042",
     "tipo_ocorrencia_codigo": "I", "tipo_ocorrencia_descricao": "INTERNAÇÃO"},
    {"cod_ocorrencia": "0000012346", "cod_quarto": "0101", "cod_leito": "000102", "convenio_codigo": None,
     "convenio_nome": None, "data_internacao": "2026-11-25", "paciente_nome": "JOÃO BATISTA",
     "paciente_codigo": "00000778", "paciente_data_nascimento": "1945-12-31", "paciente_sexo": "M",
     "profissional_cbos": "225125", "profissional_nome": "DR CARLOS REIS", "profissional_codigo": "000042",
     "tipo_ocorrencia_codigo": "I", "tipo_ocorrencia_descricao": "INTERNAÇÃO"},
]  # fmt: skip


def build(url: URL, schema: str = "public", *, cbo: dict[str, str | None] | None = None) -> None:
    """Create the Wareline tables under `schema` (exact name, quoted when it needs it; replacing any) and fill
    them. With `cbo`, cadprest also has the optional `cbo` column, filled per professional code."""
    engine = create_engine(url)
    quoted = engine.dialect.identifier_preparer.quote_schema(schema)
    with engine.begin() as db:
        db.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
    translated = engine.execution_options(schema_translate_map={None: schema})
    metadata.drop_all(translated)
    metadata.create_all(translated)
    with translated.begin() as db:
        for table, rows in ROWS.items():
            db.execute(insert(table), rows)
        if cbo is not None:
            db.execute(text(f"ALTER TABLE {quoted}.cadprest ADD COLUMN cbo CHAR(6)"))
            for code, value in cbo.items():
                db.execute(text(f"UPDATE {quoted}.cadprest SET cbo = :v WHERE codprest = :c"), {"v": value, "c": code})
    engine.dispose()
