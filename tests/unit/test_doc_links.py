"""Every relative link of the README, the docs and queries/README.md reaches a file that exists (files move: the
SQL into queries/, the templates with it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import ROOT

PAGES = [ROOT / "README.md", ROOT / "queries" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_relative_links_reach_existing_files(page: Path) -> None:
    """Each `[text](path)` not on the web resolves, from the page's folder, to a file or folder of the repository."""
    targets = [t for t in _LINK.findall(page.read_text(encoding="utf-8")) if not re.match(r"[a-z]+:", t)]
    broken = [t for t in targets if t.split("#")[0] and not (page.parent / t.split("#")[0]).exists()]
    assert broken == []
