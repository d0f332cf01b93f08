"""What `/readyz` may say of a cycle's failures: their kinds only.

`/readyz` answers anyone who reaches the health port, unauthenticated. The operator messages of a cycle name
the database's host, its user, the API's URL: fine in the logs and the CLI, not there. A kind (`leitura:
auth`, `envio: HTTP 503`) tells a probe what broke; the logs tell the operator where and how to fix it.
"""

from __future__ import annotations

from connector.ops.cycle_report import CycleReport

_NAMED = {"html_answer": "resposta HTML de um intermediário", "deadline": "resposta incompleta no prazo"}


def failure_kinds(report: CycleReport) -> str | None:
    """The kinds of what went wrong in this cycle, in the order it happened; None when nothing did."""
    kinds: list[str] = []
    if report.read_error is not None:
        kinds.append(f"leitura: {report.read_error.kind}")
    if report.store_error is not None:
        kinds.append("fila: gravação")
    for failure in report.round.failures:
        if failure.rejected:
            continue
        what = _NAMED.get(failure.detail or "") or (f"HTTP {failure.status}" if failure.status else failure.detail)
        kinds.append(f"envio: {what or 'rede'}")
    if report.round.paused_for is not None:
        kinds.append("envio: token recusado (pausa)")
    if report.round.busy:
        kinds.append("envio: outro processo enviando")
    if report.crashes:
        kinds.append("falha inesperada (veja os logs)")
    return "; ".join(dict.fromkeys(kinds)) or None
