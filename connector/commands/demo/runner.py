"""`demo`: the connector's real cycle on a synthetic hospital (any vendor with a census query), pushing to a local
receiver."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from adapters import writers
from connector.commands.configuration import settings_from_values
from connector.commands.demo.hospital import DemoHospital
from connector.commands.demo.receiver import Receiver
from connector.cycle import Agent
from connector.ops.cycle_report import CycleReport
from connector.ops.logs import configure
from connector.settings import LogSettings

TOKEN = "demo-token-local"


def summary(number: int, report: CycleReport, receiver: Receiver) -> str:
    """One line per cycle: patients read, what the board saw change (and what the connector counted against its
    previous census), push status and latency."""
    if report.patients is None:
        read = "censo não lido (" + "; ".join(report.errors) + ")"
    else:
        read = f"{report.patients} pacientes extraídos em {report.extract_seconds * 1000:.0f} ms"
    if report.delivered:
        last = report.delivered[-1]
        changes = receiver.board.last
        moved = f"+{changes.admissions} admissões, -{changes.discharges} altas, {changes.transfers} transferências"
        own = report.changes
        moved += f" (conector: +{own.admissions}, -{own.discharges}, {own.transfers})" if own is not None else ""
        pushed = f"envio HTTP {last.status} em {last.latency * 1000:.0f} ms"
    else:
        moved = "sem mudanças registradas"
        pushed = "envio pendente: " + ("; ".join(report.errors) or "fila")
    return f"Ciclo {number}: {read} | {moved} | {pushed} | ciclo {report.duration * 1000:.0f} ms"


def run_demo(*, cycles: int | None, interval: float, patients: int, vendor: str = "mv") -> int:
    """Run `cycles` cycles (None: until Ctrl+C) on `vendor`'s tables and print a line for each; 2 for a vendor
    the demo cannot show."""
    if vendor not in writers():
        print(
            f"A demonstração não tem hospital sintético para o fornecedor '{vendor}': ela roda a consulta pronta de "
            f"um fornecedor (use --vendor {' | '.join(writers())}). Fornecedores sem consulta pronta (custom, "
            "sigho) leem o arquivo SQL do hospital: teste-o com `hoteleitos-connector preview`.",
            file=sys.stderr,
        )
        return 2
    folder = Path(tempfile.mkdtemp(prefix="hoteleitos-demo-"))
    configure(LogSettings(level="warning"), secrets=[TOKEN])
    print(f"Criando hospital sintético ({vendor} em SQLite, {patients} internados) em {folder} ...", flush=True)
    hospital = DemoHospital(folder / f"hospital-{vendor}.sqlite3", vendor=vendor, patients=patients)
    with Receiver(token=TOKEN) as receiver:
        settings = settings_from_values(
            {
                "api": {"url": receiver.url, "token": TOKEN},
                "source": {"vendor": vendor, "url": hospital.url, "schema": ""},
                "schedule": f"{max(interval, 1):g}s",
                "state_dir": str(folder / "state"),
            }
        )
        until = "Ctrl+C para parar" if cycles is None else f"{cycles} ciclos"
        print(f"Receptor HOTELEITOS local em {receiver.url}; {until}.", flush=True)
        agent = Agent(settings)
        number = 0
        try:
            while cycles is None or number < cycles:
                number += 1
                if number > 1:
                    time.sleep(interval)
                    hospital.step()
                report = agent.cycle()
                print(summary(number, report, receiver), flush=True)
        except KeyboardInterrupt:
            print("\nDemo interrompida.")
        finally:
            agent.close()
            hospital.close()
            shutil.rmtree(folder, ignore_errors=True)
    ok = bool(report.delivered) if number else False
    print(
        f"Demo concluída: o conector leu o censo do {vendor} e o entregou a cada ciclo."
        if ok
        else "Demo terminou com falhas."
    )
    return 0 if ok else 1
