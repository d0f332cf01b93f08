"""PostgreSQL's TLS, chosen once per engine instead of guessed at every login.

libpq's default, `sslmode=prefer`, opens a TLS session and, when the server refuses it for any reason, a wrong
password included, logs in again without TLS: every refused password costs two failed authentications, and a
lockout policy counts both (an Active Directory account behind `pg_hba.conf`'s `ldap` method locks after a few).

When the URL sets no `sslmode` (nor PGSSLMODE), or sets `prefer`, the connector does prefer's work itself, with one
authentication per try:

- TLS first (`sslmode=require`: encrypted, certificate not verified, as with prefer), so a server that requires
  TLS (`hostssl` lines) is met at once;
- without TLS only when the TLS session failed before any password was checked: the server has no TLS ("server
  does not support SSL"), the handshake failed, or `pg_hba.conf` has no line for a TLS session. The server that
  answered so is then reached without TLS at once, until the connector restarts;
- a password refused over TLS is final for this try: no second login.

Any other `sslmode` in the URL (`disable`, `allow`, `require`, `verify-ca`, `verify-full`) is the hospital's choice
and passed through as it is.
"""

from __future__ import annotations

import os
import re
from typing import Any

import structlog
from sqlalchemy.engine import URL

MANAGED = frozenset({"", "prefer"})
# Failures of the TLS session itself, before the server checked any password (libpq's and the server's words;
# `pg_hba.conf` is named as such in every language the server speaks).
_BEFORE_LOGIN = re.compile(r"SSL|pg_hba\.conf")
_LOGIN_CHECKED = re.compile(r"authentication failed|autentica", re.IGNORECASE)
log = structlog.get_logger("hoteleitos.source")


def managed(url: URL) -> bool:
    """Whether the connector chooses this PostgreSQL URL's TLS (no `sslmode` in it nor in PGSSLMODE, or `prefer`)."""
    mode = url.query.get("sslmode")
    chosen = mode if isinstance(mode, str) else os.environ.get("PGSSLMODE", "")
    return chosen.strip().lower() in MANAGED


def before_login(error: BaseException) -> bool:
    """Whether a failed TLS session failed before the server checked a password (then one without TLS may follow)."""
    text = str(error)
    return bool(_BEFORE_LOGIN.search(text)) and not _LOGIN_CHECKED.search(text)


class TlsChoice:
    """A `do_connect` listener: TLS first, without TLS when the server has none, and the choice kept."""

    def __init__(self) -> None:
        self.mode: str | None = None  # "require" or "disable" once a session opened

    def __call__(self, dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        if self.mode == "disable":
            return dialect.connect(*cargs, **{**cparams, "sslmode": "disable"})
        try:
            connection = dialect.connect(*cargs, **{**cparams, "sslmode": "require"})
        except dialect.loaded_dbapi.OperationalError as error:
            if not before_login(error):
                raise
            connection = dialect.connect(*cargs, **{**cparams, "sslmode": "disable"})
            if self.mode != "disable":
                log.info("source_without_tls", message="o servidor PostgreSQL não aceitou TLS: sessões sem TLS.")
            self.mode = "disable"
            return connection
        self.mode = "require"
        return connection
