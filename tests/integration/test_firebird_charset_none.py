"""SPDATA on a Firebird database whose character set is NONE, its text written as Windows-1252 bytes (as the SPDATA
Delphi client does): the census reads, each value decoded on its own as on PostgreSQL, with or without
HOTELEITOS_SOURCE_ENCODING. A real Firebird 3 server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import URL

from adapters.spdata import SpdataAdapter
from connector.census import Census
from connector.settings import SourceSettings
from connector.source.engine import engine_for
from tests.support import spdata_replica
from tests.support.services import fresh_firebird_database

JOAO = "JOÃO ANTÔNIO D'ÁVILA"


@pytest.fixture(scope="module")
def none_url() -> Iterator[URL]:
    """The SPDATA replica in a database of character set NONE; one name stored as Windows-1252 bytes, another as
    UTF-8 bytes (a table written by two programs)."""
    from firebird.driver import connect

    with fresh_firebird_database("none", charset="NONE") as url:
        spdata_replica.build(url)
        raw = connect(f"{url.host}/{url.port or 3050}:{url.database}", user=url.username, password=url.password,
                      charset="NONE")  # fmt: skip
        with raw:
            cursor = raw.cursor()
            cursor.execute("UPDATE ricadpac SET nome = ? WHERE pront = 504", (JOAO.encode("cp1252"),))
            cursor.execute("UPDATE ricadpac SET nome = ? WHERE pront = 501", ("JOSÉ DA CONCEIÇÃO".encode(),))
            raw.commit()
        yield url


def census_of(url: URL, encoding: str | None = None) -> Census:
    values = {"vendor": "spdata", "url": url.render_as_string(False), "encoding": encoding}
    settings = SourceSettings.model_validate(values)
    engine = engine_for(settings)
    try:
        return SpdataAdapter(settings).read(engine, date(2026, 11, 26)).census
    finally:
        engine.dispose()


@pytest.mark.parametrize("encoding", [None, "cp1252"])
def test_a_charset_none_database_with_windows_1252_bytes_gives_its_census(none_url: URL, encoding: str | None) -> None:
    """Every expected patient is there; the Windows-1252 name reads right, and the literal 'INTERNAÇÃO' of the
    query too; without the setting the UTF-8 name also reads right (decoded value by value)."""
    census = census_of(none_url, encoding)
    names = {r["cod_ocorrencia"]: r["paciente_nome"] for r in census.records}
    assert sorted(names) == sorted(r["cod_ocorrencia"] for r in spdata_replica.EXPECTED)
    assert names["8004"] == JOAO
    assert {r["tipo_ocorrencia_descricao"] for r in census.records} == {"INTERNAÇÃO"}
    if encoding is None:
        assert names["8001"] == "JOSÉ DA CONCEIÇÃO"
