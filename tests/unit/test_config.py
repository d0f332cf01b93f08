"""Settings from YAML, environment and secret files; one clear line per configuration problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters import adapter_for, registry
from connector.commands.configuration import load_settings
from connector.errors import ConfigError
from connector.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

BASE_ENV = {
    "HOTELEITOS_API_URL": "https://api.example.test",
    "HOTELEITOS_API_TOKEN": "t0ken-secreto",
    "HOTELEITOS_SOURCE_VENDOR": "mv",
    "HOTELEITOS_SOURCE_URL": "postgresql://leitor:senha-db@10.0.0.5:5432/mv",
}


def setenv(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def problems(config: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return caught.value.problems


def model_keys(model: type, prefix: str = "") -> set[str]:
    keys = set()
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        key = info.alias or name
        annotation = info.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            keys |= model_keys(annotation, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def yaml_keys(values: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in values.items():
        if isinstance(value, dict):
            keys |= yaml_keys(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def test_example_config_documents_every_setting_and_loads() -> None:
    """config.example.yaml has every key of the model and of its vendor's options, names every other vendor's
    options (commented out), and is itself a valid configuration."""
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    text = example.read_text(encoding="utf-8")
    vendor_options = {f"source.{key}" for key in registry()["mv"].Options.model_fields}
    assert yaml_keys(yaml.safe_load(text)) == model_keys(Settings) | vendor_options
    for adapter in registry().values():
        for key in adapter.Options.model_fields:
            assert f"  {key}:" in text or f"  # {key}:" in text, (adapter.name, key)
    settings, _ = load_settings(str(example))
    assert settings.source.vendor == "mv"
    assert settings.api.path == "/integracao/censo"


def test_every_setting_has_a_description() -> None:
    """The model is the documentation's source: no undocumented field."""

    def undocumented(model: type) -> list[str]:
        missing = []
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            if not info.description:
                missing.append(name)
            if isinstance(info.annotation, type) and hasattr(info.annotation, "model_fields"):
                missing += undocumented(info.annotation)
        return missing

    assert undocumented(Settings) == []
    for adapter in registry().values():
        assert undocumented(adapter.Options) == [], adapter.name
        assert all(not info.is_required() for info in adapter.Options.model_fields.values()), adapter.name


def test_environment_wins_over_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HOTELEITOS_* beats config.yaml; the file fills the rest."""
    (tmp_path / "config.yaml").write_text(
        "api: {url: 'https://from-file.test', token: file-token, path: /v2/censo}\n"
        "source: {vendor: mv, url: 'sqlite:///x.db', schema: MVFILE}\nschedule: 1m\n",
        encoding="utf-8",
    )
    setenv(monkeypatch, {"HOTELEITOS_API_URL": "https://from-env.test", "HOTELEITOS_SCHEDULE": "45s"})
    settings, layers = load_settings()
    assert settings.api.url == "https://from-env.test"
    assert settings.api.path == "/v2/censo"
    assert settings.source.db_schema == "MVFILE"
    assert settings.schedule.interval == 45
    assert layers.origin(("api", "url")) == "ambiente"
    assert layers.origin(("api", "path")).startswith("arquivo")
    assert layers.origin(("guard", "share")) == "padrão"


def test_secrets_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """*_FILE variables (Docker secrets) give the token and the database URL."""
    (tmp_path / "token").write_text("segredo-do-arquivo\n", encoding="utf-8")
    (tmp_path / "url").write_text("postgresql://u:p@db:5432/x\n", encoding="utf-8")
    env = {k: v for k, v in BASE_ENV.items() if k not in ("HOTELEITOS_API_TOKEN", "HOTELEITOS_SOURCE_URL")}
    setenv(
        monkeypatch,
        {
            **env,
            "HOTELEITOS_API_TOKEN_FILE": str(tmp_path / "token"),
            "HOTELEITOS_SOURCE_URL_FILE": str(tmp_path / "url"),
        },
    )
    settings, _ = load_settings()
    assert settings.api.token is not None and settings.api.token.get_secret_value() == "segredo-do-arquivo"
    assert settings.source.url is not None and settings.source.url.get_secret_value() == "postgresql://u:p@db:5432/x"


def test_every_missing_required_setting_is_named_at_once() -> None:
    """An empty configuration lists all four required settings, one line each."""
    found = problems()
    assert len(found) == 4
    for name in (
        "HOTELEITOS_API_URL",
        "HOTELEITOS_API_TOKEN",
        "HOTELEITOS_SOURCE_VENDOR",
        "HOTELEITOS_SOURCE_URL",
    ):
        assert sum(name in line for line in found) == 1, (name, found)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("HOTELEITOS_SOURCE_VENDOR", "salux", "HOTELEITOS_SOURCE_VENDOR"),
        ("HOTELEITOS_API_URL", "api.example.test", "HOTELEITOS_API_URL"),
        ("HOTELEITOS_SOURCE_URL", "not a url at all", "HOTELEITOS_SOURCE_URL"),
        ("HOTELEITOS_SOURCE_URL", "db2://u:senha-db@h/x", "HOTELEITOS_SOURCE_URL"),
        ("HOTELEITOS_SOURCE_QUERY_FILE", "/nao/existe.sql", "HOTELEITOS_SOURCE_QUERY_FILE"),
        ("HOTELEITOS_SCHEDULE", "*/30 * * *", "HOTELEITOS_SCHEDULE"),
        ("HOTELEITOS_SCHEDULE", "61 * * * * *", "HOTELEITOS_SCHEDULE"),
        ("HOTELEITOS_GUARD_SHARE", "1.5", "HOTELEITOS_GUARD_SHARE"),
        ("HOTELEITOS_HEALTH_PORT", "http", "HOTELEITOS_HEALTH_PORT"),
        ("HOTELEITOS_TIMEZONE", "Brasil/Recife", "HOTELEITOS_TIMEZONE"),
        ("HOTELEITOS_API_TIMEOUT", "5", "HOTELEITOS_API_TIMEOUT"),
    ],
)
def test_bad_values_name_the_setting_and_never_a_secret(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    """One Portuguese line naming the setting; neither the token nor the database password."""
    setenv(monkeypatch, {**BASE_ENV, variable: value})
    found = problems()
    assert len(found) == 1, found
    assert named in found[0]
    assert "t0ken-secreto" not in found[0] and "senha-db" not in found[0]


def test_unreadable_secret_file_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token file that cannot be read names the variable and the path."""
    env = {k: v for k, v in BASE_ENV.items() if k != "HOTELEITOS_API_TOKEN"}
    setenv(monkeypatch, {**env, "HOTELEITOS_API_TOKEN_FILE": "/run/secrets/nao-existe"})
    found = problems()
    assert any("HOTELEITOS_API_TOKEN_FILE" in line and "/run/secrets/nao-existe" in line for line in found)


def test_named_config_file_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOTELEITOS_CONFIG pointing nowhere is a problem, not a silent default."""
    setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_CONFIG": "/etc/nao-existe.yaml"})
    assert any("HOTELEITOS_CONFIG" in line for line in problems())


def test_broken_yaml_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A YAML syntax error points at its line."""
    setenv(monkeypatch, BASE_ENV)
    (tmp_path / "c.yaml").write_text("api:\n  url: [x\n", encoding="utf-8")
    found = problems(str(tmp_path / "c.yaml"))
    assert any("YAML inválido" in line and "linha" in line for line in found)


def test_lists_accept_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOTELEITOS_SOURCE_MULTI_EMPRESA=1,3 and ENCOUNTER_TYPES=i,u."""
    setenv(
        monkeypatch,
        {**BASE_ENV, "HOTELEITOS_SOURCE_MULTI_EMPRESA": "1,3", "HOTELEITOS_SOURCE_ENCOUNTER_TYPES": "i,u"},
    )
    settings, _ = load_settings()
    options = adapter_for(settings.source).options
    assert options.multi_empresa == [1, 3]  # type: ignore[attr-defined]
    assert options.encounter_types == ["I", "U"]  # type: ignore[attr-defined]


def test_derived_windows_follow_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry deadline: the interval capped at 60 s; readiness window: 3 intervals, at least 60 s."""
    setenv(monkeypatch, {**BASE_ENV, "HOTELEITOS_SCHEDULE": "5m"})
    settings, _ = load_settings()
    assert settings.retry_deadline == 60
    assert settings.ready_window == 900
    monkeypatch.setenv("HOTELEITOS_SCHEDULE", "10s")
    settings, _ = load_settings()
    assert settings.retry_deadline == 10
    assert settings.ready_window == 60


@pytest.mark.parametrize("content", [b"so uma frase\n", b"- uma\n- lista\n", "api: {url: 'ã'}".encode("latin-1")])
def test_yaml_that_is_not_a_mapping_or_not_utf8_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    """A scalar, a list or a Latin-1 file: one clear line, no traceback, nothing else reported."""
    setenv(monkeypatch, BASE_ENV)
    (tmp_path / "c.yaml").write_bytes(content)
    found = problems(str(tmp_path / "c.yaml"))
    assert len(found) == 1 and "YAML inválido" in found[0]


def test_token_and_ca_bundle_are_checked_at_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A token that cannot travel in a header and a CA file that is not PEM stop the start, naming the setting."""
    (tmp_path / "ca.pem").write_text("isto não é um certificado", encoding="utf-8")
    setenv(
        monkeypatch,
        {**BASE_ENV, "HOTELEITOS_API_TOKEN": "tokén\n", "HOTELEITOS_API_CA_BUNDLE": str(tmp_path / "ca.pem")},
    )
    found = problems()
    assert any(line.startswith("HOTELEITOS_API_TOKEN") and "cabeçalho HTTP" in line for line in found)
    assert any(line.startswith("HOTELEITOS_API_CA_BUNDLE") and "PEM" in line for line in found)
    assert all("tokén" not in line for line in found)
