"""`release`, and `outbox retry` of a held census: the newest held census goes out now and becomes the guard's
baseline; the older held ones are dropped (contract §6). The change is `connector.delivery.guard_state.release`,
the guard's one writer; then one delivery round, as a cycle would send it.

Exit statuses: 0 delivered (or nothing held), 1 refused or not delivered (it stays in the outbox, pending).
"""

from __future__ import annotations

from connector.commands.summaries import describe_cycle
from connector.cycle import Agent
from connector.delivery import guard_state
from connector.ops import telemetry
from connector.ops.cycle_report import CycleReport
from connector.settings import Settings

TURN_WAIT = 3.0  # seconds to wait for a running agent's delivery round before saying so


def release_command(settings: Settings, snapshot_id: str | None = None) -> int:
    """Release the newest held census (with `snapshot_id`, only if it is that one) and send what is pending."""
    agent = Agent(settings)
    agent.courier.turn_wait = TURN_WAIT  # a running agent's round: say so rather than wait it out
    agent.courier.resumes = False
    try:
        try:
            released = guard_state.release(agent.outbox, snapshot_id)
        except guard_state.ReleaseRefusedError as refusal:
            print(f"Nada foi liberado: {refusal}")
            return 1
        telemetry.released(released.entry, len(released.dropped))
        print(_released_text(released))
        report = CycleReport(cycle_id="release", patients=0)
        agent.send(report, budget=None)  # the courier logs each delivery as it happens
        report.depth = agent.outbox.depth()
    finally:
        agent.close()
    print(describe_cycle(report))
    return 0 if not report.errors and report.depth["pending"] == 0 else 1


def _released_text(released: guard_state.Released) -> str:
    entry = released.entry
    if entry is None:
        return "Nenhum censo retido: nada a liberar."
    lines = [
        f"Censo retido liberado: {entry.id} ({entry.count} pacientes, capturado em {entry.captured_at}); ele passa a "
        "ser o censo de referência da proteção."
    ]
    if released.dropped:
        lines.append(
            f"{len(released.dropped)} censo(s) retido(s) mais antigo(s) descartado(s): só o mais novo vai à API."
        )
    return "\n".join(lines)
