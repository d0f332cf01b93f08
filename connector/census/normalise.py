"""The normalisation rules of contract §1, one per kind of field, each over a whole column of a batch.

Every rule has a fast path for the values a healthy database returns (ASCII text, whole numbers, naive dates in
range) and a careful path for the rest: bytes in a legacy encoding, control characters, time-zone-aware
timestamps, dates out of any plausible range, vendor codes for sex. What the careful path cannot keep becomes
`None` with a counted warning; the patient always stays in the census.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from unicodedata import normalize as _nfc

from connector.census.decoding import DEFAULT_DECODER, Decoder, clean

EARLIEST_BIRTH = date(1880, 1, 1)
EARLIEST_ADMISSION = date(1900, 1, 1)
MAX_REPORTED_ROWS = 20

# A rule normalises a column of a batch of rows; `first` is the row number of the batch's first value.
ColumnRule = Callable[[Sequence[Any], int], "list[str | None]"]

_SEX_CODES = {
    "M": "M", "MASC": "M", "MASCULINO": "M", "1": "M", "H": "M", "HOMEM": "M",
    "F": "F", "FEM": "F", "FEMININO": "F", "2": "F", "MULHER": "F",
    "I": "I", "IND": "I", "INDET": "I", "INDETERMINADO": "I", "IGNORADO": "I", "INDEFINIDO": "I",
}  # fmt: skip
NAME_FIELDS = ("convenio_nome", "paciente_nome", "profissional_nome", "tipo_ocorrencia_descricao")
_SLOW = object()  # a value the fast path of a rule leaves to its careful path


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
class Context:
    """What the rules need to know: the capture date and time zone of the hospital, and how to decode bytes."""

    today: date
    tz: tzinfo | None = None  # aware timestamps are converted to it before being cut to a date
    decoder: Decoder = DEFAULT_DECODER


def _scalar_text(value: Any) -> str | None:  # noqa: PLR0911 - one branch per database type
    """A non-text database value as a string; numbers without decimals when they are whole."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        text = str(value)
        if text.isdigit():  # the common case: a whole, positive NUMBER code
            return text
        if not value.is_finite():
            return None
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _careful_text(value: Any, name: str, row: int, context: Context, issues: Issues, *, collapse: bool) -> str | None:
    """Any value as clean text: bytes decoded on their own, control characters removed, trimmed (and collapsed)."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        text, guessed = context.decoder.decode(bytes(value))
        if guessed:
            issues.add("encoding_guessed", name, row)
    elif isinstance(value, str):
        text = value
    else:
        scalar = _scalar_text(value)
        if scalar is None:
            return None
        text = scalar
    text, removed = clean(text)
    if removed:
        issues.add("control_characters", name, row)
    text = " ".join(text.split()) if collapse else text.strip()
    if not text.isascii():
        text = _nfc("NFC", text)
    return text or None


def _texts(name: str, context: Context, issues: Issues, *, collapse: bool = False) -> ColumnRule:
    """Codes (trimmed) or, with `collapse`, names (inner whitespace collapsed, NFC)."""

    def codes(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [
            (v.strip() or None)
            if (kind := v.__class__) is str and v.isascii() and v.isprintable()
            else str(v)
            if kind is int
            else (text if kind is Decimal and (text := str(v)).isdigit() else (None if v is None else _SLOW))
            for v in values
        ]
        return _finish(result, values, first)

    def names(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [
            (_nfc("NFC", t) or None)
            if v.__class__ is str and (t := " ".join(v.split())).isprintable()
            else (None if v is None else _SLOW)
            for v in values
        ]
        return _finish(result, values, first)

    def _finish(result: list[Any], values: Sequence[Any], first: int) -> list[str | None]:
        if _SLOW in result:
            for index, done in enumerate(result):
                if done is _SLOW:
                    raw = values[index]
                    result[index] = _careful_text(raw, name, first + index, context, issues, collapse=collapse)
        return result

    return names if collapse else codes


def _parse_date(value: Any, tz: tzinfo | None) -> date | None:
    """A date from a date, a datetime (an aware one in the hospital's zone) or a string: ISO 8601 (with or without
    time and offset) or Brazilian `DD/MM/YYYY`. A date before Christ (`4713-01-01 BC`) is no date at all."""
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None and tz is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        value = DEFAULT_DECODER.decode(bytes(value))[0]
    text = str(value).strip()
    if not text:
        return None
    if text.upper().endswith("BC"):
        raise ValueError("date before Christ")
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            return _parse_date(datetime.fromisoformat(text), tz)
        except ValueError:
            return date.fromisoformat(text[:10])
    if len(text) >= 10 and text[2] == "/" and text[5] == "/":
        return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    raise ValueError("unrecognised date")


def _dates(name: str, issues: Issues, earliest: date, latest: date, tz: tzinfo | None) -> ColumnRule:
    def rule(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [
            (d.isoformat() if earliest <= (d := v.date()) <= latest else _SLOW)
            if v.__class__ is datetime and v.tzinfo is None
            else (None if v is None else _SLOW)
            for v in values
        ]
        for index, value in enumerate(result):
            if value is _SLOW:
                result[index] = _careful_date(values[index], first + index, name, issues, (earliest, latest, tz))
        return result

    return rule


def _careful_date(
    value: Any, row: int, name: str, issues: Issues, bounds: tuple[date, date, tzinfo | None]
) -> str | None:
    earliest, latest, tz = bounds
    try:
        parsed = _parse_date(value, tz)
    except (ValueError, OverflowError):
        issues.add("invalid_date", name, row)
        return None
    if parsed is not None and not earliest <= parsed <= latest:
        issues.add("date_out_of_range", name, row)
        return None
    return None if parsed is None else parsed.isoformat()


def _sexes(issues: Issues, context: Context) -> ColumnRule:
    def rule(values: Sequence[Any], first: int) -> list[str | None]:
        result: list[Any] = [_SEX_CODES.get(v, _SLOW) if v.__class__ is str else (None if v is None else _SLOW)
                             for v in values]  # fmt: skip
        for index, code in enumerate(result):
            if code is _SLOW:
                text = _careful_text(values[index], "paciente_sexo", first + index, context, issues, collapse=True)
                result[index] = _SEX_CODES.get(text.upper()) if text else None
                if text is not None and result[index] is None:
                    issues.add("unknown_sex", "paciente_sexo", first + index)
        return result

    return rule


def column_rules(context: Context, issues: Issues, fields: Sequence[str]) -> dict[str, ColumnRule]:
    """The rule of each canonical field. Admission dates are plausible from 1900 to tomorrow, birth dates from
    1880 to today (in the hospital's time zone)."""
    today = context.today
    rules: dict[str, ColumnRule] = {name: _texts(name, context, issues) for name in fields}
    for name in NAME_FIELDS:
        rules[name] = _texts(name, context, issues, collapse=True)
    admission = (EARLIEST_ADMISSION, today + timedelta(days=1))
    rules["data_internacao"] = _dates("data_internacao", issues, *admission, context.tz)
    rules["paciente_data_nascimento"] = _dates("paciente_data_nascimento", issues, EARLIEST_BIRTH, today, context.tz)
    rules["paciente_sexo"] = _sexes(issues, context)
    return rules
