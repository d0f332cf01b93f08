"""`demo`: with nothing configured, a synthetic MV hospital is read and pushed to a local receiver."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli


def test_demo_runs_cycles_with_admissions_and_discharges(tmp_path: Path) -> None:
    """Each cycle prints its line; the board sees the first census as admissions, then movement."""
    done = run_cli("demo", "--cycles", "4", "--interval", "0.2", "--patients", "120", env={}, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("Ciclo ")]
    assert len(lines) == 4
    first = re.search(r"Ciclo 1: (\d+) pacientes extraídos .* \+(\d+) admissões, -0 altas.*envio HTTP 200", lines[0])
    assert first is not None, lines[0]
    assert first.group(1) == first.group(2) == "120"
    later = [re.search(r"\+(\d+) admissões, -(\d+) altas, (\d+) transferências", line) for line in lines[1:]]
    assert all(m is not None for m in later)
    assert sum(int(m.group(2)) for m in later if m) > 0
    assert all("envio HTTP 200" in line for line in lines)
    assert "Traceback" not in done.stderr


def test_demo_leaves_nothing_behind(tmp_path: Path) -> None:
    """The demo works in a temporary folder of its own and removes it."""
    done = run_cli("demo", "--cycles", "1", "--interval", "0", "--patients", "30", env={}, cwd=tmp_path)
    assert done.returncode == 0
    folder = re.search(r"em (/\S+) \.\.\.", done.stdout)
    assert folder is not None
    assert not Path(folder.group(1)).exists()
    assert list(tmp_path.iterdir()) == []
