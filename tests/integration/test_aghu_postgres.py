"""The AGHU census query on a real PostgreSQL replica of the AGHU tables (schema agh), record by record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters.aghu import AghuAdapter
from connector.census import Census
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import aghu_replica


@pytest.fixture
def aghu_url(pg_url: URL) -> URL:
    aghu_replica.build(pg_url)
    return pg_url


def census_of(url: URL, **source: object) -> Census:
    settings = SourceSettings.model_validate({"vendor": "aghu", "url": url.render_as_string(False), **source})
    assert settings.url is not None
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)
    try:
        return AghuAdapter(settings).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()


def test_census_equals_expected_record_by_record(aghu_url: URL) -> None:
    """Only ind_paciente_internado S; a patient placed by room or unit only stays, with the room where known; the
    bed's room beats the admission's stale one; null insurer and missing professional give nulls; CBO only current."""
    census = census_of(aghu_url)
    assert [r["cod_ocorrencia"] for r in census.records] == [r["cod_ocorrencia"] for r in aghu_replica.EXPECTED]
    for got, expected in zip(census.records, aghu_replica.EXPECTED, strict=True):
        assert got == expected, got["cod_ocorrencia"]
    assert census.rows_read == len(aghu_replica.EXPECTED)
    assert not census.issues.counts


def test_empty_bed_and_discharged_patient_are_in_no_record(aghu_url: URL) -> None:
    """Bed 0101B (free since its patient's discharge) never appears; neither does the discharged encounter."""
    records = census_of(aghu_url).records
    assert "0101B" not in {r["cod_leito"] for r in records}
    assert "7002" not in {r["cod_ocorrencia"] for r in records}


def test_cbo_is_null_when_the_parameter_is_unset(aghu_url: URL) -> None:
    """Without P_TIPO_INF_CBO in agh_parametros no CBO is guessed, and nobody leaves the census."""
    engine = create_engine(aghu_url)
    with engine.begin() as db:
        db.execute(text("DELETE FROM agh.agh_parametros WHERE nome = 'P_TIPO_INF_CBO'"))
    engine.dispose()
    records = census_of(aghu_url).records
    assert len(records) == len(aghu_replica.EXPECTED)
    assert {r["profissional_cbos"] for r in records} == {None}
    assert records[0]["profissional_nome"] == "DR. PAULO MENDES"
