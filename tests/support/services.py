"""Real services the integration tests use: fresh PostgreSQL, MariaDB and Firebird databases on 127.0.0.1.

Each test session creates its own databases (never assuming a clean server) and drops them at the end.
Unreachable services fail the run under CI=true and skip, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("HOTELEITOS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("HOTELEITOS_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
# The password is the one scripts/firebird-server.sh sets; the folder is where that server keeps databases.
FIREBIRD_ADMIN_URL = os.environ.get(
    "HOTELEITOS_TEST_FIREBIRD_URL", "firebird+firebird://SYSDBA:masterkey@127.0.0.1:3050//var/lib/firebird/3.0/data"
)

FIREBIRD_HINT = "sudo ./scripts/firebird-server.sh instala o firebird3.0-server (com o cliente) e o sobe"


def server_hint(admin_url: str) -> str:
    """The command that provides the server of `admin_url` on this machine."""
    if make_url(admin_url).get_backend_name() == "postgresql":
        return "sudo apt-get install postgresql e sudo ./scripts/test (sobe o servidor), ou HOTELEITOS_TEST_PG_URL"
    return "sudo apt-get install mariadb-server e sudo ./scripts/test (sobe o servidor), ou HOTELEITOS_TEST_MARIADB_URL"


def unavailable(reason: str) -> None:
    """Fail under CI, skip elsewhere: a service the test needs is not there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: serviços obrigatórios)")
    pytest.skip(reason)


@contextmanager
def fresh_database(admin_url: str, label: str) -> Iterator[URL]:
    """A new, empty database on the server of `admin_url`, dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"hoteleitos_{label}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as db:
            db.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        admin.dispose()
        unavailable(
            f"{label}: servidor em {make_url(admin_url).host}:{make_url(admin_url).port} inacessível "
            f"({type(error.orig).__name__}); {server_hint(admin_url)}"
        )
    try:
        yield make_url(admin_url).set(database=name)
    finally:
        with admin.connect() as db:
            if admin.dialect.name == "postgresql":
                db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                db.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@contextmanager
def mariadb_user(url: URL, password: str, grant_on: str) -> Iterator[URL]:
    """A new MariaDB user with `password` and SELECT on `grant_on` (a table, or `*`) of `url`'s database."""
    admin = create_engine(url)
    user = f"leitor_{uuid.uuid4().hex[:8]}"
    with admin.begin() as db:
        db.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :p"), {"p": password})
        db.execute(text(f"GRANT SELECT ON {url.database}.{grant_on} TO '{user}'@'%'"))
    try:
        yield url.set(username=user, password=password)
    finally:
        with admin.begin() as db:
            db.execute(text(f"DROP USER '{user}'@'%'"))
        admin.dispose()


@contextmanager
def fresh_firebird_database(label: str, charset: str = "UTF8") -> Iterator[URL]:
    """A new, empty Firebird database (a .fdb file in the server's data folder) whose default character set is
    `charset`, dropped afterwards."""
    from firebird.driver import DatabaseError, create_database

    admin = make_url(FIREBIRD_ADMIN_URL)
    path = f"{admin.database}/hoteleitos_{label}_{uuid.uuid4().hex[:10]}.fdb"
    try:
        created = create_database(
            f"{admin.host}/{admin.port or 3050}:{path}", user=admin.username, password=admin.password, charset=charset
        )
    except OSError as error:  # firebird-driver finds no usable libfbclient.so
        unavailable(f"{label}: biblioteca cliente do Firebird ausente ({type(error).__name__}); {FIREBIRD_HINT}")
    except DatabaseError as error:
        unavailable(
            f"{label}: Firebird em {admin.host}:{admin.port or 3050} inacessível ou recusou SYSDBA "
            f"({error.sqlstate}); {FIREBIRD_HINT}"
        )
    created.close()
    url = admin.set(database=path)
    try:
        yield url
    finally:
        _drop_firebird(url)


def _drop_firebird(url: URL) -> None:
    from firebird.driver import connect

    connection = connect(f"{url.host}/{url.port or 3050}:{url.database}", user=url.username, password=url.password)
    connection.drop_database()


@contextmanager
def firebird_user(url: URL, password: str, grant_on: list[str]) -> Iterator[URL]:
    """A new Firebird user (users are server-wide) with SELECT on the tables `grant_on` of `url`'s database."""
    admin = create_engine(url)
    user = f"LEITOR_{uuid.uuid4().hex[:8].upper()}"
    with admin.begin() as db:
        db.execute(text(f"CREATE USER {user} PASSWORD '{password}'"))
        for table in grant_on:
            db.execute(text(f"GRANT SELECT ON {table} TO USER {user}"))
    try:
        yield url.set(username=user, password=password)
    finally:
        with admin.begin() as db:
            db.execute(text(f"DROP USER {user}"))
        admin.dispose()
