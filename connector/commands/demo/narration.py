"""What the demo says, in Brazilian Portuguese: what it sets up, every number of every cycle in words, one record
as HOTELEITOS receives it, and how it ended. Pure functions of what the runner saw; counts always agree in number
("1 transferência", "2 transferências")."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any, Protocol

from connector.commands.preview import mask_record
from connector.ops.cycle_report import CycleReport

WIDTH = 100
GLOSS = (
    "In English: the connector's real cycle reads a synthetic hospital and pushes it to a local HOTELEITOS stand-in."
)
GLUE = "\u00a0"  # a space the wrapping must not break (inside a sum), printed as a plain space


class Counts(Protocol):
    """Admissions, discharges and transfers: as the hospital made them, the receiver saw them or the connector
    counted them."""

    @property
    def admissions(self) -> int: ...
    @property
    def discharges(self) -> int: ...
    @property
    def transfers(self) -> int: ...


@dataclass(frozen=True)
class Seen:
    """The receiver's board around one cycle: patients on it before and after this cycle's push, and what it saw
    change (`before` None: this push was the first census it ever got)."""

    before: int | None
    after: int
    changes: Counts


def counted(number: int, one: str, many: str) -> str:
    """`1 alta`, `0 altas`, `2 altas` (in Portuguese zero takes the plural)."""
    return f"{number} {one if number == 1 else many}"


def listed(parts: list[str]) -> str:
    """`a`, `a e b`, `a, b e c`."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " e " + parts[-1]


def movement(counts: Counts) -> str:
    """`7 admissões, 2 altas e 1 transferência`."""
    return listed(
        [
            counted(counts.admissions, "admissão", "admissões"),
            counted(counts.discharges, "alta", "altas"),
            counted(counts.transfers, "transferência", "transferências"),
        ]
    )


def _same(a: Counts, b: Counts) -> bool:
    return (a.admissions, a.discharges, a.transfers) == (b.admissions, b.discharges, b.transfers)


def _paragraph(text: str, indent: str = "  ", hanging: str | None = None) -> str:
    """`text` wrapped to the demo's width, its first line after `indent`, the others after `hanging`."""
    rest = indent if hanging is None else hanging
    wrapped = textwrap.fill(
        text, WIDTH, initial_indent=indent, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )
    return wrapped.replace(GLUE, " ")


def seconds(value: float) -> str:
    """`2 s`, `0,5 s`: the decimal comma."""
    return f"{value:g} s".replace(".", ",")


def introduction(*, vendor: str, patients: int, url: str, cycles: int | None, interval: float, folder: str) -> str:
    """The title, its English gloss and, in plain words, what the demo sets up and how to read its cycles."""
    until = (
        f"{counted(cycles, 'ciclo', 'ciclos')}, um a cada {seconds(interval)} (Ctrl+C para antes)"
        if cycles is not None
        else f"um ciclo a cada {seconds(interval)}, até Ctrl+C"
    )
    parts = [
        f"Um hospital sintético com {counted(patients, 'paciente internado', 'pacientes internados')} (nomes "
        f"inventados), num banco SQLite com as tabelas do {vendor}.",
        f"O conector rodando o seu ciclo de verdade: lê o censo com a consulta pronta do {vendor}, guarda-o na fila "
        "em disco e o envia por HTTP, como enviaria à API HOTELEITOS.",
        f"Um receptor local no lugar da API HOTELEITOS ({url}): recebe cada censo e o compara com o anterior, como "
        "o HOTELEITOS faz: atendimento novo é admissão, atendimento que sumiu é alta, atendimento em outro leito é "
        "transferência.",
    ]
    notes = [
        "Entre um ciclo e o seguinte o hospital se mexe: dá altas, muda pacientes de leito e interna outros. O "
        "conector também compara cada censo que lê com o anterior e conta as mesmas três mudanças, para os seus "
        "logs e métricas (só números, nunca um paciente); a conta dele e a do receptor devem bater com o que o "
        "hospital fez.",
        f"{until[0].upper()}{until[1:]}. Pasta temporária: {folder} (apagada no fim, também com Ctrl+C ou SIGTERM).",
    ]
    return "\n".join(
        [
            "Demonstração do hoteleitos-connector",
            GLOSS,
            "",
            "O que roda aqui, sem nada sair desta máquina:",
            *(_paragraph(text, f"  {n}. ", "     ") for n, text in enumerate(parts, start=1)),
            *(_paragraph(text) for text in notes),
            "",
        ]
    )


def cycle(number: int, report: CycleReport, made: Counts | None, seen: Seen | None) -> str:
    """One cycle in words: the census read, what HOTELEITOS saw against what the hospital made (`made`, None for
    the first cycle) and what the connector counted, the push and the cycle's time."""
    if report.patients is None:
        lines = [f"Ciclo {number}: o censo não foi lido do banco ({'; '.join(report.errors) or 'sem detalhe'})."]
    else:
        census = counted(report.patients, "paciente internado", "pacientes internados")
        lines = [f"Ciclo {number}: {census} no censo, lido do banco em {report.extract_seconds * 1000:.0f} ms."]
    if seen is not None:
        lines.append(_paragraph(_seen(seen, made, report)))
    if report.delivered:
        last = report.delivered[-1]
        lines.append(
            _paragraph(
                f"Envio ao receptor: HTTP {last.status} (aceito) em {last.latency * 1000:.0f} ms; o ciclo inteiro "
                f"(ler, guardar na fila, enviar) levou {report.duration * 1000:.0f} ms."
            )
        )
    elif report.guard_note is not None:
        lines.append(_paragraph(f"Censo retido, não enviado: {report.guard_note}"))
    else:
        why = "; ".join(report.errors) or "interrompido"
        lines.append(_paragraph(f"Envio pendente ({why}): o censo fica na fila em disco e segue no próximo ciclo."))
    return "\n".join(lines)


def _seen(seen: Seen, made: Counts | None, report: CycleReport) -> str:
    """What the receiver saw, checked against the hospital and the connector."""
    changes, own = seen.changes, report.changes
    if seen.before is None:
        return (
            f"É o primeiro censo que o HOTELEITOS recebe: ele registra "
            f"{counted(changes.admissions, 'admissão', 'admissões')}, uma por paciente. O conector ainda não tinha "
            "censo anterior com que comparar."
        )
    arithmetic = GLUE.join(map(str, (seen.before, "+", changes.admissions, "-", changes.discharges, "=", seen.after)))
    text = f"O HOTELEITOS, comparando com o censo anterior, viu {movement(changes)} ({arithmetic})"
    if made is None:
        text += "."
    elif _same(made, changes):
        text += ", exatamente o que o hospital fez desde o ciclo anterior."
    else:
        text += f"; o hospital fez {movement(made)} desde o ciclo anterior."
    if own is None:
        return text + " O conector não tinha censo anterior com que comparar."
    if _same(own, changes):
        return text + " O conector contou o mesmo."
    return text + f" O conector contou {movement(own)}."


def record(payload: Any, path: str) -> str | None:
    """One element of `pacientes` as the receiver got it, with the patient's name, record number and birth date
    masked as `preview` masks them, after a line on the body around it (None for a census without patients)."""
    patients = payload["pacientes"] if isinstance(payload, dict) else payload
    if not patients:
        return None
    listing = f'a lista "pacientes", com {counted(len(patients), "registro", "registros")} como este'
    if isinstance(payload, dict):
        keys = [f"{key} ({payload[key]})" if key == "count" else key for key in payload if key != "pacientes"]
        around = f"o corpo JSON traz {listed([*keys, listing])}"
    else:
        around = f"o corpo JSON é {listing}"
    intro = (
        f"Um paciente como o HOTELEITOS o recebe: em cada POST {path}, {around}. Aqui o nome, o prontuário e o "
        "nascimento aparecem mascarados, como no `preview`; o HOTELEITOS os recebe por inteiro."
    )
    shown = json.dumps(mask_record(patients[0]), ensure_ascii=False, indent=2)
    return _paragraph(intro, "") + "\n" + textwrap.indent(shown, "  ") + "\n"


def ending(*, cycles: int, failed: int, stopped_by: str | None, removed: bool, folder: str) -> str:
    """How the demo ended, and where the temporary folder went."""
    ran = counted(cycles, "ciclo", "ciclos")
    if stopped_by is not None:
        how = f"Demonstração interrompida ({stopped_by}) depois de {ran}"
        how += f", {failed} sem entrega" if failed else ""
    elif failed:
        how = f"Demonstração terminada com falhas: {failed} de {ran} sem entrega"
    else:
        how = f"Demonstração concluída: {ran}, cada censo lido do banco e entregue ao receptor"
    where = "pasta temporária apagada" if removed else f"não foi possível apagar a pasta temporária {folder}"
    return f"{how}; {where}."


NEXT_STEP = (
    "Com o banco do seu hospital, `hoteleitos-connector preview` mostra o censo que seria enviado, sem enviar nada."
)
