"""`preview`: the census that would be sent, with counts and warnings; nothing is sent.

Patient identifiers (name, record number, birth date) are masked unless `--show-names` is given.
"""

from __future__ import annotations

import json
from datetime import datetime

from adapters import adapter_for
from connector.census import FIELDS, Census
from connector.census.decoding import printable
from connector.census.normalise import CODE_LENGTH, NAME_LENGTH
from connector.errors import SourceError
from connector.settings import Settings
from connector.source.engine import engine_for

TABLE = (
    "cod_ocorrencia",
    "cod_quarto",
    "cod_leito",
    "convenio_nome",
    "data_internacao",
    "paciente_nome",
    "paciente_codigo",
    "paciente_data_nascimento",
    "paciente_sexo",
    "profissional_nome",
    "tipo_ocorrencia_codigo",
)
ISSUE_TEXTS = {
    "invalid_date": "data ilegível (campo enviado vazio)",
    "date_out_of_range": "data fora do intervalo plausível (campo enviado vazio)",
    "unknown_sex": "sexo não reconhecido (campo enviado vazio)",
    "missing_cod_ocorrencia": "linha sem cod_ocorrencia (linha deixada de fora)",
    "duplicate_cod_ocorrencia": "cod_ocorrencia repetido (uma linha mantida)",
    "control_characters": "caracteres de controle ou invisíveis removidos (o resto do valor foi mantido)",
    "too_long": f"valor longo demais, cortado (códigos até {CODE_LENGTH} caracteres, nomes até {NAME_LENGTH})",
    "encoding_guessed": "texto gravado noutra codificação, lido como UTF-8, Windows-1252 ou Latin-1 "
    "(confira os acentos; HOTELEITOS_SOURCE_ENCODING fixa uma)",
}


def mask_record(record: dict[str, str | None]) -> dict[str, str | None]:
    """The record with its patient identifiers masked: initials, a hidden code, only the birth year."""
    masked = dict(record)
    if record["paciente_nome"]:
        masked["paciente_nome"] = " ".join(word[0] + "*" * (len(word) - 1) for word in record["paciente_nome"].split())
    if record["paciente_codigo"]:
        masked["paciente_codigo"] = "***"
    if record["paciente_data_nascimento"]:
        masked["paciente_data_nascimento"] = record["paciente_data_nascimento"][:4] + "-**-**"
    return masked


def issue_lines(census: Census) -> list[str]:
    lines = []
    for (kind, name), count in sorted(census.issues.counts.items()):
        rows = census.issues.rows.get(kind)
        where = f" (linhas {', '.join(map(str, rows))})" if rows and kind.endswith("cod_ocorrencia") else ""
        lines.append(f"{count} × {name}: {ISSUE_TEXTS.get(kind, kind)}{where}")
    return lines


def preview(settings: Settings, *, as_json: bool, show_names: bool, limit: int) -> int:
    source = settings.source
    engine = engine_for(source, settings.timezone)
    try:
        reading = adapter_for(source).read(engine, datetime.now(settings.tz).date(), tz=settings.tz)
    except SourceError as error:
        print(f"Erro: {error.message}")
        return 1
    finally:
        engine.dispose()
    census = reading.census
    records = census.records if show_names else [mask_record(r) for r in census.records]
    if as_json:
        print(
            json.dumps(
                {
                    "count": len(records),
                    "rows_read": census.rows_read,
                    "warnings": issue_lines(census),
                    "pacientes": records,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    widths = {
        name: max(len(name), *(len(r[name] or "") for r in records[:limit])) if records else len(name) for name in TABLE
    }
    print("  ".join(name.ljust(widths[name]) for name in TABLE))
    for record in records[:limit]:  # normalisation removed control characters; `printable` is the last guard
        print(printable("  ".join((record[name] or "").ljust(widths[name]) for name in TABLE)))
    if len(records) > limit:
        print(f"... mais {len(records) - limit} paciente(s) (use --limit ou --json).")
    print(
        f"\n{len(records)} pacientes no censo ({census.rows_read} linhas lidas em {reading.duration * 1000:.0f} ms); "
        f"{len(FIELDS)} campos por registro. Nada foi enviado."
    )
    for line in issue_lines(census):
        print(f"Aviso: {line}")
    if not show_names:
        print("Nomes, prontuários e nascimentos mascarados; use --show-names para vê-los.")
    return 0
