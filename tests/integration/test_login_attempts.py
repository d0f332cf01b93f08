"""What a refused password costs the database's account: one failed login per try, whatever TLS the server
offers, one per `check`, and none at a restart before the pause ends. Counted where a lockout policy counts them:
in the log of a PostgreSQL server of the test's own (TLS on, passwords checked), and as connections through a TCP
proxy in front of MariaDB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from connector.source.engine import create_source_engine
from tests.support import mv_replica
from tests.support.cli import run_cli
from tests.support.private_postgres import PrivatePostgres, Tls, private_postgres, wait_for
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver
from tests.support.services import mariadb_user
from tests.support.tcp_proxy import TcpProxy

WRONG = "senha-errada-9d2"
PROBE = "SELECT 1 AS leito"
PAUSE_FILE = "login-pause.json"  # the login pause, kept in the state folder (docs/operacao.md)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL that offers TLS and checks passwords (Debian's default, and most hospitals'), holding MV's
    tables."""
    with private_postgres("offered") as server:
        mv_replica.build(server.url())
        yield server


def env_for(url: URL, receiver: ScriptedReceiver, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOTELEITOS_API_URL": receiver.url,
        "HOTELEITOS_API_TOKEN": "tok-logins-31",
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def refused_logins(server: PrivatePostgres, before: int) -> int:
    """The refusals the server logged since `before`, once its log has caught up."""
    wait_for(lambda: server.refusals() > before, timeout=5)
    time.sleep(0.5)  # a second refusal would be logged within milliseconds of the first
    return server.refusals() - before


@pytest.mark.parametrize(
    ("tls", "encrypted"), [("offered", True), ("required", True), ("none", False), ("plain_only", False)]
)
def test_one_failed_login_per_try_whatever_tls_the_server_has(tls: Tls, encrypted: bool) -> None:
    """TLS offered, required, absent, or refused by pg_hba.conf: a wrong password is one failed authentication (libpq's
    prefer made it two where TLS is on), and the right one logs in, over TLS wherever the server allows it."""
    with private_postgres(tls) as server:
        refused = create_source_engine(server.url(WRONG).render_as_string(False), connect_timeout=5, query_timeout=5)
        accepted = create_source_engine(server.url().render_as_string(False), connect_timeout=5, query_timeout=5)
        try:
            with pytest.raises(Exception, match="password authentication failed"):
                refused.connect().close()
            count = refused_logins(server, 0)
            with accepted.connect() as db:
                over_tls = db.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar()
        finally:
            refused.dispose()
            accepted.dispose()
    print(f"\nFIGURE failed authentications for one refused login, TLS {tls}: {count}")
    assert count == 1
    assert over_tls is encrypted


def test_run_once_costs_one_failed_login(postgres: PrivatePostgres, tmp_path: Path) -> None:
    """`run --once` with a wrong password: one failed authentication in the server's log, and exit 1."""
    before = postgres.refusals()
    with ScriptedReceiver() as receiver:
        done = run_cli("run", "--once", env=env_for(postgres.url(WRONG), receiver, tmp_path), cwd=tmp_path)
    count = refused_logins(postgres, before)
    print(f"\nFIGURE failed authentications for `run --once` with a wrong password: {count}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert count == 1
    assert "recusou o usuário 'leitor' ou a senha" in done.stdout + done.stderr


def test_check_costs_one_failed_login(postgres: PrivatePostgres, tmp_path: Path) -> None:
    """`check` with a wrong password and the change probe on (three items that log in): one failed authentication;
    the items after the first say the refusal without asking again."""
    before = postgres.refusals()
    with ScriptedReceiver() as receiver:
        env = env_for(postgres.url(WRONG), receiver, tmp_path, HOTELEITOS_CHANGE_PROBE="2s")
        done = run_cli("check", env=env, cwd=tmp_path)
    count = refused_logins(postgres, before)
    print(f"\nFIGURE failed authentications for one `check` with a wrong password: {count}")
    assert count == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("[FALHA] Banco e consulta do censo:") and "recusou o usuário" in line for line in lines)
    assert any(line.startswith("[AVISO] Permissões de leitura: não verificadas: o banco recusou") for line in lines)
    assert any(line.startswith("[AVISO] Sonda de mudança:") and "sem sessão com o banco" in line for line in lines)


def test_check_logs_in_once(postgres: PrivatePostgres, tmp_path: Path) -> None:
    """A `check` that passes (catalog, census, probe) opens one session, not one per item."""
    before = postgres.sessions()
    with ScriptedReceiver() as receiver:
        env = env_for(postgres.url(), receiver, tmp_path, HOTELEITOS_CHANGE_PROBE="2s")
        done = run_cli("check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    time.sleep(0.5)
    print(f"\nFIGURE sessions opened by one `check` that passes: {postgres.sessions() - before}")
    assert postgres.sessions() - before == 1


def test_a_restart_waits_out_the_pause(postgres: PrivatePostgres, tmp_path: Path, agents: list[Agent]) -> None:
    """`run` with a wrong password, 1 s cycles, restarted: one failed authentication in all; the restarted agent
    says on /readyz and on its status page when the next read comes; the right password reads at once."""
    before = postgres.refusals()
    with ScriptedReceiver() as receiver:
        env = env_for(postgres.url(WRONG), receiver, tmp_path, HOTELEITOS_SCHEDULE="1s")
        first = Agent(env, tmp_path)
        agents.append(first)
        assert wait_for(lambda: postgres.refusals() > before, timeout=30)
        time.sleep(3)  # three more cycles
        assert first.stop() == 0
        again = Agent(env, tmp_path)
        agents.append(again)
        assert wait_for(lambda: next_read(again) is not None, timeout=30)
        ready, page = again.get("/readyz"), again.get("/")
        time.sleep(2)
        assert again.stop() == 0
        count = postgres.refusals() - before
        stored = (tmp_path / "state" / PAUSE_FILE).read_text(encoding="utf-8")
        sessions = postgres.sessions()
        fixed = run_cli("run", "--once", env={**env, **env_for(postgres.url(), receiver, tmp_path)}, cwd=tmp_path)
    print(f"\nFIGURE failed authentications for `run` with a wrong password, 4 s, then a restart: {count}")
    assert count == 1
    assert ready is not None and ready.status_code == 503
    body = ready.json()
    assert body["next_read_in_seconds"] > 30
    assert any("leitura do banco em pausa" in reason for reason in body["reasons"])
    assert page is not None and "Próxima leitura" in page.text and "em pausa depois de um login recusado" in page.text
    assert WRONG not in stored
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert postgres.sessions() > sessions
    assert not (tmp_path / "state" / PAUSE_FILE).exists()


def next_read(agent: Agent) -> object:
    """When /readyz says the next read comes (None: not said, or no answer yet)."""
    response = agent.get("/readyz")
    return None if response is None else response.json().get("next_read_at")


@pytest.fixture
def mariadb_reader(mariadb_url: URL) -> Iterator[URL]:
    with mariadb_user(mariadb_url, "senha-certa-5e", "*") as reader:
        yield reader


def mariadb_env(url: URL, proxy: TcpProxy, receiver: ScriptedReceiver, tmp_path: Path, **extra: str) -> dict[str, str]:
    query, probe = tmp_path / "censo.sql", tmp_path / "sonda.sql"
    query.write_text("SELECT 1 AS cod_ocorrencia", encoding="utf-8")
    probe.write_text(PROBE, encoding="utf-8")
    proxied = url.set(host="127.0.0.1", port=proxy.port, password=WRONG)
    return {
        **env_for(proxied, receiver, tmp_path),
        "HOTELEITOS_SOURCE_VENDOR": "custom",
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_SOURCE_PROBE_FILE": str(probe),
        **extra,
    }


def test_mariadb_check_and_restart_cost_one_login(mariadb_reader: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """MariaDB with a wrong password, counted as connections through a proxy: `check` with the change probe on
    (census and probe items) connects once; `run` restarted within the pause connects once in all."""
    proxy = TcpProxy((mariadb_reader.host or "127.0.0.1", mariadb_reader.port or 3306))
    try:
        with ScriptedReceiver() as receiver:
            env = mariadb_env(mariadb_reader, proxy, receiver, tmp_path, HOTELEITOS_CHANGE_PROBE="2s")
            done = run_cli("check", env=env, cwd=tmp_path)
            checked = proxy.connections
            env = mariadb_env(mariadb_reader, proxy, receiver, tmp_path, HOTELEITOS_SCHEDULE="1s")
            for _ in range(2):
                agent = Agent(env, tmp_path)
                agents.append(agent)
                assert wait_for(lambda a=agent: a.status("/readyz") is not None, timeout=30)  # type: ignore[misc]
                time.sleep(3)
                assert agent.stop() == 0
            ran = proxy.connections - checked
    finally:
        proxy.close()
    print(f"\nFIGURE MariaDB connections with a wrong password: `check` {checked}, `run` + restart {ran}")
    assert "recusou o usuário" in done.stdout
    assert checked == 1
    assert ran == 1
