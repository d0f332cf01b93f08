"""The normalisation rules of contract §1: one function per kind of field, from one raw value to its canonical text.

A rule takes whatever a database driver hands over (text, bytes in a legacy encoding, numbers, dates, timestamps
with or without a zone, None) and returns the canonical text, or None; each warning the value raises goes to the
rule's `warn` (a kind of warning, such as `invalid_date`). What a rule cannot keep becomes None with a warning; the
patient always stays in the census. A rule depends on nothing but the value (and the census's `Context`): the same
value always gives the same text and the same warnings.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from unicodedata import normalize

from connector.census.decoding import DEFAULT_DECODER, Decoder, clean

EARLIEST_BIRTH = date(1880, 1, 1)
EARLIEST_ADMISSION = date(1900, 1, 1)
MAX_REPORTED_ROWS = 20
# The longest text a field may have, in characters (docs/normalizacao.md): far above any real code or name, and low
# enough that one value can never make the census, the body or `preview`'s table large. A longer value is cut.
CODE_LENGTH = 64
NAME_LENGTH = 200

Rule = Callable[[Any], "str | None"]
Warn = Callable[[str], object]  # told the kind of each warning a value raises

_SEX_CODES = {
    "M": "M", "MASC": "M", "MASCULINO": "M", "1": "M", "H": "M", "HOMEM": "M",
    "F": "F", "FEM": "F", "FEMININO": "F", "2": "F", "MULHER": "F",
    "I": "I", "IND": "I", "INDET": "I", "INDETERMINADO": "I", "IGNORADO": "I", "INDEFINIDO": "I",
}  # fmt: skip
NAME_FIELDS = ("convenio_nome", "paciente_nome", "profissional_nome", "tipo_ocorrencia_descricao")


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


def _number_or_date_text(value: int | float | Decimal | date) -> str | None:
    """A number as text, without decimals when it is whole (None when it is not finite); a date in ISO 8601."""
    if isinstance(value, int):
        return str(int(value))  # a bool too: "1" or "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    return value.isoformat()


_BYTES = (bytes, bytearray, memoryview)
_NUMBERS_AND_DATES = (int, float, Decimal, date)  # bool is an int, datetime a date


def _cut(text: str, limit: int, warn: Warn) -> str:
    """A text longer than `limit` characters, cut to it (a `too_long` warning)."""
    warn("too_long")
    return text[:limit].rstrip()


def text_rule(warn: Warn, decoder: Decoder, *, limit: int | None, collapse: bool = False) -> Rule:
    """Codes: any value as clean text, trimmed; with `collapse`, names: inner whitespace collapsed too. Bytes are
    decoded on their own, control and format characters removed, accents composed (NFC). A number or a date is
    written here, so its text needs none of that. Either is cut to `limit` characters (None: never)."""
    longest = sys.maxsize if limit is None else limit

    def rule(value: Any) -> str | None:
        if isinstance(value, str):
            text = value
        elif value is None:
            return None
        elif isinstance(value, _NUMBERS_AND_DATES):
            written = _number_or_date_text(value)
            return written if written is None or len(written) <= longest else _cut(written, longest, warn)
        elif isinstance(value, _BYTES):
            text, guessed = decoder.decode(bytes(value))
            if guessed:
                warn("encoding_guessed")
        else:
            text = str(value)
        text, removed = clean(text)
        if removed:
            warn("control_characters")
        text = normalize("NFC", " ".join(text.split()) if collapse else text.strip())
        return (text or None) if len(text) <= longest else _cut(text, longest, warn)

    return rule


def _parse_date(value: Any, tz: tzinfo | None) -> date | None:
    """A date from a date, a datetime (an aware one in the hospital's zone) or a string: ISO 8601 (with or without
    time and offset) or Brazilian `DD/MM/YYYY`. A date before Christ (`4713-01-01 BC`) is no date at all."""
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None and tz is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, _BYTES):
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


def date_rule(warn: Warn, earliest: date, latest: date, tz: tzinfo | None) -> Rule:
    """A date as YYYY-MM-DD, cut in the hospital's zone `tz`; unreadable or outside `earliest`..`latest`: None."""

    def rule(value: Any) -> str | None:
        if value is None:
            return None
        try:
            parsed = _parse_date(value, tz)
        except (ValueError, OverflowError):
            warn("invalid_date")
            return None
        if parsed is None:
            return None
        if not earliest <= parsed <= latest:
            warn("date_out_of_range")
            return None
        return parsed.isoformat()

    return rule


def sex_rule(warn: Warn, decoder: Decoder) -> Rule:
    """M, F or I, from the vendors' codes for them (case and spacing aside); anything else: None."""
    as_text = text_rule(warn, decoder, collapse=True, limit=None)  # what is sent is one letter, or nothing

    def rule(value: Any) -> str | None:
        text = as_text(value)
        if text is None:
            return None
        code = _SEX_CODES.get(text.upper())
        if code is None:
            warn("unknown_sex")
        return code

    return rule


def rules(context: Context, fields: Sequence[str], warn: Warn) -> dict[str, Rule]:
    """The rule of each canonical field, each telling `warn` of the warnings it raises. Codes are cut to
    `CODE_LENGTH` characters, names to `NAME_LENGTH`. Admission dates are plausible from 1900 to tomorrow, birth
    dates from 1880 to today (in the hospital's time zone)."""
    code = text_rule(warn, context.decoder, limit=CODE_LENGTH)
    name = text_rule(warn, context.decoder, collapse=True, limit=NAME_LENGTH)
    found = {field_name: name if field_name in NAME_FIELDS else code for field_name in fields}
    tomorrow = context.today + timedelta(days=1)
    found["data_internacao"] = date_rule(warn, EARLIEST_ADMISSION, tomorrow, context.tz)
    found["paciente_data_nascimento"] = date_rule(warn, EARLIEST_BIRTH, context.today, context.tz)
    found["paciente_sexo"] = sex_rule(warn, context.decoder)
    return found
