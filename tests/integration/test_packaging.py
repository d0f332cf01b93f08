"""The installable package: the wheel carries every vendor's adapter and queries/ (the SQL a DBA reads), installed
beside the two packages, so an installed connector (and the image, which installs the wheel) finds them without
the source tree; an editable install finds the repository's own queries/."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.cli import ROOT

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([*PIP, "wheel", "--no-deps", "--quiet", "-w", str(folder), str(ROOT)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    return next(folder.glob("hoteleitos_connector-*.whl"))


def repository_files(folder: str) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_ships_every_vendor_folder_queries_and_the_console_script(wheel: Path) -> None:
    """adapters/<vendor>/, every file of queries/ (at the wheel's top, beside connector/ and adapters/) and the
    hoteleitos-connector entry point are in the wheel; no SQL under adapters/, no tests."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    queries = repository_files("queries")
    assert {"queries/mv/census.sql", "queries/wareline/cbo.present.sql", "queries/postgresql/session.sql"} <= queries
    assert "queries/README.md" in queries
    assert queries <= names
    assert repository_files("adapters") <= names and "adapters/mv/__init__.py" in names
    assert not [name for name in names if name.startswith("adapters/") and name.endswith(".sql")]
    assert "connector/commands/cli.py" in names and "connector/source/statements.py" in names
    assert "hoteleitos-connector = connector.commands.cli:entry" in scripts
    assert not any(name.startswith("tests/") for name in names)


def test_installed_console_script_finds_the_installed_queries(wheel: Path, tmp_path: Path) -> None:
    """The wheel installed into a folder of its own: its `hoteleitos-connector`, run far from the repository,
    reads queries/ from beside the installed packages (`config` and `sql` name and print them)."""
    target = tmp_path / "instalado"
    subprocess.run([*PIP, "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    assert (target / "queries" / "mv" / "census.sql").is_file()
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(target),  # the installed copy first (the development environment's stays behind it)
        "HOTELEITOS_API_URL": "http://127.0.0.1:9",
        "HOTELEITOS_API_TOKEN": "token-instalado",
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": f"sqlite:///{tmp_path / 'his.db'}",
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
    }
    script = str(target / "bin" / "hoteleitos-connector")

    def installed(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip

    shown = installed("config")
    assert "Consulta do censo: queries/mv/census.sql" in shown.stdout, shown.stdout + shown.stderr
    listing = installed("sql")
    assert listing.returncode == 0, listing.stderr
    assert f"Arquivos em {target / 'queries'} " in listing.stdout
    assert "— queries/sqlite/session.sql\nPRAGMA query_only = ON;" in listing.stdout
    census = (target / "queries" / "mv" / "census.sql").read_text(encoding="utf-8")
    assert "    a.CD_ATENDIMENTO   AS cod_ocorrencia," in census
    assert "    a.CD_ATENDIMENTO   AS cod_ocorrencia," in listing.stdout.split("— queries/mv/census.sql")[1]


def test_editable_install_reads_the_repository_queries(tmp_path: Path) -> None:
    """An editable install (a fresh environment, no dependencies needed for this) finds queries/ in the repository,
    beside the connector package it imports."""
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    subprocess.run([*PIP, "--python", str(python), "install", "--no-deps", "--quiet", "-e", str(ROOT)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    found = subprocess.run(
        [str(python), "-c", "from connector.source.statements import queries_folder; print(queries_folder())"],
        env={"PATH": os.environ["PATH"]}, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert Path(found.stdout.strip()) == ROOT / "queries"
