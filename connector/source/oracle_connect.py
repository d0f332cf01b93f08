"""Connecting to Oracle: the kind of name the listener knows (SID or service name), the driver's mode (thin, or
thick with the Oracle Client), and who the session says it is.

Thick mode goes through SQLAlchemy's `thick_mode` engine argument (`HOTELEITOS_ORACLE_CLIENT=thick`). With `auto`
the engine starts thin; when the server refuses thin mode (Oracle 11.2, Native Network Encryption, an old password
verifier, a handshake cut by ALLOW_WEAK_CRYPTO_CLIENTS=FALSE) and the Oracle Client is installed, the connection
is made again in thick mode, with the arguments SQLAlchemy would have used. A failed thin connection does not fix
python-oracledb's mode (only a successful one does), so the switch is still possible then; it is said once in the
log, and `check` says it too.

Sessions carry the connector's name and version: V$SESSION.MODULE `hoteleitos-connector <version>` (both modes),
V$SESSION.PROGRAM `hoteleitos-connector/<version>` (thin mode; a program name takes no spaces; as in the HTTP
User-Agent) and V$SESSION_CONNECT_INFO.CLIENT_DRIVER `hoteleitos-connector : <version>` (Oracle's form for driver
names). A DBA recognises them, and a logon trigger can allow them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog

from connector import __version__
from connector.settings.oracle import OracleSettings
from connector.source.oracle_account import PasswordExpiry, expiry_warning, read_expiry
from connector.source.oracle_errors import THIN_REFUSALS, WHY_CLIENT, kind_of

NAME = f"hoteleitos-connector {__version__}"  # V$SESSION.MODULE
PROGRAM = f"hoteleitos-connector/{__version__}"  # V$SESSION.PROGRAM
DRIVER_NAME = f"hoteleitos-connector : {__version__}"  # V$SESSION_CONNECT_INFO.CLIENT_DRIVER
log = structlog.get_logger("hoteleitos.source")


def thick_arguments(oracle: OracleSettings) -> dict[str, str]:
    """What `init_oracle_client` takes (SQLAlchemy's `thick_mode`): the libraries, the Oracle Net folder, the name."""
    arguments = {"lib_dir": str(oracle.library_dir), "driver_name": DRIVER_NAME}
    if oracle.network_dir is not None:
        arguments["config_dir"] = str(oracle.network_dir)
    return arguments


def connect_arguments(oracle: OracleSettings) -> dict[str, str]:
    """Connection keywords: the session's names (thin mode; thick mode takes the driver name at start-up), and the
    Oracle Net folder for TNS aliases in thin mode."""
    arguments = {"program": PROGRAM, "driver_name": DRIVER_NAME}
    if oracle.network_dir is not None:
        arguments["config_dir"] = str(oracle.network_dir)
    return arguments


@dataclass(frozen=True)
class OracleStatus:
    """What the operator is told of the Oracle sessions: the mode (`thin`/`thick`), the Oracle Client's version, why
    `auto` turned thick (a refusal's kind), and the password's expiry warning."""

    mode: str
    client_version: str | None
    switched: str | None
    password_warning: str | None

    def mode_text(self) -> str:
        """The mode as `config`, `check` and /readyz say it."""
        if self.mode == "thin":
            return "thin (sem Oracle Client)"
        why = f"; em uso porque {WHY_CLIENT.get(self.switched, self.switched)}" if self.switched else ""
        return f"thick (Oracle Client {self.client_version}{why})"


class Switch:
    """The process's one switch to thick mode (python-oracledb's mode is process-wide): why it happened."""

    def __init__(self) -> None:
        self.reason: str | None = None  # the kind of thin refusal that turned the driver thick
        self.lock = threading.Lock()


SWITCH = Switch()


def thin_refusal(error: BaseException) -> str | None:
    """The kind of refusal that only the Oracle Client can get past, or None."""
    kind = kind_of(str(error))
    return kind if kind in THIN_REFUSALS or kind == "handshake_reset" else None


class OracleConnect:
    """SQLAlchemy's `do_connect` for Oracle.

    Connect with the name as given; if the listener does not know it, try it as the other kind, and keep using the
    kind it accepted (no refused attempt in the listener's log for every later connection): the incumbent's DB_NAME
    holds an SID on some hospitals and a service name on others. Then, with `auto`, the switch to thick mode.
    """

    def __init__(self, oracle: OracleSettings | None = None) -> None:
        self.oracle = oracle or OracleSettings()
        self.swap: tuple[str, str] | None = None  # (what the URL says, what the listener accepted)
        self.mode: str | None = None  # of the last session opened: thin or thick
        self.client_version: str | None = None
        self.expiry: PasswordExpiry | None = None

    def opened(self, dbapi_connection: Any, cursor: Any) -> None:
        """A new session is set up (SQLAlchemy's `connect` event): note its mode and the password's expiry."""
        self.mode, self.client_version = driver_mode(dbapi_connection)
        self.expiry = read_expiry(cursor, getattr(dbapi_connection, "warning", None))

    def status(self, today: date) -> OracleStatus | None:
        """The driver's mode and the password's warning, once a session was opened (None before)."""
        if self.mode is None:
            return None
        return OracleStatus(self.mode, self.client_version, SWITCH.reason, expiry_warning(self.expiry, today))

    @property
    def used(self) -> str | None:
        """`SID` or `SERVICE_NAME` once the listener refused the URL's kind and accepted the other."""
        return None if self.swap is None else self.swap[1].rstrip("=")

    def __call__(self, dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        dbapi = dialect.dbapi
        try:
            return self._connect(dbapi, cargs, cparams)
        except dbapi.DatabaseError as error:
            reason = thin_refusal(error)
            if reason is None or not self._may_switch(dbapi):
                raise
            refused = error
        with SWITCH.lock:
            if dbapi.is_thin_mode():  # another thread may have switched meanwhile
                try:
                    dbapi.init_oracle_client(**thick_arguments(self.oracle))
                except dbapi.Error as failed:
                    raise failed from refused
                SWITCH.reason = reason
                log.warning(
                    "oracle_client_switched",
                    reason=reason,
                    library=str(self.oracle.library()),
                    message="o servidor Oracle recusou o modo thin; o conector passou a usar o Oracle Client "
                    f"(modo thick) de {self.oracle.library_dir}.",
                )
        return self._connect(dbapi, cargs, cparams)

    def _may_switch(self, dbapi: Any) -> bool:
        return self.oracle.client == "auto" and bool(dbapi.is_thin_mode()) and self.oracle.library() is not None

    def _connect(self, dbapi: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        dsn = str(cparams.get("dsn", ""))
        if self.swap is not None and self.swap[0] in dsn:
            return dbapi.connect(*cargs, **{**cparams, "dsn": dsn.replace(*self.swap)})
        try:
            return dbapi.connect(*cargs, **cparams)
        except dbapi.DatabaseError as error:
            swap = _other_kind(str(error), dsn)
            if swap is None:
                raise
        # Outside the handler: the error of this second attempt is the one to report, on its own.
        try:
            connection = dbapi.connect(*cargs, **{**cparams, "dsn": dsn.replace(*swap)})
        except dbapi.DatabaseError as error:
            if _other_kind(str(error), dsn.replace(*swap)) is None:  # the listener took the name: keep the kind
                self._remember(swap)
            raise
        self._remember(swap)
        return connection

    def _remember(self, swap: tuple[str, str]) -> None:
        if self.swap is None:
            self.swap = swap
            log.info("oracle_name_kind", used=self.used)


def _other_kind(error: str, dsn: str) -> tuple[str, str] | None:
    """The swap to try when the listener does not know the name as the DSN gives it."""
    if "ORA-12514" in error and "SERVICE_NAME=" in dsn:
        return ("SERVICE_NAME=", "SID=")
    if "ORA-12505" in error and "SID=" in dsn:
        return ("SID=", "SERVICE_NAME=")
    return None


def driver_mode(dbapi_connection: Any) -> tuple[str, str | None]:
    """`thin` or `thick` for this connection, and the Oracle Client's version in thick mode."""
    if getattr(dbapi_connection, "thin", True):
        return "thin", None
    import oracledb

    return "thick", ".".join(str(part) for part in oracledb.clientversion())
