"""Answers that are not what they seem: a page where the API's JSON should be, a census too large for the API."""

from __future__ import annotations

from connector.delivery.http_exchange import Answer
from connector.delivery.snapshot import Snapshot
from connector.errors import RejectedSnapshotError

_PAGE_STARTS = ("<!doctype html", "<html", "<head", "<body")


def is_html_page(body: str) -> bool:
    """Whether an answer's body is an HTML page (a captive portal's, a proxy's), whatever its Content-Type says:
    the API answers JSON (or nothing), never a page. Judged by its first kilobyte."""
    head = body[:1024].lstrip("\ufeff \t\r\n").lower()
    return head.startswith(_PAGE_STARTS) or (head.startswith(("<?xml", "<!--")) and "<html" in head)


def too_large(snapshot: Snapshot, plain: int, answer: Answer) -> RejectedSnapshotError:
    """A census the API refuses for its size (413) even after the compressed try (413 again, or 415)."""
    why = (
        "e não aceita o corpo comprimido (HTTP 415)"
        if answer.status == 415
        else f"mesmo comprimido em gzip ({megabytes(snapshot.packed_size)})"
    )
    return RejectedSnapshotError(
        f"a API recusou este censo por tamanho (HTTP 413, {snapshot.count} pacientes, {megabytes(plain)}) {why}; ele "
        "foi separado (fila de rejeitados) e os próximos seguem. Leve o limite de tamanho da API à equipe "
        "HOTELEITOS.",
        status=413,
        body=answer.body,
        detail="too_large",
    )


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
