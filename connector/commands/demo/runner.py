"""`demo`: the connector's real cycle on a synthetic hospital (any vendor with a census query), pushing to a local
receiver, each step told in words (`narration`). Its temporary folder goes away however it ends: after the last
cycle, on SIGTERM or Ctrl+C (`stopping`), or on a failure."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from adapters import registry, writers
from connector.commands.configuration import settings_from_values
from connector.commands.demo import narration
from connector.commands.demo.hospital import DemoHospital
from connector.commands.demo.receiver import Receiver
from connector.commands.demo.stopping import Stopped, Stopper
from connector.cycle import Agent
from connector.ops.cycle_report import CycleReport
from connector.ops.logs import configure
from connector.ops.unexpected import unexpected
from connector.settings import LogSettings

TOKEN = "demo-token-local"
STOPPED_BY = {"SIGINT": "Ctrl+C", "SIGTERM": "SIGTERM"}


@dataclass
class Tally:
    """How the demo went: cycles run, cycles whose census was not delivered (not counting one a stop cut short)."""

    cycles: int = 0
    failed: int = 0
    crashed: bool = False


def run_demo(*, cycles: int | None, interval: float, patients: int, vendor: str = "mv") -> int:
    """Run `cycles` cycles (None: until Ctrl+C or SIGTERM) on `vendor`'s tables and tell each one; 0 when every
    cycle delivered (also when stopped by a signal), 1 when one did not or the demo failed, 2 for a vendor the demo
    cannot show."""
    if vendor not in writers():
        print(
            f"A demonstração não tem hospital sintético para o fornecedor '{vendor}': ela roda a consulta pronta de "
            f"um fornecedor (use --vendor {' | '.join(writers())}). Fornecedores sem consulta pronta (custom, "
            "sigho) leem o arquivo SQL do hospital: teste-o com `hoteleitos-connector preview`.",
            file=sys.stderr,
        )
        return 2
    configure(LogSettings(level="warning"), secrets=[TOKEN])
    tally = Tally()
    with Stopper() as stopper:
        folder = Path(tempfile.mkdtemp(prefix="hoteleitos-demo-"))
        try:
            _demo(folder, stopper, tally, cycles=cycles, interval=interval, patients=patients, vendor=vendor)
        except Stopped:
            pass
        except Exception as error:  # noqa: BLE001 - a defect: told by type and place; the folder still goes away
            tally.crashed = True
            print(f"Erro: {unexpected(error)}", file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        signal = stopper.signal
    stopped_by = None if signal is None else STOPPED_BY.get(signal.name, signal.name)
    print(
        narration.ending(
            cycles=tally.cycles,
            failed=tally.failed,
            stopped_by=stopped_by,
            removed=not folder.exists(),
            folder=str(folder),
        )
    )
    if not tally.crashed and not tally.failed and stopped_by is None:
        print(narration.NEXT_STEP)
    return 1 if tally.crashed or tally.failed else 0


def _demo(
    folder: Path, stopper: Stopper, tally: Tally, *, cycles: int | None, interval: float, patients: int, vendor: str
) -> None:
    """Set up the receiver, the hospital and the agent, and run the cycles; everything is closed on the way out."""
    title = registry()[vendor].title.split(" (")[0]  # "MV", not "MV (SOUL MV, MV 2000)"
    with ExitStack() as stack:
        receiver = stack.enter_context(Receiver(token=TOKEN))
        print(
            narration.introduction(
                vendor=title, patients=patients, url=receiver.url, cycles=cycles, interval=interval, folder=str(folder)
            ),
            flush=True,
        )
        print(f"Criando o hospital sintético nas tabelas do {title} ...", flush=True)
        with stopper.interruptible():
            hospital = DemoHospital(folder / f"hospital-{vendor}.sqlite3", vendor=vendor, patients=patients)
        stack.callback(hospital.close)
        settings = settings_from_values(
            {
                "api": {"url": receiver.url, "token": TOKEN},
                "source": {"vendor": vendor, "url": hospital.url, "schema": ""},
                "schedule": f"{max(interval, 1):g}s",
                "state_dir": str(folder / "state"),
            }
        )
        agent = Agent(settings, stop=stopper.event)
        stack.callback(agent.close)
        print(flush=True)  # a blank line before the first cycle
        _cycles(agent, hospital, receiver, stopper, tally, cycles=cycles, interval=interval)


def _cycles(
    agent: Agent,
    hospital: DemoHospital,
    receiver: Receiver,
    stopper: Stopper,
    tally: Tally,
    *,
    cycles: int | None,
    interval: float,
) -> None:
    """The cycles, the hospital moving between them; the first delivered census is shown as one masked record."""
    received_before = False  # whether the receiver already holds a census to compare the next one with
    shown = False
    while (cycles is None or tally.cycles < cycles) and not stopper.stopped:
        made = None
        if tally.cycles:
            if stopper.wait(interval):
                break
            made = hospital.step()
        with receiver.lock:
            before = len(receiver.board.beds) if received_before else None
        report = agent.cycle()
        tally.cycles += 1
        seen = _seen(receiver, before, report)
        print(narration.cycle(tally.cycles, report, made, seen) + "\n", flush=True)
        if not report.delivered and not stopper.stopped:
            tally.failed += 1
        with receiver.lock:  # the demo keeps only the board, not every body it got (it may run for hours)
            requests, receiver.received[:] = list(receiver.received), []
        if not shown and requests:
            sample = narration.record(requests[-1].json(), requests[-1].path)
            if sample is not None:
                print(sample, flush=True)
                shown = True
        received_before = received_before or bool(report.delivered)


def _seen(receiver: Receiver, before: int | None, report: CycleReport) -> narration.Seen | None:
    """The receiver's board after this cycle's push (None when nothing reached it)."""
    if not report.delivered:
        return None
    with receiver.lock:
        return narration.Seen(before=before, after=len(receiver.board.beds), changes=receiver.board.last)
