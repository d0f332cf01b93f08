"""`demo`'s synthetic hospital: on any vendor's tables, read by that vendor's own census query, it moves as the
receiver sees it; a vendor without a query is refused. (What the demo prints: test_demo_output; how it stops:
test_demo_stops.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters import adapter_for, writers
from connector.commands.demo.hospital import DemoHospital
from connector.commands.demo.receiver import Board, Changes
from connector.settings import SourceSettings
from connector.source.engine import create_source_engine
from tests.support.cli import run_cli


@pytest.mark.parametrize("vendor", sorted(writers()))
def test_every_vendor_census_sees_the_hospital_move(vendor: str, tmp_path: Path) -> None:
    """On each vendor's own tables, read by its own census.sql, the receiver's board sees exactly the admissions,
    discharges and transfers the hospital made, cycle after cycle."""
    hospital = DemoHospital(tmp_path / f"{vendor}.sqlite3", vendor=vendor, patients=80)
    settings = SourceSettings.model_validate({"vendor": vendor, "url": hospital.url, "schema": ""})
    engine = create_source_engine(hospital.url, connect_timeout=5, query_timeout=30)
    board = Board()
    try:
        first = adapter_for(settings).read(engine, date.today()).census
        assert board.apply(first.records) == Changes(admissions=80)
        assert not first.issues.counts
        for _ in range(5):
            moved = hospital.step()
            census = adapter_for(settings).read(engine, date.today()).census
            seen = board.apply(census.records)
            assert (seen.admissions, seen.discharges, seen.transfers) == (
                moved.admissions,
                moved.discharges,
                moved.transfers,
            )
            assert len(census.records) == len(hospital.admitted)
    finally:
        engine.dispose()
        hospital.close()


@pytest.mark.parametrize("vendor", sorted(writers()))
def test_every_writer_names_its_stays_as_the_census_shows_them(vendor: str, tmp_path: Path) -> None:
    """What a writer says the census shows for each stay (encounter and bed codes, used by the bench to match
    commits to pushes) is what the vendor's census.sql reads back, before and after the hospital moves."""
    hospital = DemoHospital(tmp_path / f"{vendor}.sqlite3", vendor=vendor, patients=40)
    settings = SourceSettings.model_validate({"vendor": vendor, "url": hospital.url, "schema": ""})
    engine = create_source_engine(hospital.url, connect_timeout=5, query_timeout=30)
    try:
        for _ in range(2):
            census = adapter_for(settings).read(engine, date.today()).census
            shown = {(r["cod_ocorrencia"], r["cod_leito"]) for r in census.records}
            assert shown == {hospital.writer.census_codes(stay) for stay in hospital.admitted.values()}
            hospital.step()
    finally:
        engine.dispose()
        hospital.close()


def test_demo_runs_another_vendor_and_refuses_one_without_a_query(tmp_path: Path) -> None:
    """`demo --vendor tasy` runs the Tasy hospital; `--vendor custom` has no query to run and says why, exit 2."""
    done = run_cli(
        "demo", "--vendor", "tasy", "--cycles", "2", "--interval", "0", "--patients", "30", env={}, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = " ".join(done.stdout.split())  # its wrapped lines joined
    assert "SQLite com as tabelas do Tasy." in said and "a consulta pronta do Tasy," in said
    refused = run_cli("demo", "--vendor", "custom", env={}, cwd=tmp_path)
    assert refused.returncode == 2
    assert "--vendor aghu | mv | spdata | tasy | wareline" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_demo_shows_every_vendor_it_knows_with_a_query() -> None:
    """Each demo writer belongs to a vendor folder with its own census.sql; the five shipped vendors all have one
    (a new vendor may come without: the demo is optional for it)."""
    from adapters import registry

    with_query = {name for name, adapter in registry().items() if adapter.census_resource() is not None}
    assert set(writers()) <= with_query
    assert {"aghu", "mv", "spdata", "tasy", "wareline"} <= set(writers())
