"""The census record's normalisation rules (contract §1), one by one."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from connector.census import FIELDS, CensusRecord, Issues, normalise_batches, normalise_census
from connector.census.changes import Changes, ChangeTracker

TODAY = date(2026, 11, 26)


def one(**values: Any) -> dict[str, str | None]:
    """The single record normalised from one row holding `values` (other fields null)."""
    row = {"cod_ocorrencia": "1", **values}
    census = normalise_census(list(row), [tuple(row.values())], TODAY)
    assert len(census.records) == 1
    return census.records[0]


def test_record_has_the_fifteen_fields_in_contract_order() -> None:
    """Field names are the API's own, in the contract's order."""
    assert FIELDS == (
        "cod_ocorrencia",
        "cod_quarto",
        "cod_leito",
        "convenio_codigo",
        "convenio_nome",
        "data_internacao",
        "paciente_nome",
        "paciente_codigo",
        "paciente_data_nascimento",
        "paciente_sexo",
        "profissional_cbos",
        "profissional_nome",
        "profissional_codigo",
        "tipo_ocorrencia_codigo",
        "tipo_ocorrencia_descricao",
    )
    assert list(one()) == list(FIELDS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (123, "123"),
        (Decimal("123"), "123"),
        (Decimal("123.0"), "123"),
        (123.0, "123"),
        (" 00123 ", "00123"),
        (Decimal("12.50"), "12.5"),
        (float("nan"), None),
    ],
)
def test_codes_are_trimmed_strings_and_whole_numbers_have_no_decimals(raw: object, expected: str | None) -> None:
    """123, Decimal('123.0') and 123.0 all become '123'; zero-padded strings keep their zeros."""
    assert one(cod_leito=raw)["cod_leito"] == expected


def test_encounter_code_numbers_render_without_decimals() -> None:
    """The key follows the same rule."""
    census = normalise_census(["cod_ocorrencia"], [(Decimal("1001.0"),), (2002.0,)], TODAY)
    assert [r["cod_ocorrencia"] for r in census.records] == ["1001", "2002"]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_empty_and_whitespace_strings_become_null(blank: str) -> None:
    """Blank values are absent values."""
    record = one(cod_quarto=blank, convenio_nome=blank, paciente_nome=blank)
    assert record["cod_quarto"] is None and record["convenio_nome"] is None and record["paciente_nome"] is None


def test_names_are_collapsed_trimmed_nfc_and_keep_accents() -> None:
    """Decomposed accents are composed; inner runs of whitespace become one space."""
    decomposed = unicodedata.normalize("NFD", "  MARIA   DA\tCONCEIÇÃO ")
    record = one(
        paciente_nome=decomposed,
        profissional_nome=" DR.  JOÃO ",
        convenio_nome="UNIMED   SUL",
        tipo_ocorrencia_descricao=" INTERNAÇÃO   CLÍNICA ",
    )
    assert record["paciente_nome"] == "MARIA DA CONCEIÇÃO"
    assert unicodedata.is_normalized("NFC", record["paciente_nome"] or "")
    assert record["profissional_nome"] == "DR. JOÃO"
    assert record["convenio_nome"] == "UNIMED SUL"
    assert record["tipo_ocorrencia_descricao"] == "INTERNAÇÃO CLÍNICA"


def test_codes_are_trimmed_but_not_collapsed() -> None:
    """Only name-like fields collapse inner whitespace."""
    assert one(cod_quarto=" ENF  101 ")["cod_quarto"] == "ENF  101"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2026, 11, 20, 14, 35), "2026-11-20"),
        (date(2026, 11, 20), "2026-11-20"),
        ("2026-11-20 14:35:00", "2026-11-20"),
        ("20/11/2026", "2026-11-20"),
        ("2026-11-20T23:59:59-03:00", "2026-11-20"),
    ],
)
def test_admission_date_is_cut_to_its_date(raw: object, expected: str) -> None:
    """Datetimes and date strings become YYYY-MM-DD."""
    assert one(data_internacao=raw)["data_internacao"] == expected


def test_unreadable_date_becomes_null_with_a_warning_and_the_row_stays() -> None:
    """A broken optional value never drops the patient (that would read as a discharge)."""
    census = normalise_census(["cod_ocorrencia", "data_internacao"], [("1", "ontem"), ("2", "31/02/2026")], TODAY)
    assert [r["data_internacao"] for r in census.records] == [None, None]
    assert census.issues.counts[("invalid_date", "data_internacao")] == 2


@pytest.mark.parametrize(
    ("raw", "kept"),
    [(date(1879, 12, 31), False), (date(1880, 1, 1), True), (TODAY, True), (date(2026, 11, 27), False)],
)
def test_birth_date_outside_1880_to_today_becomes_null_with_warning(raw: date, kept: bool) -> None:
    """Birth dates before 1880-01-01 or after the capture date are implausible."""
    census = normalise_census(["cod_ocorrencia", "paciente_data_nascimento"], [("1", raw)], TODAY)
    assert census.records[0]["paciente_data_nascimento"] == (raw.isoformat() if kept else None)
    assert census.issues.count("date_out_of_range") == (0 if kept else 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "M"),
        ("m", "M"),
        ("Masculino", "M"),
        ("MASC", "M"),
        ("1", "M"),
        (1, "M"),
        ("F", "F"),
        ("fem", "F"),
        ("FEMININO", "F"),
        ("2", "F"),
        ("I", "I"),
        ("Indeterminado", "I"),
        (" f ", "F"),
    ],
)
def test_sex_codes_are_mapped(raw: object, expected: str) -> None:
    """Case-insensitive, vendor variants included."""
    assert one(paciente_sexo=raw)["paciente_sexo"] == expected


@pytest.mark.parametrize("raw", ["X", "Não informado", "9"])
def test_unknown_sex_becomes_null_with_warning(raw: str) -> None:
    """Anything else is null, counted, and the row stays."""
    census = normalise_census(["cod_ocorrencia", "paciente_sexo"], [("1", raw)], TODAY)
    assert census.records[0]["paciente_sexo"] is None
    assert census.issues.counts[("unknown_sex", "paciente_sexo")] == 1


def test_rows_without_encounter_are_left_out_counted_and_located() -> None:
    """Unidentifiable rows are reported by position, never by content."""
    rows = [("1", "ANA"), (None, "BIA"), ("  ", "CAU"), ("4", "DUDA")]
    census = normalise_census(["cod_ocorrencia", "paciente_nome"], rows, TODAY)
    assert [r["cod_ocorrencia"] for r in census.records] == ["1", "4"]
    assert census.issues.counts[("missing_cod_ocorrencia", "cod_ocorrencia")] == 2
    assert census.issues.rows["missing_cod_ocorrencia"] == [2, 3]


def test_duplicate_encounters_keep_one_deterministically() -> None:
    """Whatever the row order, the most complete duplicate is kept, and the duplicate is counted; the records go in
    the order their encounters were first read."""
    columns = ["cod_ocorrencia", "profissional_nome", "profissional_cbos"]
    rows = [("7", "DRA ANA", None), ("7", "DRA ANA", "225250"), ("8", "DR BIA", None)]
    first = normalise_census(columns, rows, TODAY)
    second = normalise_census(columns, list(reversed(rows)), TODAY)
    assert first.records == second.records[::-1]
    assert first.records[0]["profissional_cbos"] == "225250"
    assert first.issues.counts[("duplicate_cod_ocorrencia", "cod_ocorrencia")] == 1


def test_two_encounters_in_one_bed_are_both_kept() -> None:
    """Rooming-in (mother and newborn) is legal."""
    census = normalise_census(["cod_ocorrencia", "cod_leito"], [("1", "30"), ("2", "30")], TODAY)
    assert [r["cod_leito"] for r in census.records] == ["30", "30"]
    assert not census.issues.counts


def test_missing_columns_are_null_and_extra_columns_ignored() -> None:
    """Normalisation only reads canonical names (the adapter refuses incomplete queries earlier)."""
    census = normalise_census(["COD_OCORRENCIA", "outra"], [("1", "x")], TODAY)
    assert census.records[0] == dict.fromkeys(FIELDS) | {"cod_ocorrencia": "1"}


def test_model_applies_the_same_rules() -> None:
    """Validating through CensusRecord normalises exactly like the batch path."""
    issues = Issues()
    record = CensusRecord.model_validate(
        {
            "cod_ocorrencia": Decimal("10.0"),
            "paciente_nome": " JOÃO  SILVA ",
            "paciente_sexo": "Masculino",
            "paciente_data_nascimento": date(2030, 1, 1),
        },
        context={"today": TODAY, "issues": issues},
    )
    assert record.cod_ocorrencia == "10"
    assert record.paciente_nome == "JOÃO SILVA"
    assert record.paciente_sexo == "M"
    assert record.paciente_data_nascimento is None
    assert issues.count("date_out_of_range") == 1


def test_model_is_frozen_forbids_extras_and_requires_the_encounter() -> None:
    """The model refuses what the API would not understand."""
    with pytest.raises(ValidationError):
        CensusRecord.model_validate({"cod_ocorrencia": "1", "leito": "x"})
    with pytest.raises(ValidationError):
        CensusRecord.model_validate({"cod_ocorrencia": "  "})
    record = CensusRecord.model_validate({"cod_ocorrencia": "1"})
    with pytest.raises(ValidationError):
        record.cod_leito = "2"  # type: ignore[misc]


def _hospital_rows(count: int) -> list[tuple[Any, ...]]:
    """Rows like a real census: unique encounters and names, few insurers, doctors, sexes and admission days."""
    sexes = ["M", "F", "Masculino", " f ", "I", "2"]
    return [
        (
            str(1000 + i),
            f"  CONVÊNIO   {i % 7} ",
            datetime(2026, 11, 1 + i % 20, 8, 30),
            f"  PACIENTE  {i}  ",
            sexes[i % len(sexes)],
            f"DR.  {i % 13}",
            Decimal(i % 5),
        )
        for i in range(count)
    ]


HOSPITAL_COLUMNS = ["cod_ocorrencia", "convenio_nome", "data_internacao", "paciente_nome", "paciente_sexo",
                    "profissional_nome", "profissional_codigo"]  # fmt: skip


def test_repeated_values_are_normalised_as_if_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A census whose columns repeat values (done once per distinct value) is the same, text for text, as the
    census done value by value."""
    rows = _hospital_rows(1000)
    grouped = normalise_census(HOSPITAL_COLUMNS, rows, TODAY)
    monkeypatch.setattr("connector.census.record.MIN_REPEATED", 10**9)
    one_by_one = normalise_census(HOSPITAL_COLUMNS, rows, TODAY)
    assert grouped.array() == one_by_one.array()
    assert grouped.records[3]["paciente_sexo"] == "F" and grouped.records[3]["convenio_nome"] == "CONVÊNIO 3"


def test_a_repeated_bad_value_is_warned_for_every_row() -> None:
    """A bad value repeated down a column still counts one warning per row, at the rows' own positions."""
    rows = [(str(i), "X" if i % 2 else "F") for i in range(200)]
    census = normalise_census(["cod_ocorrencia", "paciente_sexo"], rows, TODAY)
    assert census.issues.counts["unknown_sex", "paciente_sexo"] == 100
    assert census.issues.rows["unknown_sex"][:3] == [2, 4, 6]
    assert sum(1 for r in census.records if r["paciente_sexo"] is None) == 100


def test_change_counts_follow_the_record_kept_of_an_encounter_read_again_in_a_later_batch() -> None:
    """Encounter 1 comes back in a later batch in bed C, more complete: its record is rewritten where it was first
    read, and the change counts see it in bed C (a transfer), never in both beds."""
    columns = ["cod_ocorrencia", "cod_leito", "profissional_cbos"]
    before = normalise_batches(columns, [[("1", "A", None), ("2", "B", "X")]], TODAY)
    after = normalise_batches(columns, [[("1", "A", None), ("2", "B", "X")], [("1", "C", "225250")]], TODAY)
    tracker = ChangeTracker()
    tracker.update(before)
    assert tracker.update(after) == Changes(transfers=1)
    assert [(r["cod_ocorrencia"], r["cod_leito"]) for r in after.records] == [("1", "C"), ("2", "B")]
    assert len(after.fingerprint.placements) == 2
