"""The Tasy census query on a real PostgreSQL replica of the Tasy tables, record by record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters.tasy import TasyAdapter
from connector.census import Census
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import tasy_replica

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def tasy_url(pg_url: URL) -> URL:
    tasy_replica.build(pg_url)
    return pg_url


def census_of(url: URL, **source: object) -> Census:
    settings = SourceSettings.model_validate({"vendor": "tasy", "url": url.render_as_string(False), **source})
    assert settings.url is not None
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)
    try:
        return TasyAdapter(settings).read(engine, TODAY).census
    finally:
        engine.dispose()


def test_census_equals_expected_record_by_record(tasy_url: URL) -> None:
    """Discharged, cancelled and emergency encounters stay out; the current non-pass-through stay gives the bed;
    the latest insurer wins; no stay or no insurer still keeps the patient, with nulls."""
    census = census_of(tasy_url)
    assert [r["cod_ocorrencia"] for r in census.records] == [r["cod_ocorrencia"] for r in tasy_replica.EXPECTED]
    for got, expected in zip(census.records, tasy_replica.EXPECTED, strict=True):
        assert got == expected, got["cod_ocorrencia"]


def test_every_row_is_one_encounter_and_bad_birth_dates_are_warned(tasy_url: URL) -> None:
    """The "latest stay" and "latest insurer" choices never multiply rows; the 1800 birth date is nulled and counted."""
    census = census_of(tasy_url)
    assert census.rows_read == len(tasy_replica.EXPECTED)
    assert ("duplicate_cod_ocorrencia", "cod_ocorrencia") not in census.issues.counts
    assert census.issues.counts[("date_out_of_range", "paciente_data_nascimento")] == 1


def test_a_bed_left_empty_by_a_transfer_is_in_no_record(tasy_url: URL) -> None:
    """Bed 101 A, left when encounter 5001 moved to 201 B, and the discharged patient's bed are nowhere."""
    beds = {r["cod_leito"] for r in census_of(tasy_url).records}
    assert "101 A" not in beds and "202 A" not in beds and "CC SALA 2" not in beds


def test_establishment_option_keeps_the_chosen_hospitals(tasy_url: URL) -> None:
    """CD_ESTABELECIMENTO 2 keeps only its encounter; 1,2 keeps everyone."""
    assert [r["cod_ocorrencia"] for r in census_of(tasy_url, estabelecimentos="2").records] == ["5010"]
    assert len(census_of(tasy_url, estabelecimentos="1,2").records) == len(tasy_replica.EXPECTED)


def test_schema_prefix_comes_from_settings(pg_url: URL) -> None:
    """The same query reads Tasy tables kept under another schema name."""
    tasy_replica.build(pg_url, schema="tasyprod")
    try:
        census = census_of(pg_url, schema="TASYPROD")
    finally:  # a second copy of the tables makes an unconfigured schema ambiguous for the other tests
        engine = create_engine(pg_url)
        with engine.begin() as db:
            db.execute(text("DROP SCHEMA tasyprod CASCADE"))
        engine.dispose()
    assert len(census.records) == len(tasy_replica.EXPECTED)
