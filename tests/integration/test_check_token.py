"""`check` tells the truth about the token: "aceito" only when the API was seen to look at it, "não verificado"
when it answers the same without it, and a refusal the agent met (`run`) is said, with when."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.integration.test_run_once import TOKEN, connector_env
from tests.support import mv_replica
from tests.support.cli import run_cli
from tests.support.receivers import ScriptedReceiver, status

STAMP = re.compile(r"em \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


@pytest.fixture(scope="module")
def mv_url(pg_url: URL) -> URL:
    mv_replica.build(pg_url)
    return pg_url


def api_line(output: str) -> str:
    return next(line for line in output.splitlines() if "API HOTELEITOS" in line)


def test_an_api_that_checks_the_token_accepts_it(mv_url: URL, tmp_path: Path) -> None:
    """The API answers 401 without the token and 200 with it: the token was verified, and says so."""
    with ScriptedReceiver(token=TOKEN) as receiver:
        done = run_cli("check", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    line = api_line(done.stdout)
    assert line.startswith("[OK   ]") and "token aceito" in line and "HTTP 401 sem ele" in line, line
    assert done.returncode == 0


def test_an_endpoint_that_ignores_the_token_is_not_verified(mv_url: URL, tmp_path: Path) -> None:
    """A stand-in answering GET 200 to anyone: "não verificado", never "aceito" (a warning, not a failure)."""
    with ScriptedReceiver() as receiver:
        done = run_cli("check", env=connector_env(mv_url, receiver, tmp_path / "state"), cwd=tmp_path)
    line = api_line(done.stdout)
    assert line.startswith("[AVISO]") and "token não verificado" in line and "aceito" not in line, line
    assert done.returncode == 0


def test_a_refusal_met_by_run_is_reported_by_check_until_a_delivery(mv_url: URL, tmp_path: Path) -> None:
    """`run --once` meets a 401; `check`, against an API whose GET ignores the token, says the token was refused
    and when; a later delivery clears it; a different token is told apart from the refused one."""
    state = tmp_path / "state"
    with ScriptedReceiver([status(401)]) as receiver:
        env = connector_env(mv_url, receiver, state)
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 1
        refused = run_cli("check", env=env, cwd=tmp_path)
        other = run_cli("check", env={**env, "HOTELEITOS_API_TOKEN": "outro-token-456"}, cwd=tmp_path)
        assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 0
        after = run_cli("check", env=env, cwd=tmp_path)
    line = api_line(refused.stdout)
    assert line.startswith("[FALHA]") and "recusou este token (HTTP 401)" in line and STAMP.search(line), line
    assert refused.returncode == 1
    line = api_line(other.stdout)
    assert line.startswith("[AVISO]") and "recusou outro token (HTTP 401" in line, line
    line = api_line(after.stdout)
    assert line.startswith("[AVISO]") and "recusou" not in line, line
    for output in (refused, other, after):
        assert TOKEN not in output.stdout + output.stderr and "outro-token-456" not in output.stdout
