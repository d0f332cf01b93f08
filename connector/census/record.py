"""The canonical census record (contract §1); its normalisation rules are in `connector.census.normalise`.

`CensusRecord` is the record's definition; validating a row through it applies those rules. `normalise_batches`
applies the same rules to a whole result set, column by column, without building one pydantic object per row: a
large hospital's census has tens of thousands of rows every few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from json.encoder import encode_basestring
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from connector.census.decoding import Decoder
from connector.census.kept import KEY, Census, Kept
from connector.census.normalise import CODE_LENGTH, NAME_LENGTH, Context, Issues, rules

__all__ = ["FIELDS", "Census", "CensusRecord", "Issues", "normalise_batches", "normalise_census"]


class CensusRecord(BaseModel):
    """One admitted encounter, as HOTELEITOS receives it. Every value is a string or null."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cod_ocorrencia: str = Field(description="Encounter code; the census key.", min_length=1, max_length=CODE_LENGTH)
    cod_quarto: str | None = Field(None, description="Room (or ward) label.", max_length=CODE_LENGTH)
    cod_leito: str | None = Field(None, description="Bed code.", max_length=CODE_LENGTH)
    convenio_codigo: str | None = Field(None, description="Insurer code.", max_length=CODE_LENGTH)
    convenio_nome: str | None = Field(None, description="Insurer name.", max_length=NAME_LENGTH)
    data_internacao: str | None = Field(None, description="Admission date, YYYY-MM-DD.")
    paciente_nome: str | None = Field(
        None, description="Patient name, NFC, whitespace collapsed.", max_length=NAME_LENGTH
    )
    paciente_codigo: str | None = Field(
        None, description="Patient code (often the medical record number).", max_length=CODE_LENGTH
    )
    paciente_data_nascimento: str | None = Field(None, description="Birth date, YYYY-MM-DD.")
    paciente_sexo: str | None = Field(None, description="M, F or I.", pattern="^[MFI]$")
    profissional_cbos: str | None = Field(
        None, description="CBO occupation code of the professional.", max_length=CODE_LENGTH
    )
    profissional_nome: str | None = Field(None, description="Responsible professional's name.", max_length=NAME_LENGTH)
    profissional_codigo: str | None = Field(
        None, description="Responsible professional's code.", max_length=CODE_LENGTH
    )
    tipo_ocorrencia_codigo: str | None = Field(None, description="Encounter type code.", max_length=CODE_LENGTH)
    tipo_ocorrencia_descricao: str | None = Field(
        None, description="Encounter type description.", max_length=NAME_LENGTH
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        values = info.context or {}
        issues = values.get("issues", Issues())
        context = Context(values.get("today") or date.today(), values.get("tz"), values.get("decoder", Decoder()))
        warnings: list[str] = []
        normalised: dict[str, Any] = {}
        for name, rule in rules(context, FIELDS, warnings.append).items():
            normalised[name] = rule(data.get(name))
            for kind in warnings:
                issues.add(kind, name, 1)
            warnings.clear()
        return {**normalised, **{key: value for key, value in data.items() if key not in normalised}}


FIELDS: tuple[str, ...] = tuple(CensusRecord.model_fields)


# A record's JSON text: `{"cod_ocorrencia":%s,"cod_quarto":%s,...}` filled with its fields' JSON fragments.
_RECORD = "{" + ",".join(f"{json.dumps(name)}:%s" for name in FIELDS) + "}"


def _encoded(values: Iterable[str | None]) -> list[str]:
    """Values as JSON fragments: `"text"` or `null`."""
    return [encode_basestring(v) if v is not None else "null" for v in values]


MIN_REPEATED = 64  # shorter columns go value by value: too few values to gain from grouping them


class _Columns:
    """The rules of one census, applied to the columns of its batches, each warning counted at its row."""

    def __init__(self, context: Context, issues: Issues) -> None:
        self.warnings: list[str] = []
        self.rules = rules(context, FIELDS, self.warnings.append)
        self.issues = issues

    def keys(self, values: Sequence[Any], first: int) -> list[str | None]:
        """The encounter codes of a batch (`first` is the row number of its first row)."""
        done = list(map(self.rules[KEY], values))
        self._count_warnings(KEY, values, first)
        return done

    def encoded(self, name: str, values: Sequence[Any], first: int) -> list[str]:
        """A column of a batch through its field's rule, as JSON fragments (`"text"` or `null`).

        A column that repeats its values (insurers, doctors, sexes, admission days) goes through the rule and the
        encoding once per distinct value (a rule's outcome depends on the value alone): without it the cycle at
        50,000 patients takes 16-23% longer (docs/desempenho.md)."""
        distinct = _distinct(values)
        done = _encoded(map(self.rules[name], values if distinct is None else distinct))
        self._count_warnings(name, values, first)
        if distinct is None:
            return done
        table = dict(zip(distinct, done, strict=True))
        return [table[value] for value in values]

    def _count_warnings(self, name: str, values: Sequence[Any], first: int) -> None:
        """When a value of the column raised a warning, the column goes through the rule again value by value, so
        that each warning is counted at its row."""
        if not self.warnings:
            return
        for row, value in enumerate(values, first):
            self.warnings.clear()
            self.rules[name](value)
            for kind in self.warnings:
                self.issues.add(kind, name, row)
        self.warnings.clear()


def _distinct(values: Sequence[Any]) -> list[Any] | None:
    """The column's distinct values when they are at most half of it (else None: one by one is cheaper). A column
    holding timestamps with a zone goes one by one: two of them can be equal (the same instant) and still be
    written differently (`22:30-03:00`, `01:30+00:00`)."""
    if len(values) < MIN_REPEATED:
        return None
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value (a bytearray from an odd driver)
        return None
    if 2 * len(distinct) > len(values) or any(isinstance(v, datetime) and v.tzinfo is not None for v in distinct):
        return None
    return list(distinct)


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
    """Normalise rows arriving in batches (as a database cursor hands them over), encode each record and keep it
    compressed (see `connector.census.kept`).

    Only one batch of raw rows and normalised values is alive at a time. Each field is normalised column by column.
    Here, columns that are not canonical fields are ignored and missing ones are null (the adapters refuse such
    queries before reading a row).
    """
    issues = Issues()
    normaliser = _Columns(Context(today, tz, decoder or Decoder()), issues)
    position = {name.lower(): index for index, name in enumerate(columns)}
    kept = Kept(issues)
    count = 0
    for batch in batches:
        if not batch:
            continue
        raw = list(zip(*batch, strict=True))
        absent = (None,) * len(batch)
        column = [raw[position[name]] if name in position else absent for name in FIELDS]
        keys = normaliser.keys(column[0], count + 1)
        encoded = [_encoded(keys)] + [
            normaliser.encoded(name, values, count + 1) for name, values in zip(FIELDS[1:], column[1:], strict=True)
        ]
        del raw, column
        kept.add(keys, [_RECORD % fields for fields in zip(*encoded, strict=True)], count + 1)
        count += len(batch)
    return kept.census(count)
