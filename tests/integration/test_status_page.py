"""The status page (`/` on the health port) in a real browser: headless Chromium opens it against a running agent
reading the MV replica on PostgreSQL, in five states (healthy, API down with a queue, guard holding, source failing,
token refused). Screenshots and the rendered HTML go to test-output/status-page/; no patient datum of the replica,
no token and no database password appear in the page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN, connector_env
from tests.support import mv_replica
from tests.support.browser import OUTPUT, Browser
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, status, wait_until
from tests.support.tcp_proxy import TcpProxy

DB_PASSWORD = "senha-do-banco-" + uuid.uuid4().hex[:8]  # PostgreSQL trusts 127.0.0.1: any password connects
SHOTS = OUTPUT / "status-page"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as session:
        yield session


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url.set(password=DB_PASSWORD)


def start(url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent], **extra: str) -> Agent:
    """`run` on a one-second schedule, with a readiness window short enough for a test to see it pass."""
    env = connector_env(
        url,
        receiver,
        tmp_path / "state",
        HOTELEITOS_SCHEDULE="1s",
        HOTELEITOS_HEALTH_READY_WINDOW="4",
        HOTELEITOS_API_RETRY_DEADLINE="0.5",
        **extra,
    )
    agent = Agent(env, tmp_path)
    agents.append(agent)
    return agent


def look(browser: Browser, agent: Agent, state: str, *until: str) -> str:
    """Open the page until each of `until` is in its text; leave its screenshot and HTML in test-output; check that
    it holds no patient datum or secret, loads nothing else and offers nothing to click. Returns the page's text."""
    url = f"http://127.0.0.1:{agent.port}/"
    assert wait_until(lambda: agent.status("/") == 200, timeout=30)

    def shows() -> bool:
        browser.open(url)
        page = browser.text()
        return all(text in page for text in until)

    assert wait_until(shows, timeout=40, step=0.5), browser.text()
    page, html = browser.text(), browser.html()
    browser.screenshot(SHOTS / f"{state}.png")
    (SHOTS / f"{state}.html").write_text(html, encoding="utf-8")
    served = agent.get("/")
    assert served is not None and served.headers["content-type"] == "text/html; charset=utf-8"
    for secret in [*mv_replica.PATIENT_SECRETS, TOKEN, DB_PASSWORD]:
        assert secret not in html and secret not in served.text, secret
    assert browser.run("return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    assert browser.run("return document.querySelectorAll('script, form, button, input, a').length") == 0
    assert browser.run("return document.querySelectorAll('svg.chart').length") == 4
    assert 'http-equiv="refresh"' in served.text
    return page


def count(browser: Browser, element: str) -> int:
    return int(browser.run(f"return document.getElementById('{element}').textContent").replace(".", ""))


def health(browser: Browser) -> str:
    return str(browser.run("return document.getElementById('situacao').className"))


def test_healthy_agent_and_history_that_survives_a_restart(
    browser: Browser, mv_url: URL, tmp_path: Path, agents: list[Agent]
) -> None:
    """Green: the last delivery with its size, an empty queue, the source, version and origin; after a restart the
    last delivery and the charts come back from the state folder before any new cycle."""
    with ScriptedReceiver() as receiver:
        agent = start(mv_url, receiver, tmp_path, agents)
        page = look(browser, agent, "saudavel", "Nenhum problema desde a partida", "pronto")
        assert health(browser) == "ok"
        assert "O censo está chegando ao HOTELEITOS" in page
        assert count(browser, "entregues") == len(mv_replica.EXPECTED)
        assert [count(browser, e) for e in ("pendentes", "retidos", "rejeitados")] == [0, 0, 0]
        for shown in ("PostgreSQL em 127.0.0.1:5432", "psycopg 3", "desligada", "hoteleitos-connector 0.1.0",
                      "variáveis de ambiente", f"{len(mv_replica.EXPECTED) + 2} linhas"):  # fmt: skip
            assert shown in page, shown
        assert f"Pacientes no censo, últimas 24 h: agora {len(mv_replica.EXPECTED)}" in page
        assert agent.stop() == 0
    with ScriptedReceiver([status(503)] * 1000) as down:
        again = start(mv_url, down, tmp_path, agents)
        assert wait_until(lambda: again.status("/") == 200, timeout=30)
        browser.open(f"http://127.0.0.1:{again.port}/")
        assert count(browser, "entregues") == len(mv_replica.EXPECTED)
        assert f"Pacientes no censo, últimas 24 h: agora {len(mv_replica.EXPECTED)}" in browser.text()
        assert again.stop() == 0


def test_api_down_with_a_queue(browser: Browser, mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """Red: the API answers 503; the page says the census is not arriving, why in plain words, and the queue."""
    with ScriptedReceiver() as receiver:
        agent = start(mv_url, receiver, tmp_path, agents)
        assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
        receiver.add(*[status(503)] * 10_000)
        page = look(browser, agent, "api-fora", "O censo não está chegando ao HOTELEITOS")
        assert health(browser) == "falha"
        assert "A API HOTELEITOS respondeu com erro (HTTP 503)" in page
        assert "Os censos ficam na fila" in page
        assert count(browser, "pendentes") >= 2
        assert count(browser, "entregues") == len(mv_replica.EXPECTED)
        assert agent.stop() == 0


def test_guard_holding(browser: Browser, mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """The census empties after a delivery: held, with the reason and the exact release command."""
    schema = "dbamv_retido"
    mv_replica.build(mv_url, schema=schema)
    engine = create_engine(mv_url)
    try:
        with ScriptedReceiver() as receiver:
            agent = start(mv_url, receiver, tmp_path, agents, HOTELEITOS_SOURCE_SCHEMA=schema)
            assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
            with engine.begin() as db:
                db.execute(text(f"DELETE FROM {schema}.atendime"))
            page = look(browser, agent, "protecao-retendo", "Censo retido pela proteção contra altas em massa")
            assert count(browser, "retidos") >= 1
            assert f"veio vazio e o último censo aceito tinha {len(mv_replica.EXPECTED)} pacientes" in page
            assert "hoteleitos-connector release" in page
            assert "docker exec <contêiner> hoteleitos-connector release" in page
            assert agent.stop() == 0
    finally:  # a second copy of the tables makes an unconfigured schema ambiguous for the other tests
        with engine.begin() as db:
            db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_source_failing(browser: Browser, mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """The database becomes unreachable: red, the reason without the database's user, and the last good read."""
    proxy = TcpProxy(("127.0.0.1", mv_url.port or 5432))
    try:
        with ScriptedReceiver() as receiver:
            agent = start(mv_url.set(port=proxy.port), receiver, tmp_path, agents)
            assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
            proxy.cut()
            page = look(browser, agent, "origem-falhando", "não consegue se conectar ao banco", "não está chegando")
            assert health(browser) == "falha"
            assert "O censo não está chegando ao HOTELEITOS" in page
            assert f"PostgreSQL em 127.0.0.1:{proxy.port}" in page
            assert f"{len(mv_replica.EXPECTED)} pacientes, em" in page  # the last good read
            assert str(mv_url.username) not in page
            assert agent.stop() == 0
    finally:
        proxy.close()


def test_token_refused(browser: Browser, mv_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """The API starts refusing the token: red, the 401 in plain words with what to do, the queue kept."""
    with ScriptedReceiver() as receiver:
        agent = start(mv_url, receiver, tmp_path, agents)
        assert wait_until(lambda: agent.status("/readyz") == 200, timeout=30)
        receiver.token = "token-novo-" + uuid.uuid4().hex  # the connector still sends the old one
        page = look(browser, agent, "token-recusado", "recusou o token da integração (HTTP 401)", "não está chegando")
        assert health(browser) == "falha"
        assert "Confira HOTELEITOS_API_TOKEN" in page
        assert count(browser, "pendentes") >= 1
        assert agent.stop() == 0
