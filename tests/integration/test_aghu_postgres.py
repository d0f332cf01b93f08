"""The AGHU census query on a real PostgreSQL replica of the AGHU tables (schema agh), record by record."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

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


TODAY = date(2026, 11, 26)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def census_of(url: URL, today: date = TODAY, tz: tzinfo = SAO_PAULO, **source: object) -> Census:
    """The census read as `run` reads it on the capture date `today` (the hospital's date), in the hospital's zone."""
    settings = SourceSettings.model_validate({"vendor": "aghu", "url": url.render_as_string(False), **source})
    assert settings.url is not None
    engine = create_source_engine(
        settings.url.get_secret_value(), connect_timeout=5, query_timeout=30, timezone=str(tz)
    )
    try:
        return AghuAdapter(settings).read(engine, today, tz=tz).census
    finally:
        engine.dispose()


def set_cbo_validity(url: URL, person: int, start: datetime | None, end: datetime | None) -> None:
    """Give `person`'s CBO (tii_seq 7, the one P_TIPO_INF_CBO points at) this validity, dates at 00:00 as AGHU
    stores them."""
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(
            text("UPDATE agh.rap_pessoa_tipo_informacoes SET dt_inicio = :start, dt_fim = :end "
                 "WHERE pes_codigo = :person AND tii_seq = 7"),
            {"start": start, "end": end, "person": person},
        )  # fmt: skip
    engine.dispose()


def cbo_by_encounter(census: Census) -> dict[str | None, str | None]:
    return {r["cod_ocorrencia"]: r["profissional_cbos"] for r in census.records}


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


@pytest.mark.parametrize(
    ("start", "end", "cbo"),
    [
        (datetime(2015, 1, 1), datetime(2026, 11, 26), "225125"),  # its last day: still valid all day
        (datetime(2015, 1, 1), datetime(2026, 11, 25), None),  # ended yesterday
        (datetime(2026, 11, 27), None, None),  # starts tomorrow
        (datetime(2026, 11, 26), datetime(2026, 11, 26), "225125"),  # valid for one day: today
    ],
    ids=["ends-today", "ended-yesterday", "starts-tomorrow", "only-today"],
)
def test_cbo_counts_its_first_and_last_day_in_the_hospitals_date(
    aghu_url: URL, start: datetime, end: datetime | None, cbo: str | None
) -> None:
    """Validity is by date, as AGHU's own DAO counts it (`trunc(?) between dt_inicio and dt_fim`): a CBO whose
    dt_fim is today at 00:00 is sent all day long; one that ended yesterday or starts tomorrow is not."""
    set_cbo_validity(aghu_url, 501, start, end)
    cbos = cbo_by_encounter(census_of(aghu_url, today=TODAY))
    assert cbos["7001"] == cbo
    assert cbos["7006"] == cbo  # every admission of the same professional alike


def test_the_hospitals_date_counts_not_utcs(aghu_url: URL) -> None:
    """At 22:30 of 26/11 in São Paulo it is already 01:30 of 27/11 in UTC: the capture date is the hospital's 26th,
    so a CBO that ends on the 26th is still sent and one that starts on the 27th is not yet."""
    instant = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    today = instant.astimezone(SAO_PAULO).date()
    assert (today, instant.date()) == (date(2026, 11, 26), date(2026, 11, 27))
    set_cbo_validity(aghu_url, 501, datetime(2015, 1, 1), datetime(2026, 11, 26))
    set_cbo_validity(aghu_url, 502, datetime(2026, 11, 27), None)
    cbos = cbo_by_encounter(census_of(aghu_url, today=today, tz=SAO_PAULO))
    assert cbos["7001"] == "225125"
    assert cbos["7007"] is None
    assert cbo_by_encounter(census_of(aghu_url, today=instant.date(), tz=UTC))["7007"] == "225250"
