"""What the demo says: counts that agree in number, a cycle's numbers in words, disagreements named, failures told."""

from __future__ import annotations

import json

import pytest

from connector.census.changes import Changes
from connector.commands.demo import narration
from connector.delivery.courier import Delivered, Round
from connector.delivery.guard import Decision
from connector.ops.cycle_report import CycleReport, ReadFailure


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 altas"), (1, "1 alta"), (2, "2 altas"), (11, "11 altas"), (21, "21 altas")],
)
def test_a_count_agrees_with_its_noun(number: int, expected: str) -> None:
    """Only 1 takes the singular (in Portuguese zero takes the plural)."""
    assert narration.counted(number, "alta", "altas") == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (Changes(1, 1, 1), "1 admissão, 1 alta e 1 transferência"),
        (Changes(0, 2, 3), "0 admissões, 2 altas e 3 transferências"),
    ],
)
def test_a_movement_is_listed_in_words(counts: Changes, expected: str) -> None:
    """Admissions, discharges and transfers, each in the right number, joined by commas and `e`."""
    assert narration.movement(counts) == expected


def test_seconds_use_the_decimal_comma() -> None:
    """`0,5 s` as a Brazilian reader writes it; whole numbers without decimals."""
    assert (narration.seconds(0.5), narration.seconds(2.0)) == ("0,5 s", "2 s")


def _report() -> CycleReport:
    """A delivered cycle of 305 patients; the connector counted 7 admissions, 2 discharges, 1 transfer."""
    report = CycleReport(cycle_id="c", patients=305, extract_seconds=0.012, changes=Changes(7, 2, 1), duration=0.046)
    report.round = Round(delivered=[Delivered("s", 305, 200, 1, 0.011, 0.0)])
    return report


def test_a_cycle_says_what_each_number_is() -> None:
    """Census size, read time, what the receiver saw with its sum, the push and the whole cycle, each named."""
    text = " ".join(narration.cycle(2, _report(), Changes(7, 2, 1), narration.Seen(300, 305, Changes(7, 2, 1))).split())
    assert text.startswith("Ciclo 2: 305 pacientes internados no censo, lido do banco em 12 ms.")
    assert "viu 7 admissões, 2 altas e 1 transferência (300 + 7 - 2 = 305), exatamente o que o hospital fez" in text
    assert "O conector contou o mesmo." in text
    assert "HTTP 200 (aceito) em 11 ms; o ciclo inteiro (ler, guardar na fila, enviar) levou 46 ms." in text


def test_a_disagreement_is_spelled_out() -> None:
    """When the receiver, the hospital and the connector do not agree, each count is given in full."""
    seen = narration.Seen(300, 304, Changes(6, 2, 1))
    text = " ".join(narration.cycle(2, _report(), Changes(7, 2, 1), seen).split())
    assert "viu 6 admissões, 2 altas e 1 transferência (300 + 6 - 2 = 304); o hospital fez 7 admissões" in text
    assert "O conector contou 7 admissões, 2 altas e 1 transferência." in text


def test_a_cycle_that_did_not_deliver_says_why() -> None:
    """A failed read, a held census and a pending push are each told, with the reason."""
    unread = CycleReport(cycle_id="c", read_error=ReadFailure("timeout", "a consulta passou do tempo limite"))
    said = narration.cycle(3, unread, None, None)
    assert "o censo não foi lido do banco (a consulta passou do tempo limite)" in said
    assert "Envio pendente (a consulta passou do tempo limite)" in said
    held = CycleReport(cycle_id="c", patients=0, decision=Decision("held", "empty"))
    assert "Censo retido, não enviado: veio vazio" in narration.cycle(1, held, None, None)


def test_the_record_shown_is_masked_as_preview_masks_it() -> None:
    """One element of `pacientes`, its identifiers masked, after a line naming the body's other keys."""
    patient = {
        "cod_ocorrencia": "1",
        "paciente_nome": "Maria da Silva Costa",
        "paciente_codigo": "500001",
        "paciente_data_nascimento": "1950-03-04",
    }
    payload = {"snapshot_id": "x", "count": 1, "pacientes": [patient]}
    text = narration.record(payload, "/integracao/censo")
    shown = json.loads(text[text.index("{") :])
    assert shown["paciente_nome"] == "M**** d* S**** C****"
    assert (shown["paciente_codigo"], shown["paciente_data_nascimento"]) == ("***", "1950-**-**")
    assert "Maria" not in text and "500001" not in text
    assert 'snapshot_id, count (1) e a lista "pacientes", com 1 registro como este' in " ".join(text.split())


def test_the_ending_says_how_the_demo_ended() -> None:
    """Finished, stopped by a signal or with failures, and whether the folder is gone."""
    assert narration.ending(cycles=1, failed=0, stopped_by=None, removed=True, folder="/t").startswith(
        "Demonstração concluída: 1 ciclo,"
    )
    stopped = narration.ending(cycles=0, failed=0, stopped_by="Ctrl+C", removed=True, folder="/t")
    assert stopped == "Demonstração interrompida (Ctrl+C) depois de 0 ciclos; pasta temporária apagada."
    failed = narration.ending(cycles=5, failed=1, stopped_by=None, removed=False, folder="/t")
    assert failed == (
        "Demonstração terminada com falhas: 1 de 5 ciclos sem entrega; não foi possível apagar a pasta temporária /t."
    )
