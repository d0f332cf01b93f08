"""A PostgreSQL server of the test's own on 127.0.0.1, configured as a hospital's could be: TLS offered, TLS
required, no TLS at all, or TLS on but refused by pg_hba.conf, and passwords checked (scram-sha-256). The shared
server the other tests use trusts every login and has no TLS, so it cannot show what a refused password costs.

Its log records every refused authentication (`refusals()`), which is how the tests count login attempts.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL

from tests.support.processes import free_port
from tests.support.services import unavailable

# offered: TLS on, both kinds of session allowed; required: only TLS sessions (hostssl); none: no TLS at all;
# plain_only: TLS on, but pg_hba.conf lets in only sessions without it (hostnossl).
Tls = Literal["offered", "required", "none", "plain_only"]
PASSWORD = "senha-do-leitor-7c1"
USER = "leitor"
REFUSED = "password authentication failed for user"


@dataclass
class PrivatePostgres:
    port: int
    log: Path

    def url(self, password: str = PASSWORD, **query: str) -> URL:
        return URL.create("postgresql+psycopg", USER, password, "127.0.0.1", self.port, "postgres", query=query or {})

    def refusals(self) -> int:
        """Authentications the server refused so far (each one counts towards a lockout policy)."""
        return self.log.read_text(encoding="utf-8", errors="replace").count(REFUSED)

    def sessions(self) -> int:
        """Logins the server accepted so far for the reader (log_connections)."""
        return self.log.read_text(encoding="utf-8", errors="replace").count(f"connection authorized: user={USER}")


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


@contextmanager
def private_postgres(tls: Tls) -> Iterator[PrivatePostgres]:
    """A fresh server, stopped and deleted afterwards; its `leitor` user logs in with `PASSWORD`."""
    import trustme

    binaries = _binaries()
    if binaries is None:
        unavailable("initdb do PostgreSQL não encontrado em /usr/lib/postgresql/*/bin")
    assert binaries is not None
    home = Path(tempfile.mkdtemp(prefix="hoteleitos-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data, log, port = home / "data", home / "server.log", free_port()
    try:
        (home / "pw").write_text(PASSWORD, encoding="utf-8")
        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        certificate.cert_chain_pems[0].write_to_path(str(home / "server.crt"))
        certificate.private_key_pem.write_to_path(str(home / "server.key"))
        (home / "server.key").chmod(0o600)
        if as_postgres:
            shutil.chown(home, "postgres")
            for path in home.iterdir():
                shutil.chown(path, "postgres")
        subprocess.run(
            [*as_postgres, str(binaries / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={home / 'pw'}",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        host = {"offered": "host", "required": "hostssl", "none": "host", "plain_only": "hostnossl"}[tls]
        (data / "pg_hba.conf").write_text(
            f"local all all trust\n{host} all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8"
        )
        settings = [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{home}'",
            f"ssl = {'off' if tls == 'none' else 'on'}",
            f"ssl_cert_file = '{home / 'server.crt'}'",
            f"ssl_key_file = '{home / 'server.key'}'",
            "log_connections = on",
            "fsync = off",
            "shared_buffers = 16MB",
            "max_connections = 20",
        ]
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")
        subprocess.run(
            [*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
        yield PrivatePostgres(port, log)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                check=False, capture_output=True,
            )  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


def wait_for(condition: object, timeout: float = 10) -> bool:
    """Poll a callable until it is true (the server writes its log a moment after the client sees the answer)."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())
