"""Peers that answer badly on purpose: a database that refuses the password (a lockout policy waits), an API
whose answer is a compressed bomb, a captive portal's HTML page. Real MariaDB, real sockets on 127.0.0.1,
the connector as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import URL

from connector.census import FIELDS
from connector.delivery.http_exchange import MAX_BODY
from tests.support.cli import ROOT, events, run_cli
from tests.support.hostile import HostileApi, gzip_bomb, response
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, status, wait_until
from tests.support.services import mariadb_user

TOKEN = "tok-hostile-77aa"
ONE_PATIENT = "SELECT " + ", ".join(
    "'1' AS cod_ocorrencia" if name == "cod_ocorrencia" else f"NULL AS {name}" for name in FIELDS
)


def env_for(url: URL, api: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    tmp_path.mkdir(exist_ok=True)
    query = tmp_path / "censo.sql"
    query.write_text(ONE_PATIENT, encoding="utf-8")
    return {
        "HOTELEITOS_API_URL": api,
        "HOTELEITOS_API_TOKEN": TOKEN,
        "HOTELEITOS_SOURCE_VENDOR": "custom",
        "HOTELEITOS_SOURCE_URL": url.render_as_string(hide_password=False),
        "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
        "HOTELEITOS_STATE_DIR": str(tmp_path / "state"),
        "HOTELEITOS_LOG_FORMAT": "json",
        **extra,
    }


def test_a_refused_password_is_not_tried_every_cycle(
    mariadb_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """Cycles every second for 6 s with a wrong password: one login attempt, then cycles that say the read is
    paused, for how long and why (a lockout policy counts failed logins)."""
    with mariadb_user(mariadb_url, "senha-certa-1", "*") as reader:
        env = env_for(reader.set(password="senha-errada-2"), receiver.url, tmp_path, HOTELEITOS_SCHEDULE="1s")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        time.sleep(6)
        assert agent.stop() == 0
    failed = [e for e in events(agent.stdout) if e["event"] == "census_failed"]
    attempts = [e for e in failed if e["kind"] == "auth"]
    paused = [e for e in failed if e["kind"] == "auth_paused"]
    print(f"\nFIGURE login attempts in 6 s of 1 s cycles with a wrong password: {len(attempts)} (paused {len(paused)})")
    assert len(attempts) == 1, failed
    assert "Próxima tentativa em 60s" in str(attempts[0]["message"])
    assert len(paused) >= 3
    assert "leitura do censo em pausa" in str(paused[0]["message"])
    assert "senha-errada-2" not in agent.stderr + agent.stdout


def run_measured(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, int]:
    """Run the CLI; its exit status, its stdout and its own peak memory in KB."""
    process = subprocess.Popen(
        [sys.executable, "-m", "connector", *args],
        env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    with process.stdout:
        out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, out, usage.ru_maxrss


def test_a_compressed_bomb_in_an_answer_is_never_decompressed(pg_url: URL, tmp_path: Path) -> None:
    """A 400 whose gzip body inflates to 1 GB: the agent reads 64 KB of it at most and its memory stays flat
    (it used to reach 2 GB); the census is set aside with what could be kept of the answer."""
    with ScriptedReceiver() as plain:
        _, _, baseline = run_measured("run", "--once", env=env_for(pg_url, plain.url, tmp_path / "a"), cwd=tmp_path)
    head, body = response("400 Bad Request", "application/json", gzip_bomb(1024), Content_Encoding="gzip")
    api = HostileApi(head, body)
    try:
        env = env_for(pg_url, api.url, tmp_path / "b")
        status, out, peak = run_measured("run", "--once", env=env, cwd=tmp_path)
    finally:
        api.close()
    print(f"\nFIGURE peak memory against a 1 GB gzip bomb: {peak // 1024} MB (a plain cycle: {baseline // 1024} MB)")
    assert status == 1 and "recusou este censo (HTTP 400)" in out
    assert peak < baseline + 50 * 1024
    listing = run_cli("outbox", env=env, cwd=tmp_path)
    snapshot = next(line.split()[0] for line in listing.stdout.splitlines() if "rejeitado" in line)
    shown = run_cli("outbox", "show", snapshot, env=env, cwd=tmp_path)
    assert shown.returncode == 0 and len(shown.stdout) < MAX_BODY + 2000


HUGE_VALUES = (
    "SELECT "
    + ", ".join(
        {
            "cod_ocorrencia": "lpad(g::text, 2, '0') || repeat('9', 99) AS cod_ocorrencia",
            "paciente_nome": "repeat('JOSÉ ', 1000000) AS paciente_nome",
            "convenio_nome": "repeat('C', 300) AS convenio_nome",
        }.get(name, f"NULL AS {name}")
        for name in FIELDS
    )
    + " FROM generate_series(1, 10) g"
)


def test_a_five_megabyte_name_is_cut_in_what_is_sent_and_in_preview(pg_url: URL, tmp_path: Path) -> None:
    """10 patients whose names have 5 MB each (and 300-character insurers, 101-character keys): `preview` prints
    the table and the JSON within the fields' lengths (each line of the table was 5 MB wide) and says what was cut;
    `run --once` sends each name as its first 200 characters, every patient kept."""
    env = env_for(pg_url, "http://127.0.0.1:9", tmp_path)
    Path(env["HOTELEITOS_SOURCE_QUERY_FILE"]).write_text(HUGE_VALUES, encoding="utf-8")
    table = run_cli("preview", "--show-names", "--limit", "100", env=env, cwd=tmp_path)
    as_json = run_cli("preview", "--show-names", "--json", env=env, cwd=tmp_path)
    print(f"\nFIGURE preview of 10 names of 5 MB: table {len(table.stdout)} characters, JSON {len(as_json.stdout)}")
    assert table.returncode == 0 and as_json.returncode == 0, table.stdout + as_json.stdout
    assert max(map(len, table.stdout.splitlines())) < 1200 and len(table.stdout) < 20_000
    shown = json.loads(as_json.stdout)["pacientes"]
    assert len(shown) == 10 and max(len(value or "") for record in shown for value in record.values()) == 200
    assert len(as_json.stdout) < 30_000
    assert "10 × paciente_nome: valor longo demais, cortado" in table.stdout
    assert "10 pacientes no censo" in table.stdout
    with ScriptedReceiver() as api:
        sent = run_cli("run", "--once", env={**env, "HOTELEITOS_API_URL": api.url}, cwd=tmp_path)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        patients = api.accepted[0].json()["pacientes"]
    assert len(patients) == 10 and len({p["cod_ocorrencia"] for p in patients}) == 10
    assert {len(p["paciente_nome"]) for p in patients} == {199} and {len(p["convenio_nome"]) for p in patients} == {200}
    assert {len(p["cod_ocorrencia"]) for p in patients} == {64}


def test_an_html_2xx_is_not_a_delivery_in_run_nor_in_check(pg_url: URL, tmp_path: Path) -> None:
    """A captive portal answers 200 text/html: the census stays pending and the cycle says something between us
    and the API answered; `check` fails the API item and never says the token was accepted."""
    head, body = response("200 OK", "text/html; charset=utf-8", b"<html><body>Login da rede Wi-Fi</body></html>")
    api = HostileApi(head, body)
    try:
        env = env_for(pg_url, api.url, tmp_path)
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
        checked = run_cli("check", env=env, cwd=tmp_path)
    finally:
        api.close()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "algo entre o conector e a API respondeu" in done.stdout
    assert "1 pendente(s)" in done.stdout
    assert len(api.requests) == 2  # one push (no retry into the portal), one check
    assert checked.returncode == 1
    assert "[FALHA] API HOTELEITOS" in checked.stdout and "página HTML" in checked.stdout
    assert "token aceito" not in checked.stdout


def test_check_warns_of_plain_http_and_unverified_tls(pg_url: URL, tmp_path: Path) -> None:
    """An http:// API on another host and verify_tls=false are warned about in check, config and the run's log;
    a loopback API is not."""
    env = env_for(pg_url, "http://10.255.255.1:9", tmp_path, HOTELEITOS_API_CONNECT_TIMEOUT="1")
    checked = run_cli("check", env=env, cwd=tmp_path)
    assert "[AVISO] Segurança do envio: HOTELEITOS_API_URL usa http://" in checked.stdout
    unverified = {**env, "HOTELEITOS_API_URL": "https://10.255.255.1:9", "HOTELEITOS_API_VERIFY_TLS": "false"}
    config = run_cli("config", env=unverified, cwd=tmp_path)
    assert "Atenção: HOTELEITOS_API_VERIFY_TLS=false" in config.stdout
    once = run_cli("run", "--once", env={**unverified, "HOTELEITOS_API_RETRY_DEADLINE": "1"}, cwd=tmp_path)
    assert any(e["event"] == "api_transport_exposed" for e in events(once.stdout))
    with ScriptedReceiver() as receiver:
        local = run_cli("config", env={**env, "HOTELEITOS_API_URL": receiver.url}, cwd=tmp_path)
    assert "Atenção" not in local.stdout


def test_slow_start_is_not_mistaken_for_a_hang(pg_url: URL, tmp_path: Path, agents: list[Agent]) -> None:
    """A read that is merely slow (within its bound) is not cut: the census is delivered."""
    with ScriptedReceiver() as receiver:
        query = "SELECT s.* FROM (" + ONE_PATIENT + ") AS s, (SELECT pg_sleep(2)) AS z"
        env = env_for(pg_url, receiver.url, tmp_path, HOTELEITOS_SOURCE_QUERY_TIMEOUT="5")
        Path(env["HOTELEITOS_SOURCE_QUERY_FILE"]).write_text(query, encoding="utf-8")
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert wait_until(lambda: len(receiver.accepted) == 1, timeout=5)


def test_a_retry_after_of_superscript_two_is_an_ordinary_503(pg_url: URL, tmp_path: Path) -> None:
    """`Retry-After: ²` (UTF-8 on the wire) used to crash every cycle: now the census stays pending, the cycle says
    HTTP 503, and nothing is "falha inesperada"."""
    head = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: ²\r\n\r\n".encode()
    api = HostileApi(head)
    try:
        env = env_for(pg_url, api.url, tmp_path, HOTELEITOS_API_RETRY_DEADLINE="1")
        done = run_cli("run", "--once", env=env, cwd=tmp_path)
    finally:
        api.close()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "HTTP 503" in done.stdout and "1 pendente(s)" in done.stdout
    assert "inesperada" not in done.stdout + done.stderr


def test_an_html_2xx_without_text_html_is_not_a_delivery(pg_url: URL, tmp_path: Path) -> None:
    """A portal's page served as 200 without a Content-Type (or as text/plain): judged by its body, the census
    stays pending."""
    page = b"<!DOCTYPE html>\n<html><head><title>Acesso</title></head><body>Entre na rede</body></html>"
    for name, head in (
        ("none", f"HTTP/1.1 200 OK\r\nContent-Length: {len(page)}\r\n\r\n".encode()),
        ("plain", response("200 OK", "text/plain; charset=utf-8", page)[0]),
    ):
        api = HostileApi(head, page)
        try:
            done = run_cli("run", "--once", env=env_for(pg_url, api.url, tmp_path / name), cwd=tmp_path)
        finally:
            api.close()
        assert done.returncode == 1, name + done.stdout + done.stderr
        assert "algo entre o conector e a API respondeu" in done.stdout and "1 pendente(s)" in done.stdout, name


def test_outbox_show_escapes_the_api_s_control_characters(
    pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """A 400 whose body clears the screen and retitles the terminal: `outbox show` prints the escapes as text
    (`\\x1b`), keeps the answer's lines, and the terminal receives no control character."""
    hostile = b'{"erro": "campo\\tinvalido"}\n\x1b[2J\x1b]0;tomado\x07\xe2\x80\xaeoculto\r\nfim'
    receiver.add(status(400, body=hostile, Content_Type="application/json"))
    env = env_for(pg_url, receiver.url, tmp_path)
    assert run_cli("run", "--once", env=env, cwd=tmp_path).returncode == 1
    listing = run_cli("outbox", env=env, cwd=tmp_path)
    snapshot = next(line.split()[0] for line in listing.stdout.splitlines() if "rejeitado" in line)
    shown = run_cli("outbox", "show", snapshot, env=env, cwd=tmp_path).stdout
    assert "\\x1b[2J" in shown and "\\x07" in shown and "\\u202e" in shown
    assert not any(ord(char) < 32 and char != "\n" for char in shown), repr(shown)
    assert "\u202e" not in shown
    assert '{"erro": "campo\\tinvalido"}\n' in shown and "\nfim" in shown


def test_readyz_gives_the_real_next_try_while_a_refused_login_waits(
    mariadb_url: URL, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """Cycles every second with a wrong password: /readyz names the end of the login pause (about 60 s away), not
    the next cycle ("nova tentativa em 1 s" while no read will be tried for a minute)."""
    with mariadb_user(mariadb_url, "senha-certa-3", "*") as reader:
        env = env_for(reader.set(password="senha-errada-4"), receiver.url, tmp_path, HOTELEITOS_SCHEDULE="1s")
        agent = Agent(env, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: (agent.status("/readyz") or 0) == 503, timeout=20)
        time.sleep(2.5)  # a few paused cycles, each judging readiness anew
        body = agent.get("/readyz")
        assert agent.stop() == 0
    assert body is not None
    answer = body.json()
    assert 50 <= answer["next_try_in_seconds"] <= 60, answer
    assert any(f"nova tentativa em {answer['next_try_in_seconds']} s" in reason for reason in answer["reasons"]), answer
