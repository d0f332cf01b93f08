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

firebird-driver is imported only when a Firebird engine is made, so other hospitals never load it.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

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


def prepare(engine: Engine, connect_timeout: float, query_timeout: float) -> None:
    """Make every session of a Firebird `engine` read-only, bound the connection to `connect_timeout` seconds and
    each statement to `query_timeout` seconds."""
    from firebird.driver import Isolation, TraAccessMode, driver_config, tpb

    read_only = tpb(Isolation.READ_COMMITTED_RECORD_VERSION, access_mode=TraAccessMode.READ)

    def before_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        # The driver takes its connection timeout from the database's entry in its configuration, which
        # sqlalchemy-firebird registers under the database path for every URL with a host.
        database = driver_config.get_database(str(cparams.get("database", "")))
        if database is not None:
            database.timeout.value = max(1, round(connect_timeout))

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
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


def disarm(info: dict[Any, Any]) -> None:
    """Stop the watchdog of the statement that just ended (its transaction closed or its connection went back)."""
    watchdog = info.pop(WATCHDOG, None)
    if watchdog is not None:
        watchdog.stop()
