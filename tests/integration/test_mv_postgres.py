"""The MV census query on a real PostgreSQL replica of the MV tables, record by record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from adapters.mv import MvAdapter
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import mv_replica

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def census_of(url: URL, **source: object):  # type: ignore[no-untyped-def]
    settings = SourceSettings.model_validate({"vendor": "mv", "url": url.render_as_string(False), **source})
    engine = create_source_engine(settings.url.get_secret_value(), connect_timeout=5, query_timeout=30)
    try:
        census = MvAdapter(settings).read(engine, TODAY).census
    finally:
        engine.dispose()
    return census


def test_census_equals_expected_record_by_record(mv_url: URL) -> None:
    """Only admitted encounters, every field normalised, edge cases as the contract says."""
    census = census_of(mv_url)
    assert [r["cod_ocorrencia"] for r in census.records] == [r["cod_ocorrencia"] for r in mv_replica.EXPECTED]
    for got, expected in zip(census.records, mv_replica.EXPECTED, strict=True):
        assert got == expected, got["cod_ocorrencia"]


def test_duplicates_and_warnings_are_reported(mv_url: URL) -> None:
    """The doubled professional doubles two encounters: one row of each is dropped and counted."""
    census = census_of(mv_url)
    assert census.rows_read == len(mv_replica.EXPECTED) + 2
    assert census.issues.counts[("duplicate_cod_ocorrencia", "cod_ocorrencia")] == 2
    assert census.issues.counts[("date_out_of_range", "paciente_data_nascimento")] == 1
    assert census.issues.counts[("unknown_sex", "paciente_sexo")] == 1


def test_multi_empresa_filter_keeps_one_hospital(mv_url: URL) -> None:
    """CD_MULTI_EMPRESA = 1 leaves out the encounter of hospital 2."""
    census = census_of(mv_url, multi_empresa="1")
    assert [r["cod_ocorrencia"] for r in census.records] == ["1001", "1002", "1003", "1005", "1006"]


def test_emergency_observation_beds_are_an_option(mv_url: URL) -> None:
    """With TP_ATENDIMENTO I,U the emergency patient in a bed joins; the outpatient never does."""
    census = census_of(mv_url, encounter_types="I,U")
    by_code = {r["cod_ocorrencia"]: r for r in census.records}
    assert by_code["1004"] == mv_replica.EMERGENCY
    assert "1008" not in by_code


def test_schema_prefix_comes_from_settings(pg_url: URL) -> None:
    """The same query reads MV tables kept under another schema name."""
    mv_replica.build(pg_url, schema="mvprod")
    try:
        census = census_of(pg_url, schema="MVPROD")
    finally:  # a second copy of the tables makes an unconfigured schema ambiguous for the other tests
        engine = create_engine(pg_url)
        with engine.begin() as db:
            db.execute(text("DROP SCHEMA mvprod CASCADE"))
        engine.dispose()
    assert len(census.records) == len(mv_replica.EXPECTED)


def test_census_is_streamed_in_batches_with_the_same_result(mv_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows arrive a few at a time (server-side cursor); the census and its warnings do not depend on it."""
    import adapters.base
    from connector.census import record as census_module
    from connector.source import fetch as database

    whole = census_of(mv_url)
    sizes: list[int] = []

    def spy(columns, batches, today, **options):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            for batch in batches:
                sizes.append(len(batch))
                yield batch

        return census_module.normalise_batches(columns, counted(), today, **options)

    monkeypatch.setattr(database, "BATCH_ROWS", 3)
    monkeypatch.setattr(adapters.base, "normalise_batches", spy)
    streamed = census_of(mv_url)
    assert sizes == [3, 3, 2]
    assert streamed.records == whole.records
    assert streamed.issues == whole.issues
