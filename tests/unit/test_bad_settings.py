"""Every bad configuration we know of exits 2 with one Portuguese line per problem naming what to fix: no
traceback, no English, no secret, nothing silently ignored. Run through the command line's own entry point."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import certifi
import pytest

from connector.commands.cli import main

pytestmark = pytest.mark.usefixtures("clean_env")

TOKEN, DB_PASSWORD = "t0ken-secreto-xyz", "senha-db-987"
BASE_ENV = {
    "HOTELEITOS_API_URL": "https://api.example.test",
    "HOTELEITOS_API_TOKEN": TOKEN,
    "HOTELEITOS_SOURCE_VENDOR": "mv",
    "HOTELEITOS_SOURCE_URL": f"postgresql://leitor:{DB_PASSWORD}@10.0.0.5:5432/mv",
}
INCUMBENT = {
    "API_URL": "https://api.example.test",
    "API_TOKEN": TOKEN,
    "ENABLED_INTEGRATIONS": "mv_mapa",
    "DB_DIALECT": "postgres",
    "DB_HOST": "10.0.0.5",
    "DB_PORT": "5432",
    "DB_NAME": "mv",
    "DB_USER": "leitor",
    "DB_PASS": DB_PASSWORD,
}
ENGLISH = ("Traceback", "Input should", "error parsing", "Field required", "could not parse", "Logging error")


@dataclass(frozen=True)
class Bad:
    """One bad configuration: variables set (None removes one), files written, what the message must name."""

    names: str
    env: dict[str, str | None] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=lambda: BASE_ENV)
    dotenv: bytes | None = None
    yaml: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # written in the working folder before the run


def bad(names: str, base: dict[str, str] | None = None, **env: str | None) -> Bad:
    return Bad(names, env, base if base is not None else BASE_ENV)


NUMBERS = [
    bad("HOTELEITOS_API_CONNECT_TIMEOUT", HOTELEITOS_API_CONNECT_TIMEOUT=value)
    for value in ("inf", "nan", "-1", "0", "1e309", "abc", "1e9")
] + [
    bad("HOTELEITOS_API_READ_TIMEOUT", HOTELEITOS_API_READ_TIMEOUT="inf"),
    bad("HOTELEITOS_API_READ_TIMEOUT", HOTELEITOS_API_READ_TIMEOUT="1e12"),
    bad("HOTELEITOS_API_RETRY_DEADLINE", HOTELEITOS_API_RETRY_DEADLINE="inf"),
    bad("HOTELEITOS_API_RETRY_DEADLINE", HOTELEITOS_API_RETRY_DEADLINE="1e15"),
    bad("HOTELEITOS_API_AUTH_RETRY_INTERVAL", HOTELEITOS_API_AUTH_RETRY_INTERVAL="nan"),
    bad("HOTELEITOS_API_AUTH_RETRY_INTERVAL", HOTELEITOS_API_AUTH_RETRY_INTERVAL="1e20"),
    bad("HOTELEITOS_SOURCE_CONNECT_TIMEOUT", HOTELEITOS_SOURCE_CONNECT_TIMEOUT="inf"),
    bad("HOTELEITOS_SOURCE_QUERY_TIMEOUT", HOTELEITOS_SOURCE_QUERY_TIMEOUT="1e30"),
    bad("HOTELEITOS_SOURCE_QUERY_TIMEOUT", HOTELEITOS_SOURCE_QUERY_TIMEOUT="-5"),
    bad("HOTELEITOS_SOURCE_AUTH_RETRY_MAX", HOTELEITOS_SOURCE_AUTH_RETRY_MAX="inf"),
    bad("HOTELEITOS_GUARD_SHARE", HOTELEITOS_GUARD_SHARE="1.5"),
    bad("HOTELEITOS_GUARD_SHARE", HOTELEITOS_GUARD_SHARE="nan"),
    bad("HOTELEITOS_GUARD_MIN", HOTELEITOS_GUARD_MIN="0"),
    bad("HOTELEITOS_GUARD_MIN", HOTELEITOS_GUARD_MIN="2.5"),
    bad("HOTELEITOS_GUARD_CONFIRMATIONS", HOTELEITOS_GUARD_CONFIRMATIONS="99999999999999999999"),
    bad("HOTELEITOS_OUTBOX_MAX_COUNT", HOTELEITOS_OUTBOX_MAX_COUNT="-3"),
    bad("HOTELEITOS_OUTBOX_MAX_AGE_HOURS", HOTELEITOS_OUTBOX_MAX_AGE_HOURS="inf"),
    bad("HOTELEITOS_OUTBOX_MAX_MEGABYTES", HOTELEITOS_OUTBOX_MAX_MEGABYTES="1e300"),
    bad("HOTELEITOS_OUTBOX_READY_MAX_PENDING", HOTELEITOS_OUTBOX_READY_MAX_PENDING="0"),
    bad("HOTELEITOS_HEALTH_PORT", HOTELEITOS_HEALTH_PORT="70000"),
    bad("HOTELEITOS_HEALTH_PORT", HOTELEITOS_HEALTH_PORT="-1"),
    bad("HOTELEITOS_HEALTH_PORT", HOTELEITOS_HEALTH_PORT="80.5"),
    bad("HOTELEITOS_HEALTH_READY_WINDOW", HOTELEITOS_HEALTH_READY_WINDOW="inf"),
    bad("HOTELEITOS_HEALTH_READY_WINDOW", HOTELEITOS_HEALTH_READY_WINDOW="0"),
    bad("HOTELEITOS_LOG_MAX_MEGABYTES", HOTELEITOS_LOG_MAX_MEGABYTES="inf"),
    bad("HOTELEITOS_LOG_MAX_MEGABYTES", HOTELEITOS_LOG_MAX_MEGABYTES="1e30"),
    bad("HOTELEITOS_LOG_BACKUPS", HOTELEITOS_LOG_BACKUPS="0"),
    bad("HOTELEITOS_LOG_BACKUPS", HOTELEITOS_LOG_BACKUPS="100000000"),
]
SCHEDULES = [
    bad("HOTELEITOS_SCHEDULE", HOTELEITOS_SCHEDULE=value)
    for value in ("0s", "99999999999h", "inf", "1e400s", "* * *", "61 * * * *", "0 0 31 2 *", "30x", "-30s")
] + [bad("CRON_TIME", INCUMBENT, CRON_TIME="*/30 * * * * * *"), bad("CRON_TIME", INCUMBENT, CRON_TIME="toda hora")]
AUTH = [
    bad("HOTELEITOS_API_AUTH_HEADER", HOTELEITOS_API_AUTH_HEADER="X Api Key"),
    bad("HOTELEITOS_API_AUTH_HEADER", HOTELEITOS_API_AUTH_HEADER="X/Key"),
    bad("HOTELEITOS_API_AUTH_HEADER", HOTELEITOS_API_AUTH_HEADER="Autorização"),
    bad("HOTELEITOS_API_AUTH_HEADER", HOTELEITOS_API_AUTH_HEADER="X-Key:"),
    bad("HOTELEITOS_API_AUTH_SCHEME", HOTELEITOS_API_AUTH_SCHEME="Portadoração"),
    bad("HOTELEITOS_API_AUTH_SCHEME", HOTELEITOS_API_AUTH_SCHEME="Bea rer"),
    bad("HOTELEITOS_API_AUTH_SCHEME", HOTELEITOS_API_AUTH_SCHEME="B\u0435arer"),
    bad("HOTELEITOS_API_TOKEN", HOTELEITOS_API_TOKEN="tok en\n"),
    bad("HOTELEITOS_API_TOKEN", HOTELEITOS_API_TOKEN="tökén"),
    bad("HOTELEITOS_API_TOKEN", HOTELEITOS_API_TOKEN=""),
    bad("HOTELEITOS_API_TOKEN_FILE", HOTELEITOS_API_TOKEN=None, HOTELEITOS_API_TOKEN_FILE="/run/secrets/nada"),
    bad("HOTELEITOS_API_CA_BUNDLE", HOTELEITOS_API_CA_BUNDLE="/etc/nao-existe.pem"),
    bad("HOTELEITOS_API_CA_BUNDLE", HOTELEITOS_API_CA_BUNDLE=certifi.where(), HOTELEITOS_API_VERIFY_TLS="false"),
]
URLS = [
    bad("HOTELEITOS_API_URL", HOTELEITOS_API_URL=value)
    for value in (
        "ftp://api.example.test",
        "https://api.example.test:99999",
        "https://api.example.test:0",
        "https://",
        "https://api example.test",
        "http://[::1",
        "api.example.test",
        "https://user:pw@api.example.test",
        "https://api.example.test/?x=1",
    )
] + [
    bad("HOTELEITOS_API_PATH", HOTELEITOS_API_PATH="/censo com espaço"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@x@10.0.0.5/mv"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@10.0.0.5:99999/mv"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@10.0.0.5:5432²/mv"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL="isto não é url"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"db2://u:{DB_PASSWORD}@h/x"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL="postgresql:///mv"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=""),
    bad("HOTELEITOS_SOURCE_URL_FILE", HOTELEITOS_SOURCE_URL=None, HOTELEITOS_SOURCE_URL_FILE="/run/secrets/nada"),
]
INCUMBENTS = [
    bad("DB_PORT", INCUMBENT, DB_PORT="5432²"),
    bad("DB_PORT", INCUMBENT, DB_PORT="70000"),
    bad("DB_PORT", INCUMBENT, DB_PORT="0"),
    bad("DB_PORT", INCUMBENT, DB_PORT="abc"),
    bad("DB_PORT", INCUMBENT, DB_PORT="-5432"),
    bad("DB_DIALECT", INCUMBENT, DB_DIALECT="db2"),
    bad("DB_DIALECT", {k: v for k, v in INCUMBENT.items() if k != "DB_DIALECT"}),
    bad("DB_USER", INCUMBENT, DB_USER=None),
    bad("ENABLED_INTEGRATIONS", INCUMBENT, ENABLED_INTEGRATIONS="test"),
    bad("ENABLED_INTEGRATIONS", INCUMBENT, ENABLED_INTEGRATIONS="mv_mapa,wareline_mapa"),
    bad("ENABLED_INTEGRATIONS", INCUMBENT, ENABLED_INTEGRATIONS="tasy_mapa"),
    bad("API_URL", INCUMBENT, API_URL="api sem esquema"),
]
OTHERS = [
    bad("HOTELEITOS_SOURCE_VENDOR", HOTELEITOS_SOURCE_VENDOR="tasyx"),
    bad("HOTELEITOS_SOURCE_SCHEMA", HOTELEITOS_SOURCE_SCHEMA="DBAMV; drop"),
    bad("HOTELEITOS_SOURCE_QUERY_FILE", HOTELEITOS_SOURCE_QUERY_FILE="/nao/existe.sql"),
    bad("HOTELEITOS_SOURCE_MULTI_EMPRESA", HOTELEITOS_SOURCE_MULTI_EMPRESA="abc"),
    bad("HOTELEITOS_SOURCE_NAO_EXISTE", HOTELEITOS_SOURCE_NAO_EXISTE="1"),
    bad("HOTELEITOS_TIMEZONE", HOTELEITOS_TIMEZONE="Marte/Olimpo"),
    bad("HOTELEITOS_LOG_FORMAT", HOTELEITOS_LOG_FORMAT="xml"),
    bad("HOTELEITOS_LOG_LEVEL", HOTELEITOS_LOG_LEVEL="verbose"),
    bad("HOTELEITOS_API_BODY_FORMAT", HOTELEITOS_API_BODY_FORMAT="csv"),
    bad("HOTELEITOS_GUARD_ENABLED", HOTELEITOS_GUARD_ENABLED="talvez"),
    bad("HOTELEITOS_API_VERIFY_TLS", HOTELEITOS_API_VERIFY_TLS="talvez"),
    bad("HOTELEITOS_API_URLL", HOTELEITOS_API_URLL="https://x.test"),
    bad("HOTELEITOS_CONFIG", HOTELEITOS_CONFIG="/etc/nao-existe.yaml"),
]
VARIABLES = [
    bad("HOTELEITOS_SCHEDULLE", HOTELEITOS_SCHEDULLE="30s"),
    bad("HOTELEITOS_STATEDIR", HOTELEITOS_STATEDIR="/tmp/x"),
    bad("HOTELEITOS_TIMEZONES", HOTELEITOS_TIMEZONES="America/Recife"),
    bad("HOTELEITOS_SCHEDULE_X", HOTELEITOS_SCHEDULE_X="1"),
    bad("HOTELEITOS_API", HOTELEITOS_API='{"url": "https://x.test"}'),
    bad("HOTELEITOS_API", HOTELEITOS_API="{isto não é json"),
    bad("HOTELEITOS_GUARD", HOTELEITOS_GUARD='{"min": 3}'),
    bad("HOTELEITOS_SOURCE", HOTELEITOS_SOURCE="[1, 2]"),
]
DOTENV = [
    Bad(".env", base={}, dotenv=b"HOTELEITOS_API_URL=https://api.example.test\nAPI_TOKEN=t\xe3o\n"),
    Bad(".env, linha 2", base=BASE_ENV, dotenv=b"A=1\nisto nao e uma linha\nB=2\n"),
    Bad(".env, linha 1", base=BASE_ENV, dotenv=b"export = x\n"),
    Bad(".env, linha 3", base=BASE_ENV, dotenv=b"A=1\nB=2\nC='sem fim\n"),
    Bad("HOTELEITOS_SCHEDULLE", base=BASE_ENV, dotenv=b"HOTELEITOS_SCHEDULLE=30s\n"),
    Bad("HOTELEITOS_API", base=BASE_ENV, dotenv=b'HOTELEITOS_API={"url": "https://x.test"}\n'),
    Bad("DB_PORT", base={}, dotenv=b"\n".join(f"{k}={v}".encode() for k, v in {**INCUMBENT, "DB_PORT": "1e3"}.items())),
]
YAML = [
    Bad("HOTELEITOS_SCHEDULE", yaml="schedule: {interval: 30}\n"),
    Bad("HOTELEITOS_SCHEDULE", yaml="schedule: [30s]\n"),
    Bad("HOTELEITOS_SCHEDULE", yaml="schedule: true\n"),
    Bad("HOTELEITOS_SCHEDULE", yaml="schedule: {text: '30s', interval: 30}\n"),
    Bad("YAML inválido", yaml="- uma\n- lista\n"),
    Bad("YAML inválido", yaml="api: [x\n"),
    Bad("HOTELEITOS_API", yaml="api: 5\n"),
    Bad("HOTELEITOS_SCHEDULLE", yaml="schedulle: 30s\n"),
    Bad("HOTELEITOS_HEALTH_PORT", yaml="health: {port: .inf}\n"),
    Bad("HOTELEITOS_GUARD_SHARE", yaml="guard: {share: .nan}\n"),
    Bad("HOTELEITOS_API_READ_TIMEOUT", yaml="api: {read_timeout: 1.0e+400}\n"),
    Bad("HOTELEITOS_API_AUTH_HEADER", yaml="api: {auth_header: ''}\n"),
]
PROBE = [
    bad("HOTELEITOS_CHANGE_PROBE", HOTELEITOS_CHANGE_PROBE=value) for value in ("*/2 * * * * *", "0.5s", "abc", "-2s")
] + [
    bad("HOTELEITOS_FULL_READ_EVERY", HOTELEITOS_CHANGE_PROBE="2s", HOTELEITOS_FULL_READ_EVERY="nunca"),
    bad("HOTELEITOS_FULL_READ_EVERY", HOTELEITOS_CHANGE_PROBE="10s", HOTELEITOS_FULL_READ_EVERY="5s"),
    bad("HOTELEITOS_SOURCE_PROBE_FILE", HOTELEITOS_CHANGE_PROBE="2s", HOTELEITOS_SOURCE_VENDOR="tasy"),
    bad("HOTELEITOS_SOURCE_PROBE_FILE", HOTELEITOS_SOURCE_PROBE_FILE="/nao/existe.sql"),
    Bad("HOTELEITOS_CHANGE_PROBE", yaml="change_probe: {every: 2}\n"),
    Bad("HOTELEITOS_FULL_READ_EVERY", yaml="full_read_every: true\n"),
]
LONG = "a" * 100_000


def with_file(names: str, env: dict[str, str | None], name: str, content: bytes) -> Bad:
    return Bad(names, env, files={name: content})


CUSTOM_SQL = {"HOTELEITOS_SOURCE_VENDOR": "custom", "HOTELEITOS_SOURCE_QUERY_FILE": "c.sql"}
SETTLED = [  # each of these once started, or ended in "falha inesperada"
    with_file("HOTELEITOS_API_TOKEN_FILE", {"HOTELEITOS_API_TOKEN_FILE": "token"}, "token", b"outro"),
    with_file("HOTELEITOS_SOURCE_URL_FILE", {"HOTELEITOS_SOURCE_URL_FILE": "url"}, "url", b"sqlite:///x.db"),
    Bad("HOTELEITOS_API_TOKEN_FILE", yaml="api: {token: abc-123, token_file: token}\n", files={"token": b"outro"}),
    with_file(
        "HOTELEITOS_API_TOKEN_FILE",
        {"HOTELEITOS_API_TOKEN": None, "HOTELEITOS_API_TOKEN_FILE": "token"},
        "token",
        "tok-utf16".encode("utf-16"),
    ),
    bad("HOTELEITOS_SOURCE_QUERY_FILE", **{**CUSTOM_SQL, "HOTELEITOS_SOURCE_QUERY_FILE": "/proc/self/mem"}),
    with_file("HOTELEITOS_SOURCE_QUERY_FILE", CUSTOM_SQL, "c.sql", b"SELECT \x81\x00\x9d FROM t"),
    with_file("HOTELEITOS_SOURCE_QUERY_FILE", CUSTOM_SQL, "c.sql", b" \n\n"),
    with_file("HOTELEITOS_SOURCE_PROBE_FILE", {"HOTELEITOS_SOURCE_PROBE_FILE": "p.sql"}, "p.sql", b"\xff\xfeS\x00"),
    bad("HOTELEITOS_API_URL", HOTELEITOS_API_URL=f"https://{LONG}.test"),
    bad("HOTELEITOS_API_URL", HOTELEITOS_API_URL=f"https://api.example.test/{LONG}"),
    bad("HOTELEITOS_API_URL", HOTELEITOS_API_URL=f"https://{'a' * 64}.example.test"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@{LONG}/mv"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@10.0.0.5/{LONG}"),
    bad("HOTELEITOS_SOURCE_URL", HOTELEITOS_SOURCE_URL=f"postgresql://leitor:{DB_PASSWORD}@{'h' * 70}.local/mv"),
    Bad("YAML inválido (aninhamento profundo demais)", yaml="api: " + "[" * 20_000 + "\n"),
    Bad("YAML inválido (aninhamento profundo demais)", yaml="source: {x: " + "[" * 20 + "]" * 20 + "}\n"),
    Bad("YAML inválido (aninhamento profundo demais)", yaml="outra: &laco [1, *laco]\n"),
    Bad("HOTELEITOS_HEALTH_PORT", yaml="health: {port: true}\n"),
    Bad("HOTELEITOS_API_CONNECT_TIMEOUT", yaml="api: {connect_timeout: false}\n"),
    Bad("HOTELEITOS_GUARD_MIN", yaml="guard: {min: true}\n"),
    Bad("HOTELEITOS_HEALTH_READY_WINDOW", yaml="health: {ready_window: true}\n"),
]
CASES = NUMBERS + SCHEDULES + AUTH + URLS + INCUMBENTS + OTHERS + VARIABLES + DOTENV + YAML + PROBE + SETTLED


@pytest.fixture(autouse=True)
def keep_umask() -> Iterator[None]:
    """The command narrows the process umask; the test suite's own files keep theirs."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def run_config(case: Bad, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    for key, value in {**case.base, **case.env}.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    if case.dotenv is not None:
        (tmp_path / ".env").write_bytes(case.dotenv)
    if case.yaml is not None:
        (tmp_path / "config.yaml").write_text(case.yaml, encoding="utf-8")
    for name, content in case.files.items():
        (tmp_path / name).write_bytes(content)
    status = main(["config"])
    output = capsys.readouterr()
    assert status == 2, output.out + output.err
    return output.err


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03}-{c.names}" for i, c in enumerate(CASES)])
def test_bad_configuration_exits_2_with_a_clear_line(
    case: Bad, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2; each problem one line, in Portuguese, the culprit named; no traceback, no English, no secret."""
    err = run_config(case, monkeypatch, tmp_path, capsys)
    lines = err.splitlines()
    assert lines[0] == "Configuração inválida; corrija e rode de novo:", err
    problems = lines[1:]
    assert problems and all(line.startswith("  - ") and len(line) > 20 for line in problems), err
    assert any(case.names in line for line in problems), err
    assert not any(word in err for word in ENGLISH), err
    assert TOKEN not in err and DB_PASSWORD not in err


def test_the_table_is_the_audit_s_size() -> None:
    """The table holds at least the 97 kinds of bad configuration the audit tried."""
    assert len(CASES) >= 97


def test_unreadable_dotenv_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --env-file that exists but cannot be read (an I/O error) is one line, not a traceback."""
    for key, value in BASE_ENV.items():
        monkeypatch.setenv(key, value)
    assert main(["--env-file", "/proc/self/mem", "config"]) == 2
    err = capsys.readouterr().err
    assert "/proc/self/mem: não foi possível ler o arquivo .env" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "url", ["http://[::1]:8080", "https://[2001:db8::10]", "https://api.example.test:8443/v1", "http://10.0.0.9"]
)
def test_valid_api_urls_are_accepted(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """IPv6 in brackets, a port, a base path: all valid."""
    for key, value in {**BASE_ENV, "HOTELEITOS_API_URL": url}.items():
        monkeypatch.setenv(key, value)
    assert main(["config"]) == 0, capsys.readouterr().err
    assert url in capsys.readouterr().out


@pytest.mark.parametrize("tail", ["host/mv", "host:5432/mv", "host:5432²/mv", "h@st/mv"])
def test_a_password_with_a_raw_at_sign_is_never_shown_in_part(
    tail: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`Senha@2024!Seguro` unencoded: the message masks everything between `://` and the last `@` (SQLAlchemy
    splits at the first `@` and would show `2024!Seguro` as the host)."""
    for key, value in {**BASE_ENV, "HOTELEITOS_SOURCE_URL": f"postgresql://leitor:Senha@2024!Seguro@{tail}"}.items():
        monkeypatch.setenv(key, value)
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "HOTELEITOS_SOURCE_URL" in err
    for piece in ("Senha", "2024", "Seguro", "leitor"):
        assert piece not in err, err
