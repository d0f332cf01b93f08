"""Statements kept as files in the top-level `queries/` folder (queries/<dialect>/, queries/<vendor>/), where a DBA
reads everything the connector sends before granting access. The folder ships beside the packages."""

from __future__ import annotations

from pathlib import Path

QUERIES = Path(__file__).resolve().parents[2] / "queries"


def query_text(name: str) -> str:
    """The file `queries/<name>` as written (comments included)."""
    return (QUERIES / name).read_text(encoding="utf-8")


def query_sql(name: str) -> str:
    """The statement of `queries/<name>` without its comment lines (a driver takes one bare statement)."""
    lines = [line for line in query_text(name).splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")
