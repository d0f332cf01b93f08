"""After the database refuses the user or the password, or refuses the connector in a way only an operator can
fix, reads wait before the next try.

A wrong password tried every cycle (every 30 s) locks the account where the hospital has a lockout policy
(Oracle locks it after 10 failures by default; Active Directory after a few within half an hour). So each
refusal doubles the wait, from a minute (or the schedule interval, when longer) up to
`HOTELEITOS_SOURCE_AUTH_RETRY_MAX` (15 minutes by default); a read that logs in ends the pause. Meanwhile
each cycle says that the read is paused, why and until when, and the pending censuses still go out.

The same pause follows the refusals no retry can heal (`OPERATOR_ONLY`: an Oracle 11.2 or a server that requires
encryption met in thin mode, an old password verifier, an expired password, a locked account...): reconnecting every
cycle would only fill the listener's log, and, for an expired password, count towards the lockout.

The pause outlives the process (`connector.source.pause_file`): a restart during a pause waits for its end, and
the next refusal doubles the wait as it would have.
"""

from __future__ import annotations

import time
from pathlib import Path

from connector.errors import SourceError
from connector.settings import SourceSettings
from connector.settings.oracle import OracleSettings
from connector.source.oracle_errors import OPERATOR_ONLY
from connector.source.pause_file import Kept, PauseFile

FIRST_WAIT = 60.0
PAUSED_KINDS = frozenset({"auth", *OPERATOR_ONLY})


class AuthPause:
    """The wait between reads while the database refuses the configured user, its password, or the connector."""

    def __init__(self, interval: float, ceiling: float) -> None:
        self.first = min(max(interval, FIRST_WAIT), ceiling)
        self.ceiling = ceiling
        self.refusals = 0
        self.until = 0.0  # monotonic time of the next attempt
        self.last: SourceError | None = None  # the refusal that started the pause (not an auth one)
        self.kept: PauseFile | None = None

    def remember(self, kept: PauseFile) -> None:
        """Keep the pause in `kept` from now on, and go on with the one an earlier run stored there: what was left
        of it (never more than the ceiling, whatever the wall clock did in between) and its count of refusals."""
        self.kept = kept
        stored = kept.load()
        if stored is None or stored.refusals <= 0:
            return
        left = min(max(stored.until - time.time(), 0.0), self.ceiling)
        self.refusals, self.until = stored.refusals, time.monotonic() + left
        if stored.kind != "auth":
            self.last = SourceError(stored.message, kind=stored.kind, detail=stored.detail)

    def resumes_at(self) -> float | None:
        """Unix time at which reads are tried again, while they wait; None when they do not."""
        left = self.until - time.monotonic()
        return time.time() + left if self.refusals and left > 0 else None

    @staticmethod
    def pauses(error: SourceError) -> bool:
        """Whether this failure pauses the reads (it cannot heal before someone fixes it)."""
        return error.kind in PAUSED_KINDS

    def waiting(self, now: float | None = None) -> SourceError | None:
        """Why no read is tried now, or None when one may be."""
        left = self.until - (time.monotonic() if now is None else now)
        if self.refusals == 0 or left <= 0:
            return None
        last = self.last
        if last is not None:
            return SourceError(
                f"leitura do censo em pausa ({self.refusals} falha(s) seguida(s) que só se resolvem no servidor ou na "
                f"configuração; nova tentativa em {left:.0f}s): {last.message}",
                kind=f"{last.kind}_paused",
                detail=last.detail,
            )
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
        self.last = None if error.kind == "auth" else error
        if self.kept is not None:
            self.kept.save(Kept(self.refusals, time.time() + wait, error.kind, error.message, error.detail))
        why = "para não bloquear a conta no banco" if error.kind == "auth" else "até alguém corrigir a causa"
        return SourceError(
            f"{error.message} Próxima tentativa em {wait:.0f}s (a espera dobra a cada recusa, até "
            f"{self.ceiling:.0f}s: HOTELEITOS_SOURCE_AUTH_RETRY_MAX), {why}.",
            kind=error.kind,
            detail=error.detail,
        )

    def accepted(self) -> None:
        """A read logged in: the pause is over."""
        self.refusals, self.until, self.last = 0, 0.0, None
        if self.kept is not None:
            self.kept.clear()


def remembered(folder: Path, source: SourceSettings, oracle: OracleSettings) -> PauseFile:
    """The stored pause of these database settings, in the state folder `folder`."""
    assert source.url is not None
    return PauseFile(folder, "\n".join([source.url.get_secret_value(), oracle.model_dump_json()]))
