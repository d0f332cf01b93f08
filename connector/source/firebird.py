"""Firebird sessions: read-only transactions, and a bound on every statement that Firebird 3 itself lacks.

Firebird has no session-wide read-only switch: read-only is a property of each transaction, asked for in the
driver's transaction parameter buffer (TPB). Every connection's main transaction is therefore read-only and READ
COMMITTED (a read-only read-committed transaction does not hold back the server's garbage collection, which
matters for a reader that comes back every few seconds).

Firebird 4 has a statement timeout; Firebird 3 (the version SPDATA hospitals run, and Debian's) does not. So the
bound is kept on the client, the same for every version: a watchdog thread starts with each statement and, when
the timeout passes, cancels it on the server (`fb_cancel_operation`), which makes the running execute or fetch
raise "operation was cancelled" (SQLSTATE HY008, translated as a timeout). Between two fetches there is nothing
to cancel on the server, so the watchdog tries again every 50 ms until the next fetch is caught.

Text as SPDATA stored it: many SPDATA databases have the character set NONE and hold the bytes the Delphi client
wrote (Windows-1252, sometimes UTF-8 from newer programs). The driver decodes every value with the connection's
codec, so one byte that is not UTF-8 failed the whole census. Each connection now decodes with a codec of ours
(`connector.source.driver_text.firebird_codec`): bytes that are not UTF-8 travel to the census as they are, decoded
there value by value (`connector.census.decoding.Decoder`), as on a LATIN1 PostgreSQL. The database's own character
set (NONE: none declared) is what the census is told was declared. HOTELEITOS_SOURCE_ENCODING becomes the connection
character set (so the server hands the HIS's bytes over untouched in that encoding) and the encoding every value is
decoded with.

firebird-driver is imported only when a Firebird engine is made, so other hospitals never load it.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from connector.errors import SourceError
from connector.source.driver_text import RAW_TEXT, TEXT_ENCODING, firebird_codec
from connector.source.statements import dialect_sql

WATCHDOG = "hoteleitos_statement_watchdog"  # key of the running watchdog in a connection's `info`
RETRY_SECONDS = 0.05


class Watchdog:
    """Cancels the statement running on `dbapi_connection` if it is still running after `seconds`."""

    def __init__(self, dbapi_connection: Any, seconds: float) -> None:
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, args=(dbapi_connection, seconds), name="firebird-statement-timeout", daemon=True
        )
        self._thread.start()

    def _watch(self, dbapi_connection: Any, seconds: float) -> None:
        from firebird.driver import DatabaseError
        from firebird.driver.types import CancelType

        if self._done.wait(seconds):
            return
        while not self._done.is_set():
            try:
                # firebird-driver has no public call for fb_cancel_operation; its attachment interface does.
                dbapi_connection._att.cancel_operation(CancelType.RAISE)
            except (DatabaseError, AttributeError):  # nothing running right now, or the connection is gone
                self._done.wait(RETRY_SECONDS)
            else:
                self.fired = True
                return

    def stop(self) -> None:
        self._done.set()


def prepare(engine: Engine, connect_timeout: float, query_timeout: float, encoding: str | None = None) -> None:
    """Make every session of a Firebird `engine` read-only, bound the connection to `connect_timeout` seconds and
    each statement to `query_timeout` seconds, and hand text over as the HIS stored it (in `encoding`, when the
    operator set one)."""
    from firebird.driver import Isolation, TraAccessMode, driver_config, tpb

    load_client()  # the transaction buffer below is built by the client library
    read_only = tpb(Isolation.READ_COMMITTED_RECORD_VERSION, access_mode=TraAccessMode.READ)
    charset = FIREBIRD_CHARSETS.get(encoding or "", "NONE") if encoding else None

    def before_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        # The driver takes its connection timeout from the database's entry in its configuration, which
        # sqlalchemy-firebird registers under the database path for every URL with a host.
        database = driver_config.get_database(str(cparams.get("database", "")))
        if database is not None:
            database.timeout.value = max(1, round(connect_timeout))
        if charset is not None:
            cparams["charset"] = charset

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        declared = _database_charset(dbapi_connection)
        speaks = str(dbapi_connection.charset or "NONE").upper()
        # A UTF-8 connection: text is UTF-8 but for the HIS's own bytes in NONE columns. Any other (the setting,
        # or a charset in the URL): every text as the bytes the connection's character set gives.
        raw = encoding is not None or speaks not in ("UTF8", "UNICODE_FSS")
        spoken = declared if speaks == "NONE" or not raw else speaks
        record.info[TEXT_ENCODING] = encoding or _codec(spoken)
        dbapi_connection._encoding = firebird_codec(dbapi_connection._encoding, raw=raw)
        record.info[RAW_TEXT] = "latin-1" if raw else "escaped"
        dbapi_connection.main_transaction.default_tpb = read_only

    def arm(connection: Connection, _cursor: Any, *_: Any) -> None:
        disarm(connection.info)
        connection.info[WATCHDOG] = Watchdog(connection.connection.dbapi_connection, query_timeout)

    event.listen(engine, "do_connect", before_connect)
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "before_cursor_execute", arm)
    event.listen(engine, "commit", lambda connection: disarm(connection.info))
    event.listen(engine, "rollback", lambda connection: disarm(connection.info))
    event.listen(engine.pool, "checkin", lambda _dbapi, record: disarm(record.info) if record is not None else None)


def load_client() -> None:
    """Load the Firebird client library (libfbclient) the driver talks through, once; a missing or broken one is a
    `SourceError` that says which package provides it, not an unexpected failure in every cycle."""
    from firebird.driver.fbapi import load_api

    try:
        load_api()
    except OSError as error:  # FileNotFoundError when it is not found, OSError when it cannot be loaded
        raise SourceError(
            "a biblioteca cliente do Firebird (libfbclient) não foi encontrada ou não pôde ser carregada neste "
            "servidor; a imagem do conector já a traz. Fora da imagem, instale-a (Debian/Ubuntu: apt-get install "
            "libfbclient2) e rode de novo.",
            kind="client_missing",
            detail=type(error).__name__,
        ) from None


# Python codecs and the Firebird character sets that carry them.
FIREBIRD_CHARSETS = {"utf-8": "UTF8", "cp1252": "WIN1252", "latin-1": "ISO8859_1", "cp1250": "WIN1250",
                     "iso8859-15": "ISO8859_15", "cp850": "DOS850", "ascii": "ASCII"}  # fmt: skip


def _database_charset(dbapi_connection: Any) -> str:
    """The database's default character set (RDB$DATABASE), upper case; NONE when it declares none."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(dialect_sql("firebird", "database-charset.sql", escape_colons=False))
        row = cursor.fetchone()
    finally:
        cursor.close()
    dbapi_connection.commit()
    return str(row[0] if row and row[0] else "NONE").strip().upper()


def _codec(charset: str) -> str | None:
    """Python's codec for a Firebird character set; None for NONE (no encoding declared) or one not known here."""
    found = {name: codec for codec, name in FIREBIRD_CHARSETS.items()}.get(charset)
    return found or ("utf-8" if charset == "UNICODE_FSS" else None)


def disarm(info: dict[Any, Any]) -> None:
    """Stop the watchdog of the statement that just ended (its transaction closed or its connection went back)."""
    watchdog = info.pop(WATCHDOG, None)
    if watchdog is not None:
        watchdog.stop()
