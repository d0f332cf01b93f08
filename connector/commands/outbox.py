"""`outbox`: what waits, what is held, what the API refused; retry or discard one. Never patient data.

A held census leaves the guard's held run only through `connector.delivery.guard_state`: `retry` of one is `release`
of it (or refused with the reason), `discard` of one goes through the same code as the cycle's judgement.
"""

from __future__ import annotations

from connector import clock
from connector.census.decoding import printable
from connector.delivery import guard_state
from connector.delivery.guard import GuardState, held_message
from connector.delivery.outbox import Entry, Outbox
from connector.ops.telemetry import recovery_message
from connector.settings import Settings

STATUS_TEXTS = {"pending": "pendente", "held": "retido", "dead": "rejeitado", "quarantined": "quarentena"}


def outbox_command(settings: Settings, action: str, snapshot_id: str | None) -> int:
    if action != "list" and not snapshot_id:
        print(f"Informe o id do censo: hoteleitos-connector outbox {action} <id>.")
        return 2
    outbox = Outbox(settings.state_dir)
    for recovery in outbox.take_recoveries():
        print(f"Atenção: {recovery_message(recovery)}")
    try:
        if action == "list" or snapshot_id is None:
            return _list(outbox, settings)
        entry = outbox.get(snapshot_id)
        if entry is None or action != "retry" or entry.status != "held":
            return _act(outbox, action, entry, snapshot_id)
    finally:
        outbox.close()
    from connector.commands.release import release_command  # the agent's parts: loaded only for a release

    return release_command(settings, snapshot_id)


def _act(outbox: Outbox, action: str, entry: Entry | None, snapshot_id: str) -> int:
    """`show`, `discard`, or `retry` of a census that is not held."""
    if entry is None:
        print(f"Censo {snapshot_id} não está na fila.")
        return 1
    if action == "show":
        _show(outbox, entry)
        return 0
    if action == "discard":
        return _discard(outbox, entry)
    return _retry(outbox, entry)


def _retry(outbox: Outbox, entry: Entry) -> int:
    """A refused (or quarantined) census back to the queue, in its capture order."""
    if not outbox.set_status([entry.id], "pending"):
        print(f"Censo {entry.id} saiu da fila enquanto isso (entregue ou descartado por outro processo).")
        return 1
    print(f"Censo {entry.id} volta à fila de envio (vai no próximo ciclo, na ordem de captura).")
    delivered_at = float(outbox.read_state("last_delivered_at") or 0)
    if delivered_at > entry.created:
        print(
            "Atenção: censos mais novos já foram entregues; a API receberá este censo antigo "
            f"(capturado em {entry.captured_at}) e depois o próximo censo atual."
        )
    return 0


def _discard(outbox: Outbox, entry: Entry) -> int:
    if guard_state.discard(outbox, entry.id) is None:
        print(f"Censo {entry.id} saiu da fila enquanto isso (entregue ou descartado por outro processo).")
        return 1
    print(f"Censo {entry.id} descartado.")
    if entry.status == "held":
        print(_held_text(guard_state.current(outbox)) or "Nenhum censo retido agora.")
    return 0


def _held_text(state: GuardState) -> str | None:
    """How many censuses the guard holds and why the newest is held (None when none is)."""
    if not state.held:
        return None
    newest = state.held[-1]
    why = held_message(state.reason, newest.count, state.baseline)
    return (
        f"{len(state.held)} censo(s) retido(s) pela proteção contra altas em massa. O mais novo: {why} "
        f"`release` envia só o mais novo ({newest.id}) e descarta os mais antigos."
    )


def _show(outbox: Outbox, entry: Entry) -> None:
    """One snapshot's history; for a refused one, the API's own answer (it may quote the census)."""
    print(f"censo {entry.id}: {STATUS_TEXTS.get(entry.status, entry.status)}, {entry.count} pacientes, capturado em "
          f"{entry.captured_at}, {entry.attempts} tentativa(s).")  # fmt: skip
    if entry.last_status or entry.last_error:
        last = f"{f'HTTP {entry.last_status}' if entry.last_status else ''} {printable(entry.last_error or '')}"
        print(f"último resultado: {last}")
    answer = outbox.response_body(entry.id)
    if answer:
        print("resposta da API (pode repetir dados do censo; não copie para chamados públicos):")
        print(shown_answer(answer[:4000]))


def shown_answer(text: str) -> str:
    """The API's answer as text a terminal shows and never obeys: its lines kept, every other control character
    (an escape sequence that would clear the screen or retitle the window) written as its escape."""
    return "\n".join(printable(line.removesuffix("\r")) for line in text.split("\n"))


def _list(outbox: Outbox, settings: Settings) -> int:
    entries = outbox.entries()
    if not entries:
        print("Fila vazia: nada pendente, retido ou rejeitado.")
        return 0
    print(f"{'id':36}  {'capturado em':25}  {'pacientes':>9}  {'situação':10}  {'tentativas':>10}  último resultado")
    for e in entries:
        last = f"HTTP {e.last_status}" if e.last_status else (e.last_error or "-")
        print(
            f"{e.id:36}  {e.captured_at:25}  {e.count:>9}  {STATUS_TEXTS.get(e.status, e.status):10}  "
            f"{e.attempts:>10}  {last}"
        )
    oldest = clock.stamp(entries[0].created, settings.tz)
    print(f"\n{len(entries)} censo(s) na fila; o mais antigo guardado em {oldest}.")
    held = _held_text(guard_state.current(outbox))
    if held:
        print(held)
    refused = [e for e in entries if e.last_status in (401, 403) and e.last_error]
    if refused:  # the whole queue waits for the token: say so, with the next try
        print(f"\nÚltimo envio: {refused[-1].last_error}")
    return 0
