"""The installable package: the wheel carries every vendor folder whole (adapter and SQL), so an installed
connector (and the image, which installs the wheel) finds them without the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_ships_every_vendor_folder_and_the_console_script(tmp_path: Path) -> None:
    """adapters/<vendor>/ (adapter, census.sql, ...), the queries/ folder and the hoteleitos-connector entry point are
    in the wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(tmp_path.glob("hoteleitos_connector-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    vendor_files = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "adapters").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {"adapters/mv/census.sql", "adapters/wareline/census.sql", "adapters/mv/__init__.py"} <= vendor_files
    assert vendor_files <= names
    queries = {path.relative_to(ROOT).as_posix() for path in (ROOT / "queries").rglob("*.sql")}
    assert {"queries/oracle/password-expiry.sql", "queries/mv/probe-11g.sql"} <= queries <= names
    assert "connector/commands/cli.py" in names and "connector/source/fetch.py" in names
    assert "hoteleitos-connector = connector.commands.cli:entry" in scripts
    assert not any(name.startswith("tests/") for name in names)
