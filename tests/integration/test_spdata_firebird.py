"""The SPDATA census query on a real Firebird server, on a replica of the SPDATA tables, record by record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import URL

from adapters.spdata import SpdataAdapter
from connector.census import Census
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import spdata_replica


@pytest.fixture(scope="module")
def spdata_url(firebird_url: URL) -> URL:
    spdata_replica.build(firebird_url)
    return firebird_url


def census_of(url: URL) -> Census:
    settings = SourceSettings.model_validate({"vendor": "spdata", "url": url.render_as_string(False)})
    assert settings.url is not None
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)
    try:
        return SpdataAdapter(settings).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()


def test_census_equals_expected_record_by_record(spdata_url: URL) -> None:
    """Occupied active beds only; 1899-12-30 is "no date", never a date; an unknown insurer, professional or
    patient leaves the field null and keeps the patient."""
    census = census_of(spdata_url)
    assert [r["cod_ocorrencia"] for r in census.records] == [r["cod_ocorrencia"] for r in spdata_replica.EXPECTED]
    for got, expected in zip(census.records, spdata_replica.EXPECTED, strict=True):
        assert got == expected, got["cod_ocorrencia"]
    assert not census.issues.counts


def test_free_inactive_and_orphan_beds_and_discharges_are_left_out(spdata_url: URL) -> None:
    """The free bed (REG 0), the inactive bed, the bed naming no admission and the discharged patient are absent."""
    records = census_of(spdata_url).records
    assert not {"101B", "102A", "108A"} & {r["cod_leito"] for r in records}
    assert not {"8002", "8003", "8099"} & {r["cod_ocorrencia"] for r in records}
