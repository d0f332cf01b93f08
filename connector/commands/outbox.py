"""`outbox`: what waits, what is held, what the API refused; retry or discard one. Never patient data."""

from __future__ import annotations

from connector import clock
from connector.delivery.guard import held_message
from connector.delivery.outbox import Entry, Outbox
from connector.ops.telemetry import recovery_message
from connector.settings import Settings

STATUS_TEXTS = {"pending": "pendente", "held": "retido", "dead": "rejeitado", "quarantined": "quarentena"}


def outbox_command(settings: Settings, action: str, snapshot_id: str | None) -> int:
    outbox = Outbox(settings.state_dir)
    for recovery in outbox.take_recoveries():
        print(f"Atenção: {recovery_message(recovery)}")
    try:
        if action == "list":
            return _list(outbox, settings)
        if not snapshot_id:
            print(f"Informe o id do censo: hoteleitos-connector outbox {action} <id>.")
            return 2
        entry = outbox.get(snapshot_id)
        if entry is None:
            print(f"Censo {snapshot_id} não está na fila.")
            return 1
        if action == "show":
            _show(outbox, entry)
            return 0
        if action == "retry":
            outbox.set_status([snapshot_id], "pending")
            print(f"Censo {snapshot_id} volta à fila de envio (vai no próximo ciclo, na ordem de captura).")
            delivered_at = float(outbox.read_state("last_delivered_at") or 0)
            if delivered_at > entry.created:
                print(
                    "Atenção: censos mais novos já foram entregues; a API receberá este censo antigo "
                    f"(capturado em {entry.captured_at}) e depois o próximo censo atual."
                )
        else:
            outbox.remove([snapshot_id])
            print(f"Censo {snapshot_id} descartado.")
        return 0
    finally:
        outbox.close()


def _show(outbox: Outbox, entry: Entry) -> None:
    """One snapshot's history; for a refused one, the API's own answer (it may quote the census)."""
    print(f"censo {entry.id}: {STATUS_TEXTS.get(entry.status, entry.status)}, {entry.count} pacientes, capturado em "
          f"{entry.captured_at}, {entry.attempts} tentativa(s).")  # fmt: skip
    if entry.last_status or entry.last_error:
        print(f"último resultado: {f'HTTP {entry.last_status}' if entry.last_status else ''} {entry.last_error or ''}")
    answer = outbox.response_body(entry.id)
    if answer:
        print("resposta da API (pode repetir dados do censo; não copie para chamados públicos):")
        print(answer[:4000])


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
    held = [e for e in entries if e.status == "held"]
    if held:
        baseline = outbox.guard_state().baseline
        why = held_message(outbox.read_state("guard_reason"), held[-1].count, baseline)
        print(
            f"{len(held)} censo(s) retido(s) pela proteção contra altas em massa. O mais novo: {why} "
            f"`release` envia só o mais novo ({held[-1].id}) e descarta os mais antigos."
        )
    refused = [e for e in entries if e.last_status in (401, 403) and e.last_error]
    if refused:  # the whole queue waits for the token: say so, with the next try
        print(f"\nÚltimo envio: {refused[-1].last_error}")
    return 0
