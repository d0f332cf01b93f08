"""When the integration account's Oracle password expires, read at each new session.

Oracle's DEFAULT profile expires a password 180 days after it was set (PASSWORD_LIFE_TIME); after the grace period
the account no longer logs in (ORA-28001), and the census stops, often on a night with nobody around. Each new
session reads the account's USER_USERS row (queries/oracle/password-expiry.sql: any user reads its own) and keeps
the ORA-28002 warning the login itself carried in its grace period. Within `WARN_DAYS` days the connector warns:
in the log, in /readyz, in a metric and in `check`. The fix is a dedicated profile with PASSWORD_LIFE_TIME
UNLIMITED (docs/mv.md, docs/tasy.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connector.source.statements import dialect_sql

WARN_DAYS = 14
_GRACE = re.compile(r"ORA-28002\D*?(\d+)\s+day", re.IGNORECASE)


@dataclass(frozen=True)
class PasswordExpiry:
    """What the session learnt: USER_USERS.EXPIRY_DATE and ACCOUNT_STATUS, and ORA-28002's days (grace period)."""

    expires: date | None = None
    status: str | None = None
    grace_days: int | None = None

    def days_left(self, today: date) -> int | None:
        """Days until the password stops logging in (0: today), or None when it does not expire."""
        if self.expires is not None:
            return max(0, (self.expires - today).days)
        return self.grace_days

    @property
    def in_grace(self) -> bool:
        return self.grace_days is not None or (self.status or "").upper().startswith("EXPIRED")


def expiry_warning(expiry: PasswordExpiry | None, today: date, within: int = WARN_DAYS) -> str | None:
    """The operator's warning when the password expires within `within` days (or is in its grace period), else
    None."""
    if expiry is None:
        return None
    days = expiry.days_left(today)
    if not expiry.in_grace and (days is None or days > within):
        return None
    when = "" if expiry.expires is None else f", em {expiry.expires.strftime('%d/%m/%Y')}"
    left = f"em {days} dia(s){when}" if days is not None else "em breve (período de carência)"
    return (
        f"a senha do usuário do banco Oracle expira {left}; depois disso o banco recusa o login (ORA-28001) e o censo "
        "para. Peça ao DBA para pôr a conta num perfil dedicado sem expiração (PASSWORD_LIFE_TIME UNLIMITED: "
        "docs/mv.md, docs/tasy.md) ou para trocar a senha antes, e atualize DB_PASS ou a URL do banco."
    )


def grace_days(warning: Any) -> int | None:
    """The days of ORA-28002 ("the password will expire within N days") in a connection's warning, or None."""
    if warning is None:
        return None
    found = _GRACE.search(str(warning))
    return int(found.group(1)) if found else None


def read_expiry(cursor: Any, warning: Any) -> PasswordExpiry | None:
    """The account's expiry as this new session sees it; None when USER_USERS could not be read (it always can,
    short of a broken session: then the read that follows says what is wrong)."""
    import oracledb

    try:
        cursor.execute(dialect_sql("oracle", "password-expiry.sql", escape_colons=False))
        row = cursor.fetchone()
    except oracledb.DatabaseError:
        return PasswordExpiry(grace_days=grace_days(warning)) if warning is not None else None
    expires, status = (row[0], row[1]) if row else (None, None)
    day = expires.date() if isinstance(expires, datetime) else expires
    return PasswordExpiry(expires=day, status=status, grace_days=grace_days(warning))
