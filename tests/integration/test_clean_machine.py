"""A machine without unixODBC, podman, Firebird, Docker, PostgreSQL or MariaDB: the suite passes there, every test
that needs a missing tool skipped with the command that provides it; under CI=true those tests fail instead.

The tools are hidden from a pytest run in a subprocess: the executables left out of its PATH, the shared libraries
covered by /dev/null in a mount namespace of its own (root only), the servers' URLs pointed at closed ports.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.cli import ROOT
from tests.support.processes import free_port
from tests.support.services import unavailable

HIDDEN_TOOLS = {"podman", "runc", "podman-compose", "docker", "fbguard", "isql-fb", "pg_ctlcluster", "mysqladmin"}
HIDDEN_LIBRARIES = ("libodbc.so.2", "libfbclient.so.2")
LIBRARY_DIRS = (Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib/aarch64-linux-gnu"), Path("/usr/lib"), Path("/lib"))
# A skip reason names the command that provides what is missing.
COMMANDS = ("sudo ", "apt-get install", "./scripts/")
SKIPPED = re.compile(r"^SKIPPED \[\d+\] (?P<where>[^:]+):\d+: (?P<reason>.*)$", re.MULTILINE)
THIS = "tests/integration/test_clean_machine.py"


def _visible_path(folder: Path) -> str:
    """A PATH of links to every executable of this one, the hidden tools left out."""
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir() or Path(directory) == Path(sys.executable).parent:
            continue
        for program in Path(directory).iterdir():
            link = folder / program.name
            if program.name not in HIDDEN_TOOLS and not link.exists() and os.access(program, os.X_OK):
                link.symlink_to(program)
    return str(folder)


def _libraries() -> list[Path]:
    """The files behind the hidden libraries (the link's target, where the loader ends up)."""
    found = {(directory / name).resolve() for directory in LIBRARY_DIRS for name in HIDDEN_LIBRARIES}
    return sorted(path for path in found if path.is_file())


def _can_unshare() -> bool:
    done = subprocess.run(["unshare", "--mount", "true"], capture_output=True, timeout=30, check=False)
    return done.returncode == 0


def hidden_run(tmp_path: Path, *pytest_args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    """pytest, in a subprocess that sees none of the tools."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or not _can_unshare():
        unavailable(
            "esconder bibliotecas pede root, unshare (util-linux) e um namespace de montagem (não dentro de um "
            "container sem privilégios): sudo ./scripts/test"
        )
    covers = "".join(f"mount --bind /dev/null {library} && " for library in _libraries())
    closed = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "CONTAINERS_CONF")},
        "PATH": _visible_path(tmp_path / "bin"),
        "PYTHONPATH": str(ROOT),
        "HOTELEITOS_TEST_PG_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed}/postgres",
        "HOTELEITOS_TEST_MARIADB_URL": f"mysql+pymysql://root@127.0.0.1:{closed}/test",
        "HOTELEITOS_TEST_FIREBIRD_URL": f"firebird+firebird://SYSDBA:masterkey@127.0.0.1:{closed}//tmp",
        "DOCKER_HOST": f"unix://{tmp_path}/docker.sock",
        **({"CI": "true"} if ci else {}),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *pytest_args]
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", f'{covers}exec "$@"', "hidden", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_suite_passes_on_a_machine_without_the_tools(tmp_path: Path) -> None:
    """The whole suite exits 0 there (no test needs unixODBC to load a dialect), and each skip names the command that
    provides what it lacked: podman, Firebird, Docker, PostgreSQL and MariaDB each account for at least one."""
    done = hidden_run(tmp_path, "tests", "--deselect", THIS, ci=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    reasons = [match["reason"] for match in SKIPPED.finditer(done.stdout)]
    unexplained = [reason for reason in reasons if not any(command in reason for command in COMMANDS)]
    assert not unexplained, unexplained
    for tool in ("podman", "firebird", "docker.io", "postgresql", "mariadb-server"):
        assert any(tool in reason for reason in reasons), (tool, sorted(set(reasons)))


def test_under_ci_the_missing_tools_fail_their_tests(tmp_path: Path) -> None:
    """With CI=true the same absences are failures, each with the reason: CI never passes by skipping."""
    tests = [
        "tests/integration/test_sources.py::test_custom_query_through_a_real_odbc_driver",
        "tests/integration/test_firebird_source.py::test_custom_query_on_firebird",
        "tests/integration/test_container.py::test_help_runs_in_the_image_as_a_non_root_user",
    ]
    done = hidden_run(tmp_path, *tests, ci=True)
    assert done.returncode == 1, done.stdout[-3000:]
    assert done.stdout.count("(CI=true: serviços obrigatórios)") >= len(tests), done.stdout[-3000:]
    assert "3 error" in done.stdout.splitlines()[-1], done.stdout[-3000:]
