"""The installable package: the wheel carries the vendor queries, so an installed connector (and the image,
which installs the wheel) finds them without the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_ships_the_queries_and_the_console_script(tmp_path: Path) -> None:
    """queries/<vendor>/census.sql and the hoteleitos-connector entry point are in the wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(tmp_path.glob("hoteleitos_connector-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    assert {"queries/mv/census.sql", "queries/wareline/census.sql", "connector/cli.py", "adapters/mv.py"} <= names
    assert "hoteleitos-connector = connector.cli:main" in scripts
    assert not any(name.startswith("tests/") for name in names)
