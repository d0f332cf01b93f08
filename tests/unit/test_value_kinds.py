"""Every kind of value a driver hands over has one outcome: alone, repeated down a column, through the model."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connector.census import FIELDS, CensusRecord, Issues, normalise_batches, normalise_census

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TODAY = date(2026, 11, 26)

# (field, raw value, its text, its warnings): text, bytes, numbers, dates and hostile values, for each kind of rule.
KINDS: list[tuple[str, Any, str | None, list[str]]] = [
    ("cod_leito", " 101-A ", "101-A", []),
    ("cod_leito", "ENF\t101\n", "ENF 101", []),
    ("cod_leito", "L\x07101", "L101", ["control_characters"]),
    ("cod_leito", "QUARTO Ç", "QUARTO Ç", []),
    ("cod_leito", 101, "101", []),
    ("cod_leito", True, "1", []),
    ("cod_leito", -7, "-7", []),
    ("cod_leito", 101.0, "101", []),
    ("cod_leito", 10.5, "10.5", []),
    ("cod_leito", float("inf"), None, []),
    ("cod_leito", Decimal("0101"), "101", []),
    ("cod_leito", Decimal("1E+3"), "1000", []),
    ("cod_leito", Decimal("-12.50"), "-12.5", []),
    ("cod_leito", Decimal("NaN"), None, []),
    ("cod_leito", "LEITO Ü".encode(), "LEITO Ü", []),
    ("cod_leito", bytearray("LEITO Ü".encode("cp1252")), "LEITO Ü", ["encoding_guessed"]),
    ("cod_leito", date(2026, 11, 20), "2026-11-20", []),
    ("paciente_nome", unicodedata.normalize("NFD", "  JOSÉ \t DA  SILVA "), "JOSÉ DA SILVA", []),
    ("paciente_nome", "\u202eAIRAM", "AIRAM", ["control_characters"]),
    ("paciente_nome", "JOÃO".encode("cp1252"), "JOÃO", ["encoding_guessed"]),
    ("paciente_nome", " \t ", None, []),
    ("paciente_nome", 42, "42", []),
    ("data_internacao", datetime(2026, 11, 20, 14, 35), "2026-11-20", []),
    ("data_internacao", datetime(2026, 11, 27, 1, 30, tzinfo=UTC), "2026-11-26", []),
    ("data_internacao", date(2026, 11, 20), "2026-11-20", []),
    ("data_internacao", "20/11/2026", "2026-11-20", []),
    ("data_internacao", "2026-11-20T23:59:59-03:00", "2026-11-20", []),
    ("data_internacao", datetime(1899, 12, 31), None, ["date_out_of_range"]),
    ("data_internacao", "ontem", None, ["invalid_date"]),
    ("data_internacao", b"2026-11-20", "2026-11-20", []),
    ("data_internacao", "  ", None, []),
    ("paciente_data_nascimento", datetime(1950, 1, 1), "1950-01-01", []),
    ("paciente_data_nascimento", date(2026, 11, 27), None, ["date_out_of_range"]),
    ("paciente_sexo", "F", "F", []),
    ("paciente_sexo", " masculino ", "M", []),
    ("paciente_sexo", 2, "F", []),
    ("paciente_sexo", "X", None, ["unknown_sex"]),
    ("paciente_sexo", "F\x00", "F", ["control_characters"]),
    ("paciente_sexo", b"M", "M", []),
]


@pytest.mark.parametrize(("field", "raw", "text", "warnings"), KINDS, ids=[f"{k[0]}-{k[1]!r}" for k in KINDS])
def test_a_value_has_one_outcome_alone_repeated_and_through_the_model(
    field: str, raw: Any, text: str | None, warnings: list[str]
) -> None:
    """A value gives the same text and warnings alone, repeated down a column of 100 rows (each warning counted at
    its own row) and validated through CensusRecord."""
    alone = normalise_census(["cod_ocorrencia", field], [("1", raw)], TODAY, tz=SAO_PAULO)
    assert alone.records[0][field] == text
    assert sorted(kind for kind, _ in alone.issues.counts.elements()) == warnings

    rows = [(str(row), raw) for row in range(1, 101)]
    repeated = normalise_census(["cod_ocorrencia", field], rows, TODAY, tz=SAO_PAULO)
    assert {record[field] for record in repeated.records} == {text}
    assert repeated.issues.counts == Counter({(kind, field): 100 for kind in warnings})
    assert all(repeated.issues.rows[kind] == list(range(1, 21)) for kind in warnings)

    issues = Issues()
    context = {"today": TODAY, "tz": SAO_PAULO, "issues": issues}
    record = CensusRecord.model_validate({"cod_ocorrencia": "1", field: raw}, context=context)
    assert getattr(record, field) == text
    assert issues.counts == alone.issues.counts


def test_one_instant_written_in_two_zones_keeps_each_its_own_text() -> None:
    """Two timestamps of the same instant with different offsets are equal in Python; repeated down a column, each
    is still written as it came (grouping equal values must not merge them)."""
    local = datetime(2026, 11, 26, 22, 30, tzinfo=SAO_PAULO)
    rows = [(str(row), local if row % 2 else local.astimezone(UTC)) for row in range(100)]
    census = normalise_census(["cod_ocorrencia", "cod_quarto"], rows, TODAY)
    by_key = {record["cod_ocorrencia"]: record["cod_quarto"] for record in census.records}
    assert by_key["1"] == "2026-11-26T22:30:00-03:00"
    assert by_key["2"] == "2026-11-27T01:30:00+00:00"


@pytest.mark.parametrize("reverse", [False, True])
def test_duplicates_across_batches_are_picked_as_within_one(reverse: bool) -> None:
    """An encounter repeated in a later batch keeps the same record, with the same warnings, as when both rows
    come in one batch, whatever their order."""
    rows = [("7", "DRA ANA", None), ("8", "DR BIA", "225250"), ("7", "DRA ANA", "225250"), (None, "X", None)]
    rows = rows[::-1] if reverse else rows
    columns = ["cod_ocorrencia", "profissional_nome", "profissional_cbos"]
    in_batches = normalise_batches(columns, [rows[:2], rows[2:]], TODAY)
    in_one = normalise_census(columns, rows, TODAY)
    assert in_batches.array() == in_one.array()
    assert in_batches.issues == in_one.issues
    assert in_one.records[0]["profissional_cbos"] == "225250"
    assert list(in_one.records[0]) == list(FIELDS)
