"""One item of `check`: what was checked, whether it passed (None: it could not be verified), and what was seen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    item: str
    ok: bool | None  # None: could not be verified
    text: str

    def line(self) -> str:
        mark = {True: "OK   ", False: "FALHA", None: "AVISO"}[self.ok]
        return f"[{mark}] {self.item}: {self.text}"
