"""What the sources of settings mean when they are odd but not wrong: a token file with a byte-order mark, a query
file saved as "ANSI", an empty variable, a HOTELEITOS_* variable that contradicts the incumbent's, an empty folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters import adapter_for
from connector.commands.cli import main
from connector.commands.configuration import load_settings

pytestmark = pytest.mark.usefixtures("clean_env")

PASSWORD = "senha-db-987"
BASE_ENV = {
    "HOTELEITOS_API_URL": "https://api.example.test",
    "HOTELEITOS_API_TOKEN": "t0ken-secreto-xyz",
    "HOTELEITOS_SOURCE_VENDOR": "mv",
    "HOTELEITOS_SOURCE_URL": f"postgresql://leitor:{PASSWORD}@10.0.0.5:5432/mv",
}
INCUMBENT = {
    "API_URL": "https://api.example.test",
    "API_TOKEN": "t0ken-antigo-abc",
    "ENABLED_INTEGRATIONS": "mv_mapa",
    "DB_DIALECT": "postgres",
    "DB_HOST": "10.0.0.5",
    "DB_NAME": "mv",
    "DB_USER": "leitor",
    "DB_PASS": PASSWORD,
    "DB_SCHEMA": "DBAMV",
}


def setenv(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_a_token_file_with_a_byte_order_mark_gives_the_token_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Notepad's "UTF-8 with BOM": the mark is not part of the token (it was refused as a character that does not
    fit in a header)."""
    (tmp_path / "token").write_bytes(b"\xef\xbb\xbftok-com-bom-42\r\n")
    setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_API_TOKEN_FILE": str(tmp_path / "token")})
    monkeypatch.delenv("HOTELEITOS_API_TOKEN")
    settings, _ = load_settings()
    assert settings.api.token is not None and settings.api.token.get_secret_value() == "tok-com-bom-42"


def test_an_ansi_query_file_is_read_as_windows_1252(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A census SQL file saved as "ANSI" (Windows-1252) passes start-up and is read with its accents intact; a
    UTF-8 one with a byte-order mark loses only the mark."""
    sql = "SELECT 'INTERNAÇÃO – UTI' AS tipo_ocorrencia_descricao FROM atendimentos"
    (tmp_path / "ansi.sql").write_bytes(sql.encode("cp1252"))
    (tmp_path / "bom.sql").write_bytes(b"\xef\xbb\xbf" + sql.encode("utf-8"))
    for name in ("ansi.sql", "bom.sql"):
        setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_SOURCE_VENDOR": "custom",
                             "HOTELEITOS_SOURCE_QUERY_FILE": str(tmp_path / name)})  # fmt: skip
        settings, _ = load_settings()
        assert adapter_for(settings.source).raw_sql() == sql, name


def test_an_empty_variable_leaves_the_setting_to_the_next_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """`HOTELEITOS_SOURCE_SCHEMA=` (compose's `${SCHEMA}` with nothing behind it) keeps DB_SCHEMA; an empty token
    keeps API_TOKEN; empty numbers keep their defaults."""
    setenv(monkeypatch, {**INCUMBENT, "HOTELEITOS_SOURCE_SCHEMA": "", "HOTELEITOS_API_TOKEN": "",
                         "HOTELEITOS_HEALTH_PORT": "", "HOTELEITOS_SCHEDULE": "  "})  # fmt: skip
    settings, layers = load_settings()
    assert settings.source.db_schema == "DBAMV"
    assert layers.origin(("source", "schema")) == "variável do integrador DB_SCHEMA"
    assert settings.api.token is not None and settings.api.token.get_secret_value() == "t0ken-antigo-abc"
    assert settings.health.port == 8080 and str(settings.schedule) == "30s"


def test_empty_auth_scheme_and_change_probe_keep_their_documented_meaning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The two settings whose empty value is documented as a value: an empty scheme sends the bare token, an empty
    probe is off, even over a YAML file that sets them."""
    (tmp_path / "c.yaml").write_text("api: {auth_scheme: Token}\nchange_probe: 2s\n", encoding="utf-8")
    setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_CONFIG": str(tmp_path / "c.yaml"),
                         "HOTELEITOS_API_AUTH_SCHEME": "", "HOTELEITOS_CHANGE_PROBE": ""})  # fmt: skip
    settings, _ = load_settings()
    assert settings.api.auth_scheme == "" and settings.change_probe is None


def test_empty_log_and_state_folders_mean_their_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Empty HOTELEITOS_LOG_DIR / HOTELEITOS_STATE_DIR, or empty keys in YAML: logs on standard output only and
    the outbox in ./state, as config.example.yaml says; never the current folder."""
    setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_LOG_DIR": "", "HOTELEITOS_STATE_DIR": ""})
    settings, _ = load_settings()
    assert settings.log.dir is None and settings.state_dir == Path("state")
    (tmp_path / "c.yaml").write_text("log: {dir: ''}\nstate_dir: ''\napi: {ca_bundle: ''}\n", encoding="utf-8")
    monkeypatch.setenv("HOTELEITOS_CONFIG", str(tmp_path / "c.yaml"))
    settings, _ = load_settings()
    assert settings.log.dir is None and settings.state_dir == Path("state") and settings.api.ca_bundle is None


def test_a_hoteleitos_variable_that_contradicts_the_incumbent_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """HOTELEITOS_SOURCE_SCHEMA against DB_SCHEMA, HOTELEITOS_SOURCE_URL against DB_*: both names in a warning, ours
    wins; the URL's values are never shown. The same value twice is no conflict."""
    setenv(monkeypatch, {**INCUMBENT, "HOTELEITOS_SOURCE_SCHEMA": "OUTRO",
                         "HOTELEITOS_SOURCE_URL": f"postgresql://leitor:{PASSWORD}@10.0.0.99/mv",
                         "HOTELEITOS_API_URL": "https://api.example.test"})  # fmt: skip
    settings, layers = load_settings()
    assert settings.source.db_schema == "OUTRO"
    schema = next(w for w in layers.warnings if w.startswith("HOTELEITOS_SOURCE_SCHEMA e DB_SCHEMA"))
    assert "'OUTRO'" in schema and "'DBAMV'" in schema
    url = next(w for w in layers.warnings if w.startswith("HOTELEITOS_SOURCE_URL e DB_"))
    assert "DB_HOST" in url and PASSWORD not in url and "10.0.0" not in url
    assert not any("API_URL" in w for w in layers.warnings)
    assert main(["config"]) == 0
    assert "Atenção: HOTELEITOS_SOURCE_SCHEMA e DB_SCHEMA" in capsys.readouterr().out


def test_the_conflict_is_logged_when_the_agent_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command but `config` logs the conflict as `setting_overridden` (here `outbox`, which needs no
    database)."""
    setenv(monkeypatch, {**INCUMBENT, "HOTELEITOS_API_TOKEN_FILE": "token", "HOTELEITOS_LOG_FORMAT": "json"})
    Path("token").write_text("t0ken-novo", encoding="utf-8")
    assert main(["outbox"]) == 0
    err = capsys.readouterr().err
    assert '"setting_overridden"' in err and "HOTELEITOS_API_TOKEN_FILE e API_TOKEN" in err
