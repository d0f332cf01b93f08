"""After the database refuses the user or the password, reads wait before the next try.

A wrong password tried every cycle (every 30 s) locks the account where the hospital has a lockout policy
(Oracle locks it after 10 failures by default; Active Directory after a few within half an hour). So each
refusal doubles the wait, from a minute (or the schedule interval, when longer) up to
`HOTELEITOS_SOURCE_AUTH_RETRY_MAX` (15 minutes by default); a read that logs in ends the pause. Meanwhile
each cycle says that the read is paused, why and until when, and the pending censuses still go out.
"""

from __future__ import annotations

import time

from connector.errors import SourceError

FIRST_WAIT = 60.0


class AuthPause:
    """The wait between reads while the database refuses the configured user or password."""

    def __init__(self, interval: float, ceiling: float) -> None:
        self.first = min(max(interval, FIRST_WAIT), ceiling)
        self.ceiling = ceiling
        self.refusals = 0
        self.until = 0.0  # monotonic time of the next attempt

    def waiting(self, now: float | None = None) -> SourceError | None:
        """Why no read is tried now, or None when one may be."""
        left = self.until - (time.monotonic() if now is None else now)
        if self.refusals == 0 or left <= 0:
            return None
        return SourceError(
            f"leitura do censo em pausa: o banco recusou o usuário ou a senha {self.refusals} vez(es) seguida(s); "
            f"nova tentativa em {left:.0f}s, para não bloquear a conta. Corrija DB_USER/DB_PASS (ou a URL do "
            "banco) e reinicie o conector, ou aguarde.",
            kind="auth_paused",
        )

    def refused(self, error: SourceError, now: float | None = None) -> SourceError:
        """Note a refusal: the next read waits longer. Returns the error with the wait added to its message."""
        wait = min(self.first * 2**self.refusals, self.ceiling)
        self.refusals += 1
        self.until = (time.monotonic() if now is None else now) + wait
        return SourceError(
            f"{error.message} Próxima tentativa em {wait:.0f}s (a espera dobra a cada recusa, até "
            f"{self.ceiling:.0f}s: HOTELEITOS_SOURCE_AUTH_RETRY_MAX), para não bloquear a conta no banco.",
            kind=error.kind,
            detail=error.detail,
        )

    def accepted(self) -> None:
        """A read logged in: the pause is over."""
        self.refusals, self.until = 0, 0.0
