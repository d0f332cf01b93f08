"""`demo` stopped by SIGTERM or Ctrl+C (SIGINT), or failing: a clean exit, its temporary folder removed, no port
left open."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from tests.support.cli import ROOT, run_cli


def receiver_port(output: str) -> int:
    """The local receiver's port, as the demo's introduction states it."""
    found = re.search(r"\(http://127\.0\.0\.1:(\d+)\)", output)
    assert found is not None, output
    return int(found.group(1))


class Lines:
    """A process's stdout read line by line in a thread, so a wait for a line has a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        self.reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put(line)
        self.queue.put("")  # the end of the output

    def until(self, prefix: str, timeout: float = 60) -> str:
        """The output up to and including the first line that starts with `prefix`."""
        seen = ""
        while True:
            line = self.queue.get(timeout=timeout)
            assert line, f"the output ended without a line starting with {prefix!r}:\n{seen}"
            seen += line
            if line.startswith(prefix):
                return seen

    def rest(self) -> str:
        """The rest of the output (the process has ended)."""
        self.reader.join(timeout=30)
        return "".join(iter(self.queue.get_nowait, ""))


def refused(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` any more."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize(
    ("moment", "patients", "waits_for"),
    [("while building the hospital", "4000", "Criando o hospital"), ("between cycles", "60", "Ciclo 1:")],
)
def test_a_signal_ends_the_demo_cleanly(
    sig: signal.Signals, moment: str, patients: str, waits_for: str, tmp_path: Path
) -> None:
    """SIGTERM and Ctrl+C alike, while the hospital is being built or between cycles: exit 0 without a traceback,
    the reason stated, the temporary folder gone and the receiver's port closed."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with subprocess.Popen(
        [sys.executable, "-m", "connector", "demo", "--forever", "--interval", "30", "--patients", patients],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            lines = Lines(process)
            seen = lines.until(waits_for)
            assert list(scratch.iterdir()) != []  # the demo's folder exists while it runs
            process.send_signal(sig)
            process.wait(timeout=60)
        finally:
            if process.poll() is None:  # a failed assertion must not leave a demo running
                process.kill()
        output = seen + lines.rest()
        errors = process.stderr.read() if process.stderr else ""
    assert process.returncode == 0, output + errors
    assert "Traceback" not in errors
    said = " ".join(output.split())
    assert f"Demonstração interrompida ({'Ctrl+C' if sig == signal.SIGINT else 'SIGTERM'})" in said
    assert "pasta temporária apagada" in said
    if moment == "while building the hospital":
        assert "depois de 0 ciclos" in said
    assert list(scratch.iterdir()) == []
    assert refused(receiver_port(output))


FAILING = """
import sys
from connector.commands import cli
from connector.commands.demo.hospital import DemoHospital

def step(self):
    raise RuntimeError("the hospital broke")

DemoHospital.step = step
sys.exit(cli.main(["demo", "--cycles", "3", "--interval", "0", "--patients", "20"]))
"""


def test_a_failing_demo_says_so_and_still_cleans_up(tmp_path: Path) -> None:
    """A defect in the middle of the demo (the hospital fails between cycles): the failure by type and place
    without a traceback, exit 1, the temporary folder removed."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", FAILING],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Ciclo 1:" in done.stdout and "Ciclo 2:" not in done.stdout
    assert "falha inesperada (RuntimeError em connector/commands/demo/runner.py:" in done.stderr
    assert "Traceback" not in done.stderr
    assert "pasta temporária apagada" in " ".join(done.stdout.split())
    assert list(scratch.iterdir()) == []


def test_a_finished_demo_leaves_nothing_behind(tmp_path: Path) -> None:
    """After its last cycle the demo removes its temporary folder; nothing is written where it was started."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    done = run_cli(
        "demo", "--cycles", "2", "--interval", "0", "--patients", "30", env={"TMPDIR": str(scratch)}, cwd=work
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(scratch) in done.stdout  # the folder it announced
    assert list(scratch.iterdir()) == [] and list(work.iterdir()) == []
    assert refused(receiver_port(done.stdout))
