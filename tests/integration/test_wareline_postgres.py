"""The Wareline census query on a real PostgreSQL replica of the Wareline tables, record by record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import URL

from adapters.wareline import WarelineAdapter
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support import wareline_replica


@pytest.fixture(scope="module")
def wareline_url(pg_url: URL) -> URL:
    wareline_replica.build(pg_url)
    return pg_url


def test_census_equals_expected_record_by_record(wareline_url: URL) -> None:
    """posicao I only; zero-padded codes trimmed with zeros kept; plan without insurer gives null insurer;
    a deactivated bed (tipobloq D) still holds its patient."""
    source = SourceSettings.model_validate({"vendor": "wareline", "url": wareline_url.render_as_string(False)})
    engine = create_source_engine(source.url.get_secret_value(), connect_timeout=5, query_timeout=30)
    try:
        census = WarelineAdapter(source).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()
    assert census.records == wareline_replica.EXPECTED
    assert not census.issues.counts
