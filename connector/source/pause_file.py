"""The login pause kept on disk, so that a restart waits it out like the running agent would have.

`login-pause.json` in the state folder is written at each refusal and removed by the first login the database
accepts: how many refusals in a row, until when (Unix time) the reads wait, and, for a refusal only an operator can
fix, its message. Without it, every restart (a container's `restart: always`, a deploy, a host reboot) would try
the refused password again at once, and a crash loop would lock the account.

The file is tied to the settings that were refused (the database URL with its password, the Oracle driver
settings) by a salted PBKDF2 digest of them, never by the password itself: once DB_PASS, the URL or the Oracle
Client setting changes, the next start tries at once. Deleting the file does the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "login-pause.json"
_ROUNDS = 100_000  # a tenth of a second at start: the digest must not be a cheap test of guessed passwords


@dataclass(frozen=True)
class Kept:
    """A pause as stored: refusals in a row, the Unix time reads resume, and the refusal (its kind, message)."""

    refusals: int
    until: float
    kind: str
    message: str
    detail: str | None = None


class PauseFile:
    """The stored pause of one set of database settings (`identity`: the text they are compared by)."""

    def __init__(self, folder: Path, identity: str) -> None:
        self.path = folder / FILE
        self._identity = identity.encode("utf-8")
        self._digests: dict[bytes, bytes] = {}
        self.present = False  # whether a file is there to remove once a login is accepted

    def _digest(self, salt: bytes) -> bytes:
        if salt not in self._digests:
            self._digests[salt] = hashlib.pbkdf2_hmac("sha256", self._identity, salt, _ROUNDS)
        return self._digests[salt]

    def load(self) -> Kept | None:
        """The pause stored for these settings; None when there is none, it cannot be read, or it was for others."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.present = True  # unreadable: replaced at the next refusal, removed at the next login
            return None
        self.present = True
        try:
            salt, digest = bytes.fromhex(stored["salt"]), bytes.fromhex(stored["settings"])
            kept = Kept(**stored["pause"])
        except (KeyError, TypeError, ValueError):
            return None
        return kept if hmac.compare_digest(self._digest(salt), digest) else None

    def save(self, kept: Kept) -> None:
        """Store the pause (a disk that takes no write only loses the memory of it across a restart)."""
        salt = next(iter(self._digests), None) or os.urandom(16)
        body = {"salt": salt.hex(), "settings": self._digest(salt).hex(), "pause": asdict(kept)}
        temporary = self.path.with_name(FILE + ".tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)
            self.present = True

    def clear(self) -> None:
        """A login was accepted: no pause to remember."""
        if self.present:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
                self.present = False
