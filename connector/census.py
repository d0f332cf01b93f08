"""The canonical census record and its normalisation rules (contract §1), written once.

`CensusRecord` is the record's definition; validating a row through it applies the rules below.
`normalise_census` applies the same rules to a whole result set without building one pydantic object
per row, because a large hospital's census has tens of thousands of rows every few seconds.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

EARLIEST_BIRTH = date(1880, 1, 1)
MAX_REPORTED_ROWS = 20

Normaliser = Callable[[Any, int], "str | None"]

_SEX_CODES = {
    "M": "M", "MASC": "M", "MASCULINO": "M", "1": "M", "H": "M", "HOMEM": "M",
    "F": "F", "FEM": "F", "FEMININO": "F", "2": "F", "MULHER": "F",
    "I": "I", "IND": "I", "INDET": "I", "INDETERMINADO": "I", "IGNORADO": "I", "INDEFINIDO": "I",
}  # fmt: skip


class CensusRecord(BaseModel):
    """One admitted encounter, as HOTELEITOS receives it. Every value is a string or null."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cod_ocorrencia: str = Field(description="Encounter code; the census key.", min_length=1)
    cod_quarto: str | None = Field(None, description="Room (or ward) label.")
    cod_leito: str | None = Field(None, description="Bed code.")
    convenio_codigo: str | None = Field(None, description="Insurer code.")
    convenio_nome: str | None = Field(None, description="Insurer name.")
    data_internacao: str | None = Field(None, description="Admission date, YYYY-MM-DD.")
    paciente_nome: str | None = Field(None, description="Patient name, NFC, whitespace collapsed.")
    paciente_codigo: str | None = Field(None, description="Patient code (often the medical record number).")
    paciente_data_nascimento: str | None = Field(None, description="Birth date, YYYY-MM-DD.")
    paciente_sexo: str | None = Field(None, description="M, F or I.", pattern="^[MFI]$")
    profissional_cbos: str | None = Field(None, description="CBO occupation code of the professional.")
    profissional_nome: str | None = Field(None, description="Responsible professional's name.")
    profissional_codigo: str | None = Field(None, description="Responsible professional's code.")
    tipo_ocorrencia_codigo: str | None = Field(None, description="Encounter type code.")
    tipo_ocorrencia_descricao: str | None = Field(None, description="Encounter type description.")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        context = info.context or {}
        issues = context.get("issues", Issues())
        today = context.get("today") or date.today()
        rules = _normalisers(today, issues)
        extras = {key: value for key, value in data.items() if key not in rules}
        return {**{name: rules[name](data.get(name), 0) for name in FIELDS}, **extras}


FIELDS: tuple[str, ...] = tuple(CensusRecord.model_fields)


@dataclass
class Issues:
    """What normalisation could not keep: counts by (kind, field) and, for dropped rows, their positions."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    rows: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, field_name: str, row: int) -> None:
        self.counts[kind, field_name] += 1
        positions = self.rows.setdefault(kind, [])
        if len(positions) < MAX_REPORTED_ROWS:
            positions.append(row)

    def count(self, kind: str) -> int:
        return sum(n for (k, _), n in self.counts.items() if k == kind)


@dataclass(frozen=True)
class Census:
    """The normalised census: records ordered by `cod_ocorrencia`, plus what normalisation reported."""

    records: list[dict[str, str | None]]
    issues: Issues
    rows_read: int


def _text(value: Any) -> str | None:  # noqa: PLR0911 - one return per database type
    """Any database value as a trimmed string; numbers without decimals when they are whole."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    elif isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="replace").strip()
    elif isinstance(value, datetime | date):
        return value.isoformat()
    else:
        text = str(value).strip()
    if not text:
        return None
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _collapsed(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return " ".join(text.split())


def _parse_date(value: Any) -> date | None:
    """A date from a date, a datetime or a string (ISO `YYYY-MM-DD...` or Brazilian `DD/MM/YYYY`)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text[:10])
    if len(text) >= 10 and text[2] == "/" and text[5] == "/":
        return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    raise ValueError("unrecognised date")


def _date_field(name: str, issues: Issues, earliest: date | None, latest: date | None) -> Normaliser:
    def normalise(value: Any, row: int) -> str | None:
        if value is None:
            return None
        try:
            parsed = _parse_date(value)
        except ValueError:
            issues.add("invalid_date", name, row)
            return None
        if parsed is None:
            return None
        if (earliest and parsed < earliest) or (latest and parsed > latest):
            issues.add("date_out_of_range", name, row)
            return None
        return parsed.isoformat()

    return normalise


def _sex_field(issues: Issues) -> Normaliser:
    def normalise(value: Any, row: int) -> str | None:
        text = _text(value)
        if text is None:
            return None
        code = _SEX_CODES.get(text.upper())
        if code is None:
            issues.add("unknown_sex", "paciente_sexo", row)
        return code

    return normalise


def _plain(value: Any, _row: int) -> str | None:
    return _text(value)


def _collapse(value: Any, _row: int) -> str | None:
    return _collapsed(value)


def _normalisers(today: date, issues: Issues) -> dict[str, Normaliser]:
    """The rule of each canonical field; `today` is the capture date in the hospital's time zone."""
    rules: dict[str, Normaliser] = dict.fromkeys(FIELDS, _plain)
    for name in ("convenio_nome", "paciente_nome", "profissional_nome", "tipo_ocorrencia_descricao"):
        rules[name] = _collapse
    rules["data_internacao"] = _date_field("data_internacao", issues, None, None)
    rules["paciente_data_nascimento"] = _date_field("paciente_data_nascimento", issues, EARLIEST_BIRTH, today)
    rules["paciente_sexo"] = _sex_field(issues)
    return rules


def _completeness(record: dict[str, str | None]) -> tuple[int, tuple[tuple[bool, str], ...]]:
    """Sort key that prefers the most complete record, then the smallest values: a deterministic pick."""
    values = record.values()
    return sum(v is None for v in values), tuple((v is None, v or "") for v in values)


def normalise_census(columns: Sequence[str], rows: Iterable[Sequence[Any]], today: date) -> Census:
    """Normalise raw rows (in `columns` order) into the census, applying every rule of contract §1.

    Columns that are not canonical fields are ignored; canonical fields the query lacks are null.
    """
    issues = Issues()
    rules = _normalisers(today, issues)
    names = [c.lower() for c in columns]
    plan = [(FIELDS.index(n), rules[n], i) for i, n in enumerate(names) if n in rules]
    key_position = names.index("cod_ocorrencia") if "cod_ocorrencia" in names else None
    width = len(FIELDS)
    by_key: dict[str, dict[str, str | None]] = {}
    position = 0
    for position, row in enumerate(rows, start=1):
        values: list[str | None] = [None] * width
        for target, rule, source in plan:
            raw = row[source]
            if raw is not None:
                values[target] = rule(raw, position)
        key = values[0] if key_position is not None else None
        if key is None:
            issues.add("missing_cod_ocorrencia", "cod_ocorrencia", position)
            continue
        record = dict(zip(FIELDS, values, strict=True))
        kept = by_key.get(key)
        if kept is not None:
            issues.add("duplicate_cod_ocorrencia", "cod_ocorrencia", position)
            if _completeness(record) >= _completeness(kept):
                continue
        by_key[key] = record
    records = [by_key[k] for k in sorted(by_key)]
    return Census(records=records, issues=issues, rows_read=position)
