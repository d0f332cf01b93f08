"""The canonical census record (contract §1); its normalisation rules are in `connector.census.normalise`.

`CensusRecord` is the record's definition; validating a row through it applies those rules.
`normalise_census` applies the same rules to a whole result set without building one pydantic object
per row, because a large hospital's census has tens of thousands of rows every few seconds.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from functools import cached_property
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from connector.census.decoding import Decoder
from connector.census.normalise import Context, Issues, column_rules

__all__ = ["FIELDS", "Census", "CensusRecord", "Issues", "normalise_batches", "normalise_census"]


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
        values = info.context or {}
        issues = values.get("issues", Issues())
        context = Context(values.get("today") or date.today(), values.get("tz"), values.get("decoder", Decoder()))
        rules = column_rules(context, issues, FIELDS)
        extras = {key: value for key, value in data.items() if key not in rules}
        return {**{name: rules[name]([data.get(name)], 1)[0] for name in FIELDS}, **extras}


FIELDS: tuple[str, ...] = tuple(CensusRecord.model_fields)


@dataclass(frozen=True)
class Census:
    """The normalised census: one record per encounter, ordered by `cod_ocorrencia`, each kept as its JSON
    text (the 15 keys in contract order), which is what the push sends. `records` decodes them when wanted."""

    keys: list[str]
    texts: list[str]
    issues: Issues
    rows_read: int
    placements: array[int] | None = None  # a hash of each record's (encounter, bed), for the change counts

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def records(self) -> list[dict[str, str | None]]:
        return [json.loads(text) for text in self.texts]


_BED = FIELDS.index("cod_leito")
# A record's JSON text is `{"cod_ocorrencia":<value>,"cod_quarto":<value>,...}`: the keys' parts never change.
_KEY_PARTS = [("{" if index == 0 else ",") + json.dumps(name) + ":" for index, name in enumerate(FIELDS)]


def _record_texts(columns: list[list[str]]) -> list[str]:
    """Each row's JSON text, joined from its fields' encoded values and the fixed key parts."""
    pieces: list[Iterable[str]] = []
    for key_part, column in zip(_KEY_PARTS, columns, strict=True):
        pieces.append(repeat(key_part))
        pieces.append(column)
    pieces.append(repeat("}"))
    return ["".join(parts) for parts in zip(*pieces)]  # noqa: B905 - `repeat` is endless on purpose


def _encoded(values: Iterable[str | None]) -> list[str]:
    return [encode_basestring(v) if v is not None else "null" for v in values]


MIN_REPEATED = 64  # shorter columns are done value by value: too few values to gain from grouping them


class _Columns:
    """Normalises and encodes the columns of a batch. A column that repeats its values (insurers, doctors, sexes,
    admission dates) is done once per distinct value, when none of them needs a warning: warnings count rows,
    so a column with one goes through its rule value by value."""

    def __init__(self, context: Context, issues: Issues) -> None:
        self.rules = column_rules(context, issues, FIELDS)
        self.trial = Issues()
        self.trial_rules = column_rules(context, self.trial, FIELDS)

    def encoded(self, name: str, values: Sequence[Any], first: int) -> list[str]:
        """The column's values as JSON fragments (`"text"` or `null`)."""
        distinct = _distinct(values)
        if distinct is not None:
            counted = self.trial.counts.total()
            done = self.trial_rules[name](distinct, first)
            if self.trial.counts.total() == counted:
                table = dict(zip(distinct, _encoded(done), strict=True))
                return [table[v] for v in values]
        return _encoded(self.rules[name](values, first))


def _distinct(values: Sequence[Any]) -> list[Any] | None:
    """The column's distinct values when they are at most half of it (else None: one by one is cheaper)."""
    if len(values) < MIN_REPEATED:
        return None
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value (a bytearray from an odd driver)
        return None
    return list(distinct) if 2 * len(distinct) <= len(values) else None


def normalise_census(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    today: date,
    *,
    tz: tzinfo | None = None,
    decoder: Decoder | None = None,
) -> Census:
    """Normalise raw rows (in `columns` order) into the census, applying every rule of contract §1."""
    return normalise_batches(columns, [rows], today, tz=tz, decoder=decoder)


def normalise_batches(
    columns: Sequence[str],
    batches: Iterable[Sequence[Sequence[Any]]],
    today: date,
    *,
    tz: tzinfo | None = None,
    decoder: Decoder | None = None,
) -> Census:
    """Normalise rows arriving in batches (as a database cursor hands them over) and encode each record.

    Only one batch of raw rows and normalised values is alive at a time; what stays is one JSON text per
    record. Each field is normalised by one tight loop over its column. Here, columns that are not canonical
    fields are ignored and missing ones are null (the adapters refuse such queries before reading a row).
    Of duplicated encounters the record with the fewest nulls is kept, ties going to the smallest text: the
    same pick whatever the row order.
    """
    issues = Issues()
    normaliser = _Columns(Context(today, tz, decoder or Decoder()), issues)
    key = FIELDS[0]
    position = {name.lower(): index for index, name in enumerate(columns)}
    kept: dict[str, str] = {}
    kept_beds: dict[str, int] = {}
    count = 0
    for batch in batches:
        if not batch:
            continue
        raw = list(zip(*batch, strict=True))
        batch_keys: list[str | None] = (
            normaliser.rules[key](raw[position[key]], count + 1) if key in position else [None] * len(batch)
        )
        encoded = [_encoded(batch_keys)] + [
            normaliser.encoded(name, raw[position[name]], count + 1) if name in position else ["null"] * len(batch)
            for name in FIELDS[1:]
        ]
        del raw
        texts = _record_texts(encoded)
        placed = [hash(pair) for pair in zip(batch_keys, encoded[_BED], strict=True)]  # ints: lighter than the texts
        if None not in batch_keys and len(set(batch_keys)) == len(batch_keys) and kept.keys().isdisjoint(batch_keys):
            kept.update(zip(cast("list[str]", batch_keys), texts, strict=True))  # the usual batch: each encounter once
            kept_beds.update(zip(cast("list[str]", batch_keys), placed, strict=True))
        else:
            _merge(kept, kept_beds, (batch_keys, texts, placed), count + 1, issues)
        count += len(batch)
    keys = sorted(kept)
    return Census(
        keys=keys,
        texts=[kept[key] for key in keys],
        issues=issues,
        rows_read=count,
        placements=array("q", [kept_beds[key] for key in keys]),
    )


def _nulls(text: str) -> int:
    """Null fields of a record's JSON text (a value that itself holds `":null` only shifts the count: the pick stays
    deterministic)."""
    return text.count('":null')


def _merge(
    kept: dict[str, str],
    kept_beds: dict[str, int],
    batch: tuple[list[str | None], list[str], list[int]],
    first: int,
    issues: Issues,
) -> None:
    """Add a batch (keys, record texts, placement hashes) with missing or repeated encounters: the former are
    counted and left out; of repeated ones the record with the fewest nulls is kept, ties going to the smallest
    text (order-independent)."""
    for row, (key, text, bed) in enumerate(zip(*batch, strict=True), start=first):
        if key is None:
            issues.add("missing_cod_ocorrencia", "cod_ocorrencia", row)
            continue
        previous = kept.get(key)
        if previous is not None:
            issues.add("duplicate_cod_ocorrencia", "cod_ocorrencia", row)
            if (_nulls(text), text) >= (_nulls(previous), previous):
                continue
        kept[key] = text
        kept_beds[key] = bed
