"""The canonical census record and its normalisation rules (contract §1), written once.

`CensusRecord` is the record's definition; validating a row through it applies the rules below.
`normalise_census` applies the same rules to a whole result set without building one pydantic object
per row, because a large hospital's census has tens of thousands of rows every few seconds.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any, cast
from unicodedata import normalize as _nfc

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

EARLIEST_BIRTH = date(1880, 1, 1)
MAX_REPORTED_ROWS = 20

# A rule normalises a column of a batch of rows; `first` is the row number of the batch's first value.
ColumnRule = Callable[[Sequence[Any], int], "list[str | None]"]

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
        rules = column_rules(today, issues)
        extras = {key: value for key, value in data.items() if key not in rules}
        return {**{name: rules[name]([data.get(name)], 1)[0] for name in FIELDS}, **extras}


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
    """The normalised census: one record per encounter, ordered by `cod_ocorrencia`, each kept as its JSON
    text (the 15 keys in contract order), which is what the push sends. `records` decodes them when wanted."""

    keys: list[str]
    texts: list[str]
    issues: Issues
    rows_read: int

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def records(self) -> list[dict[str, str | None]]:
        return [json.loads(text) for text in self.texts]


# A record's JSON text is `{"cod_ocorrencia":<value>,"cod_quarto":<value>,...}`: the keys' parts never change.
_KEY_PARTS = [("{" if index == 0 else ",") + json.dumps(name) + ":" for index, name in enumerate(FIELDS)]


def _record_texts(columns: list[list[str | None]]) -> list[str]:
    """Each row's JSON text, joined from its fields' encoded values and the fixed key parts."""
    pieces: list[Iterable[str]] = []
    for key_part, column in zip(_KEY_PARTS, columns, strict=True):
        pieces.append(repeat(key_part))
        pieces.append([encode_basestring(v) if v is not None else "null" for v in column])
    pieces.append(repeat("}"))
    return ["".join(parts) for parts in zip(*pieces)]  # noqa: B905 - `repeat` is endless on purpose


def _text(value: Any) -> str | None:  # noqa: PLR0911, PLR0912 - one branch per database type
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
        text = str(value)
        if text.isdigit():  # the common case: a whole, positive NUMBER code
            return text
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


_SLOW = object()  # a value the fast path of a rule leaves to its careful path


def _texts(values: Sequence[Any], _first: int = 1) -> list[str | None]:
    """Codes: trimmed strings (ASCII strings and ints take the fast path; anything else goes through `_text`)."""
    return [
        (v.strip() or None)
        if (kind := v.__class__) is str and v.isascii()
        else str(v)
        if kind is int
        else (text if kind is Decimal and (text := str(v)).isdigit() else (None if v is None else _text(v)))
        for v in values
    ]


def _names(values: Sequence[Any], _first: int = 1) -> list[str | None]:
    """Names: trimmed, inner whitespace collapsed, NFC (cheap for a string that is NFC already)."""
    return [
        (_nfc("NFC", " ".join(v.split())) or None) if v.__class__ is str else (None if v is None else _collapsed(v))
        for v in values
    ]


def _dates(name: str, issues: Issues, earliest: date, latest: date) -> ColumnRule:
    def rule(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [
            (d.isoformat() if earliest <= (d := v.date()) <= latest else _SLOW)
            if v.__class__ is datetime
            else (None if v is None else _SLOW)
            for v in values
        ]
        for index, value in enumerate(result):
            if value is _SLOW:
                result[index] = _careful_date(
                    values[index], first + index, name=name, issues=issues, earliest=earliest, latest=latest
                )
        return result

    return rule


def _careful_date(value: Any, row: int, *, name: str, issues: Issues, earliest: date, latest: date) -> str | None:
    try:
        parsed = _parse_date(value)
    except ValueError:
        issues.add("invalid_date", name, row)
        return None
    if parsed is not None and not earliest <= parsed <= latest:
        issues.add("date_out_of_range", name, row)
        return None
    return None if parsed is None else parsed.isoformat()


def _sexes(issues: Issues) -> ColumnRule:
    def rule(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [_SEX_CODES.get(v, _SLOW) if v.__class__ is str else (None if v is None else _SLOW)
                             for v in values]  # fmt: skip
        for index, code in enumerate(result):
            if code is _SLOW:
                text = _text(values[index])
                result[index] = _SEX_CODES.get(text.upper()) if text else None
                if text is not None and result[index] is None:
                    issues.add("unknown_sex", "paciente_sexo", first + index)
        return result

    return rule


def column_rules(today: date, issues: Issues) -> dict[str, ColumnRule]:
    """The rule of each canonical field; `today` is the capture date in the hospital's time zone."""
    rules: dict[str, ColumnRule] = dict.fromkeys(FIELDS, _texts)
    for name in ("convenio_nome", "paciente_nome", "profissional_nome", "tipo_ocorrencia_descricao"):
        rules[name] = _names
    rules["data_internacao"] = _dates("data_internacao", issues, date.min, date.max)
    rules["paciente_data_nascimento"] = _dates("paciente_data_nascimento", issues, EARLIEST_BIRTH, today)
    rules["paciente_sexo"] = _sexes(issues)
    return rules


def normalise_census(columns: Sequence[str], rows: Sequence[Sequence[Any]], today: date) -> Census:
    """Normalise raw rows (in `columns` order) into the census, applying every rule of contract §1."""
    return normalise_batches(columns, [rows], today)


def normalise_batches(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], today: date) -> Census:
    """Normalise rows arriving in batches (as a database cursor hands them over) and encode each record.

    Only one batch of raw rows and normalised values is alive at a time; what stays is one JSON text per
    record. Each field is normalised by one tight loop over its column. Here, columns that are not canonical
    fields are ignored and missing ones are null (the adapters refuse such queries before reading a row).
    Of duplicated encounters the record with the fewest nulls is kept, ties going to the smallest text: the
    same pick whatever the row order.
    """
    issues = Issues()
    rules = column_rules(today, issues)
    position = {name.lower(): index for index, name in enumerate(columns)}
    kept: dict[str, str] = {}
    count = 0
    for batch in batches:
        if not batch:
            continue
        raw = list(zip(*batch, strict=True))
        normalised: list[list[str | None]] = [
            rules[name](raw[position[name]], count + 1) if name in position else [None] * len(batch) for name in FIELDS
        ]
        del raw
        texts = _record_texts(normalised)
        batch_keys = normalised[0]
        if None not in batch_keys and len(set(batch_keys)) == len(batch_keys) and kept.keys().isdisjoint(batch_keys):
            kept.update(zip(cast("list[str]", batch_keys), texts, strict=True))  # the usual batch: each encounter once
        else:
            _merge(kept, batch_keys, texts, count + 1, issues)
        count += len(batch)
    keys = sorted(kept)
    return Census(keys=keys, texts=[kept[key] for key in keys], issues=issues, rows_read=count)


def _nulls(text: str) -> int:
    """Null fields of a record's JSON text (a value that itself holds `":null` only shifts the count: the pick stays
    deterministic)."""
    return text.count('":null')


def _merge(kept: dict[str, str], keys: list[str | None], texts: list[str], first: int, issues: Issues) -> None:
    """Add a batch with missing or repeated encounters: the former are counted and left out; of repeated
    ones the record with the fewest nulls is kept, ties going to the smallest text (order-independent)."""
    for row, (key, text) in enumerate(zip(keys, texts, strict=True), start=first):
        if key is None:
            issues.add("missing_cod_ocorrencia", "cod_ocorrencia", row)
            continue
        previous = kept.get(key)
        if previous is not None:
            issues.add("duplicate_cod_ocorrencia", "cod_ocorrencia", row)
            if (_nulls(text), text) >= (_nulls(previous), previous):
                continue
        kept[key] = text
