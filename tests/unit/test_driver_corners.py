"""Driver corners: Oracle's SID remembered once the listener accepted it, a SQL Server named instance without a
port, the read's watchdog breaking each driver's connection its own way, and a read it cut that the driver ended
quietly (fake DBAPI objects)."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from connector.errors import SourceError
from connector.settings.urls import incumbent_url
from connector.source.fetch import fetch
from connector.source.oracle_connect import OracleConnect
from connector.source.watchdog import break_connection, watch

SERVICE_DSN = "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=PROD)))"


class SidOnlyListener:
    """Stands in for python-oracledb against a listener that knows PROD only as an SID."""

    class DatabaseError(Exception):
        pass

    def __init__(self) -> None:
        self.dsns: list[str] = []

    def connect(self, *_args: Any, **params: Any) -> str:
        self.dsns.append(params["dsn"])
        if "SERVICE_NAME=PROD" in params["dsn"]:
            raise self.DatabaseError("DPY-6001: ORA-12514: listener does not currently know of service")
        return "connection"


def test_oracle_sid_is_remembered_after_the_listener_accepted_it() -> None:
    """The first connection tries the service name then the SID; every later one goes straight to the SID, so
    the listener's log gets one refused attempt per process, not one per connection."""
    dialect = type("Dialect", (), {"dbapi": SidOnlyListener()})()
    name = OracleConnect()
    assert name.used is None
    for _ in range(3):
        assert name(dialect, None, (), {"dsn": SERVICE_DSN, "user": "u"}) == "connection"
    refused = [dsn for dsn in dialect.dbapi.dsns if "SERVICE_NAME=" in dsn]
    assert len(refused) == 1 and len(dialect.dbapi.dsns) == 4
    assert name.used == "SID"


def test_oracle_service_name_is_kept_when_accepted() -> None:
    """A listener that knows the service name: no swap, no second attempt."""
    dialect = type("Dialect", (), {"dbapi": SidOnlyListener()})()
    name = OracleConnect()
    sid_dsn = SERVICE_DSN.replace("SERVICE_NAME=PROD", "SERVICE_NAME=OTHER")
    name(dialect, None, (), {"dsn": sid_dsn})
    assert name.used is None and len(dialect.dbapi.dsns) == 1


def test_sql_server_named_instance_gets_no_port() -> None:
    """DB_HOST=server\\INSTANCE: the ODBC Server keyword holds the instance and no ",1433" (SQL Server Browser
    gives the instance's port); a plain host keeps its port."""
    env = {"DB_HOST": "srv\\INTERNACAO", "DB_NAME": "hosp", "DB_USER": "u", "DB_PASS": "p", "DB_PORT": "1433"}
    url = incumbent_url(env, "mssql")
    dialect = url.get_dialect()()  # the dialect alone: no driver (nor unixODBC) is loaded
    arguments = dialect.create_connect_args(url)[0][0]
    assert "Server=srv\\INTERNACAO;" in arguments and "1433" not in arguments
    plain = incumbent_url({**env, "DB_HOST": "srv"}, "mssql")
    assert "Server=srv,1433;" in dialect.create_connect_args(plain)[0][0]


def test_breaking_a_socket_driver_wakes_a_blocked_read() -> None:
    """PyMySQL-like (`_sock`) and psycopg-like (`pgconn.socket`): a read blocked on the socket ends at once."""
    for kind in ("pymysql", "psycopg"):
        left, right = socket.socketpair()
        connection: Any = type("Conn", (), {})()
        if kind == "pymysql":
            connection._sock = left
        else:
            connection.pgconn = type("PGconn", (), {"socket": left.fileno()})()
        woke: list[bytes] = []
        reader = threading.Thread(target=lambda sock=left, into=woke: into.append(sock.recv(10)))
        reader.start()
        time.sleep(0.1)
        assert break_connection(connection)
        reader.join(timeout=2)
        assert woke == [b""], kind
        left.close()
        right.close()


def test_breaking_cancels_or_interrupts_where_there_is_no_socket() -> None:
    """SQLite is interrupted; python-oracledb is cancelled (in the background: cancel talks to the server)."""
    calls: list[str] = []
    sqlite_like: Any = type("S", (), {"interrupt": lambda self: calls.append("interrupt")})()
    oracle_like: Any = type("O", (), {"cancel": lambda self: calls.append("cancel")})()
    assert break_connection(sqlite_like) and break_connection(oracle_like)
    deadline = time.monotonic() + 2
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(calls) == ["cancel", "interrupt"]
    assert not break_connection(object())


class QuietlyCancelled:
    """A DBAPI connection (SQLite underneath) whose driver ends a cancelled read quietly: after `interrupt`, its
    cursors report no more rows instead of raising, as some drivers do with a statement cancelled on the server."""

    def __init__(self) -> None:
        self.real = sqlite3.connect(":memory:", check_same_thread=False)
        self.cancelled = False

    def interrupt(self) -> None:
        self.cancelled = True

    def cursor(self) -> Any:
        owner, real = self, self.real.cursor()

        class Cursor:
            def fetchmany(self, size: int | None = None) -> list[Any]:
                return [] if owner.cancelled else real.fetchmany(size or 1)

            def fetchall(self) -> list[Any]:
                return [] if owner.cancelled else real.fetchall()

            def fetchone(self) -> Any:
                return None if owner.cancelled else real.fetchone()

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        return Cursor()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_read_the_watchdog_cut_is_never_a_census_even_if_the_driver_ends_it_quietly() -> None:
    """The watchdog fires in the middle of the rows and the driver just stops handing them over (no error): the
    read is a timeout, never the partial census the consumer built from the rows it got."""
    engine = create_engine("sqlite://", creator=QuietlyCancelled, poolclass=StaticPool)
    watch(engine, limit=0.3)
    rows = text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n")
    seen: list[int] = []

    def consume(_columns: list[str], batches: Iterator[Sequence[Any]], _declared: str | None) -> int:
        for batch in batches:
            seen.append(len(batch))
            time.sleep(0.2)  # a slow consumer: the bound passes while rows remain
        return sum(seen)

    try:
        with pytest.raises(SourceError) as cut:
            fetch(engine, rows, {}, consume)
    finally:
        engine.dispose()
    assert cut.value.kind == "timeout"
    assert 0 < sum(seen) < 20000  # the consumer did see a partial result: only the check stopped it
