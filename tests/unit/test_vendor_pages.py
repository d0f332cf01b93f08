"""Each vendor's page for hospital IT lists every table and column its query reads and grants each table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters import registry

ROOT = Path(__file__).resolve().parents[2]
WITH_QUERY = sorted(name for name, adapter in registry().items() if adapter.census_resource() is not None)


@pytest.mark.parametrize("vendor", WITH_QUERY)
def test_page_names_every_needed_column_and_grants_every_table(vendor: str) -> None:
    """The columns in backticks, and each table in a GRANT of the page's SQL (schema-qualified where there is one)."""
    adapter = registry()[vendor]
    page = (ROOT / adapter.guide).read_text(encoding="utf-8")
    sql = "\n".join(re.findall(r"```sql\n(.*?)```", page, re.DOTALL))
    for table, columns in adapter.needs.items():
        qualified = f"{adapter.default_schema}.{table}" if adapter.default_schema else table
        assert re.search(rf"GRANT SELECT ON [^;]*\b{re.escape(qualified)}\b", sql), (vendor, qualified)
        for column in columns:
            assert f"`{column}`" in page, (vendor, table, column)


@pytest.mark.parametrize("vendor", sorted(n for n, a in registry().items() if a.probe_resource() is not None))
def test_page_names_what_the_change_probe_reads(vendor: str) -> None:
    """The vendor's page has a change-probe section naming its file and every column the probe reads."""
    adapter = registry()[vendor]
    page = (ROOT / adapter.guide).read_text(encoding="utf-8")
    section = page.split("## Sonda de mudança", 1)[1].split("\n## ", 1)[0]
    assert f"queries/{vendor}/probe.sql" in section
    for table, columns in adapter.probe_needs.items():
        assert f"`{table}`" in section, (vendor, table)
        for column in columns:
            assert f"`{column}`" in section, (vendor, table, column)


@pytest.mark.parametrize("vendor", sorted(n for n, a in registry().items() if a.probe_resource() is not None))
def test_operations_page_lists_what_each_probe_does_not_see(vendor: str) -> None:
    """docs/operacao.md's table of the probe's blind spots has the vendor's row, with each one the adapter declares."""
    page = (ROOT / "docs/operacao.md").read_text(encoding="utf-8")
    section = page.split("### O que a sonda não vê", 1)[1].split("\n### ", 1)[0]
    row = next(line for line in section.splitlines() if line.startswith(f"| `{vendor}` |"))
    unseen = row.split(" | ")[2]
    declared = registry()[vendor].probe_blind_spots
    assert declared and all(spot in unseen for spot in declared), (vendor, declared)
