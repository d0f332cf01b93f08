"""A client-side bound on the whole census read, and a way to cancel it, for every driver.

The database's own timeouts (statement_timeout, max_execution_time, call_timeout) are answers the server or
the driver must still get through the network: when the network silently drops every packet, a read can
wait for TCP to give up, a quarter of an hour later. So each read is watched from outside: past
`connect timeout + query timeout + GRACE`, or as soon as the agent is stopped, its connections are broken
from another thread, which wakes the blocked driver with an error at once.

How a connection is broken depends on what the driver exposes: the socket is shut down (psycopg, after asking the
server to cancel the statement; PyMySQL), the statement is cancelled (pyodbc cursors, python-oracledb), SQLite is
interrupted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

GRACE = 3.0  # seconds beyond connect + query timeouts before the watchdog breaks a read
_POLL = 0.1


class _Watched:
    """What the watchdog knows of one engine: its bound, the stop event, the driver objects it may break."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.stop: threading.Event | None = None
        self.connections: dict[int, Any] = {}
        self.cursors: dict[int, Any] = {}
        self.fired = False  # the current read was broken
        self.lock = threading.Lock()


_ENGINES: weakref.WeakKeyDictionary[Engine, _Watched] = weakref.WeakKeyDictionary()


def watch(engine: Engine, limit: float) -> None:
    """Bound every read on `engine` to `limit` seconds; the connections it opens become breakable."""
    watched = _Watched(limit)
    _ENGINES[engine] = watched

    def opened(dbapi_connection: Any, _record: Any) -> None:
        with watched.lock:
            watched.connections[id(dbapi_connection)] = dbapi_connection

    def closed(dbapi_connection: Any, _record: Any) -> None:
        with watched.lock:
            watched.connections.pop(id(dbapi_connection), None)

    def executing(_conn: Any, cursor: Any, *_args: Any) -> None:
        with watched.lock:
            watched.cursors = {id(cursor): cursor}

    def connecting(dialect: Any, *_args: Any) -> None:
        if watched.fired:  # the read was broken: no new connection in its name (it would wait again)
            raise dialect.dbapi.OperationalError("the read was cancelled by the connector's watchdog")

    event.listen(engine, "do_connect", connecting, insert=True)
    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)
    event.listen(engine, "before_cursor_execute", executing)


def cancel_on(engine: Engine, stop: threading.Event) -> None:
    """A read on `engine` is cancelled as soon as `stop` is set (the agent's SIGTERM)."""
    watched = _ENGINES.get(engine)
    if watched is not None:
        watched.stop = stop


class Guard:
    """One read under watch; `reason` says why it was broken (`deadline` or `stop`), None while it was not."""

    def __init__(self, watched: _Watched, limit: float | None = None) -> None:
        self.watched = watched
        self.limit = watched.limit if limit is None else min(limit, watched.limit)
        self.reason: str | None = None
        self.done = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.limit
        stop = self.watched.stop
        while not self.done.wait(_POLL):
            if stop is not None and stop.is_set():
                self._break("stop")
                return
            if time.monotonic() >= deadline:
                self._break("deadline")
                return

    def _break(self, reason: str) -> None:
        self.reason = reason
        self.watched.fired = True
        with self.watched.lock:
            targets = [*self.watched.connections.values()]
            cursors = [*self.watched.cursors.values()]
        for connection in targets:
            if not break_connection(connection):
                for cursor in cursors:
                    _in_background(getattr(cursor, "cancel", None))


@contextmanager
def guarded(engine: Engine, limit: float | None = None) -> Iterator[Guard | None]:
    """Watch one read on `engine` (None when the engine is not watched); `limit`: a shorter bound of its own (the
    change probe's)."""
    watched = _ENGINES.get(engine)
    if watched is None:
        yield None
        return
    watched.fired = False
    guard = Guard(watched, limit)
    thread = threading.Thread(target=guard.run, name="read-watchdog", daemon=True)
    thread.start()
    try:
        yield guard
    finally:
        guard.done.set()
        thread.join()


def break_connection(connection: Any) -> bool:
    """Wake whatever waits on this DBAPI connection; False when the driver offers no way to."""
    sock = getattr(connection, "_sock", None)  # PyMySQL
    if isinstance(sock, socket.socket):
        _shut(sock)
        return True
    interrupt = getattr(connection, "interrupt", None)  # sqlite3
    if callable(interrupt):
        interrupt()
        return True
    pgconn = getattr(connection, "pgconn", None)  # psycopg: the libpq socket
    if pgconn is not None:
        # the server is asked to stop the statement too (a cancel request on a connection of its own), so a cut
        # read does not keep running there until its statement_timeout
        _in_background(getattr(connection, "cancel_safe", None) or getattr(connection, "cancel", None))
        with contextlib.suppress(Exception):
            duplicate = socket.socket(fileno=os.dup(pgconn.socket))
            with duplicate:  # shutdown acts on the connection, whichever descriptor names it
                _shut(duplicate)
            return True
    cancel = getattr(connection, "cancel", None)  # python-oracledb: a break on its own connection
    if callable(cancel):
        _in_background(cancel)
        return True
    return False


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _in_background(function: Any) -> None:
    """Call a driver's cancel where it may block (it talks to the server) without blocking the watchdog."""
    if callable(function):
        threading.Thread(target=_quietly, args=(function,), name="read-cancel", daemon=True).start()


def _quietly(function: Any) -> None:
    with contextlib.suppress(Exception):
        function()
