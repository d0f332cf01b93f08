"""The incumbent integrator's variables build the same settings as ours (a drop-in `.env`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from connector.commands.configuration import load_settings
from connector.errors import ConfigError
from connector.settings import urls

pytestmark = pytest.mark.usefixtures("clean_env")
PASSWORD = "p@ss:w/rd%2F"
COMMON = {
    "API_URL": "https://api.hoteleitos.test",
    "API_TOKEN": "tok-123456",
    "DB_USER": "leitor",
    "DB_PASS": PASSWORD,
    "DB_HOST": "10.1.2.3",
    "DB_NAME": "PROD",
    "ENABLED_INTEGRATIONS": "mv_mapa",
    "CRON_TIME": "*/30 * * * * *",
}
EXPECTED_URLS = {
    "native_oracle": "oracle+oracledb://leitor:{p}@10.1.2.3:1521?service_name=PROD",
    "postgres": "postgresql+psycopg://leitor:{p}@10.1.2.3:5432/PROD",
    "native_postgres": "postgresql+psycopg://leitor:{p}@10.1.2.3:5432/PROD",
    "mysql": "mysql+pymysql://leitor:{p}@10.1.2.3:3306/PROD",
    "mariadb": "mariadb+pymysql://leitor:{p}@10.1.2.3:3306/PROD",
    "mssql": "mssql+pyodbc://leitor:{p}@10.1.2.3:1433/PROD?driver=FreeTDS&TrustServerCertificate=yes&TDS_Version=7.4",
}


@pytest.fixture(autouse=True)
def freetds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ODBC driver choice depends on the machine; fix it to the image's FreeTDS."""
    monkeypatch.setattr(urls, "odbc_driver", lambda: "FreeTDS")


def setenv(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("dialect", sorted(EXPECTED_URLS))
def test_each_dialect_gives_the_expected_url(monkeypatch: pytest.MonkeyPatch, dialect: str) -> None:
    """DB_* become one SQLAlchemy URL; the password survives @ : / % untouched."""
    setenv(monkeypatch, {**COMMON, "DB_DIALECT": dialect})
    settings, layers = load_settings()
    url = make_url(settings.source.url.get_secret_value())
    expected = make_url(EXPECTED_URLS[dialect].format(p="x"))
    assert url.set(password="x") == expected
    assert url.password == PASSWORD
    assert layers.origin(("source", "url")).startswith("variável do integrador")


def test_sqlite_dialect_uses_db_name_as_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DB_DIALECT=sqlite needs only DB_NAME."""
    setenv(
        monkeypatch,
        {
            "API_URL": COMMON["API_URL"],
            "API_TOKEN": "tok-123456",
            "ENABLED_INTEGRATIONS": "mv_mapa",
            "DB_DIALECT": "sqlite",
            "DB_NAME": str(tmp_path / "his.db"),
        },
    )
    settings, _ = load_settings()
    assert settings.source.url.get_secret_value() == f"sqlite:///{tmp_path / 'his.db'}"


def test_incumbent_env_equals_the_same_settings_written_our_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vendor, schema, schedule, API: the same Settings as with HOTELEITOS_* variables."""
    setenv(monkeypatch, {**COMMON, "DB_DIALECT": "postgres", "DB_SCHEMA": "DBAMV", "DB_PORT": "5433"})
    theirs, _ = load_settings()
    for key in (*COMMON, "DB_DIALECT", "DB_SCHEMA", "DB_PORT"):
        monkeypatch.delenv(key)
    encoded = quote(PASSWORD, safe="")
    url = f"postgresql+psycopg://leitor:{encoded}@10.1.2.3:5433/PROD"
    setenv(
        monkeypatch,
        {
            "HOTELEITOS_API_URL": COMMON["API_URL"],
            "HOTELEITOS_API_TOKEN": "tok-123456",
            "HOTELEITOS_SOURCE_VENDOR": "mv",
            "HOTELEITOS_SOURCE_URL": url,
            "HOTELEITOS_SOURCE_SCHEMA": "DBAMV",
            "HOTELEITOS_SCHEDULE": "*/30 * * * * *",
        },
    )
    ours, _ = load_settings()
    assert make_url(theirs.source.url.get_secret_value()) == make_url(ours.source.url.get_secret_value())
    assert theirs.model_dump(exclude={"source": {"url"}}) == ours.model_dump(exclude={"source": {"url"}})
    assert theirs.api.token == ours.api.token
    assert theirs.schedule.cron == ("*/30", "*", "*", "*", "*", "*")


@pytest.mark.parametrize(
    ("integration", "vendor"), [("mv_mapa", "mv"), ("wareline_mapa", "wareline"), ("sigho_mapa", "sigho")]
)
def test_enabled_integrations_choose_the_vendor(
    monkeypatch: pytest.MonkeyPatch, integration: str, vendor: str, tmp_path: Path
) -> None:
    """mv_mapa, wareline_mapa, sigho_mapa (Sigho with its SQL file)."""
    (tmp_path / "sigho.sql").write_text("SELECT 1", encoding="utf-8")
    setenv(
        monkeypatch,
        {
            **COMMON,
            "DB_DIALECT": "postgres",
            "ENABLED_INTEGRATIONS": integration,
            "HOTELEITOS_SOURCE_QUERY_FILE": str(tmp_path / "sigho.sql"),
        },
    )
    settings, _ = load_settings()
    assert settings.source.vendor == vendor


def test_hoteleitos_variables_win_over_incumbent_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """When both are present, HOTELEITOS_* is used."""
    setenv(
        monkeypatch,
        {**COMMON, "DB_DIALECT": "postgres", "HOTELEITOS_API_URL": "https://ours.test", "HOTELEITOS_SCHEDULE": "1m"},
    )
    settings, _ = load_settings()
    assert settings.api.url == "https://ours.test"
    assert settings.schedule.interval == 60


def test_dotenv_file_is_read_like_docker_compose(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    """A `.env` in the working directory, unquoted spaces and all, is read; the environment wins."""
    lines = [f"{k}={v}" for k, v in {**COMMON, "DB_DIALECT": "mssql", "DB_PORT": "14330"}.items()]
    (clean_env / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DB_PORT", "1444")
    settings, _ = load_settings()
    assert make_url(settings.source.url.get_secret_value()).port == 1444
    assert settings.schedule.cron == ("*/30", "*", "*", "*", "*", "*")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DB_DIALECT": "db2"}, "DB_DIALECT"),
        ({"DB_DIALECT": "postgres", "DB_HOST": ""}, "DB_HOST"),
        ({"DB_DIALECT": "postgres", "DB_PORT": "cinco"}, "DB_PORT"),
        ({"DB_DIALECT": "postgres", "ENABLED_INTEGRATIONS": "test"}, "ENABLED_INTEGRATIONS"),
        ({"DB_DIALECT": "postgres", "ENABLED_INTEGRATIONS": "mv_mapa,wareline_mapa"}, "ENABLED_INTEGRATIONS"),
        ({"DB_DIALECT": "postgres", "ENABLED_INTEGRATIONS": "sigho_mapa"}, "HOTELEITOS_SOURCE_QUERY_FILE"),
        ({"DB_DIALECT": "postgres", "CRON_TIME": "a cada 30s"}, "CRON_TIME"),
        ({"DB_DIALECT": ""}, "DB_DIALECT"),
    ],
)
def test_incumbent_mistakes_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    """The operator reads the name of the variable they wrote, never its password."""
    setenv(monkeypatch, {**COMMON, **variables})
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert any(line.startswith(named) for line in caught.value.problems), caught.value.problems
    assert all(PASSWORD not in line for line in caught.value.problems)


def test_secret_files_win_over_lower_layers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HOTELEITOS_*_FILE beats API_TOKEN / DB_* and a token left in config.yaml."""
    (tmp_path / "token").write_text("do-arquivo-123", encoding="utf-8")
    (tmp_path / "url").write_text("postgresql://arquivo@db:5432/his", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("api: {token: cole-aqui-o-token}\n", encoding="utf-8")
    setenv(
        monkeypatch,
        {
            **COMMON,
            "DB_DIALECT": "postgres",
            "HOTELEITOS_CONFIG": str(tmp_path / "c.yaml"),
            "HOTELEITOS_API_TOKEN_FILE": str(tmp_path / "token"),
            "HOTELEITOS_SOURCE_URL_FILE": str(tmp_path / "url"),
        },
    )
    settings, layers = load_settings()
    assert settings.api.token.get_secret_value() == "do-arquivo-123"
    assert settings.source.url.get_secret_value() == "postgresql://arquivo@db:5432/his"
    assert layers.origin(("api", "token")) == "ambiente"


def test_incumbent_mistakes_are_moot_when_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An old .env left in test mode does not block a connector configured with HOTELEITOS_* variables."""
    (tmp_path / "censo.sql").write_text("SELECT 1", encoding="utf-8")
    setenv(
        monkeypatch,
        {
            **COMMON,
            "ENABLED_INTEGRATIONS": "test",
            "DB_DIALECT": "db2",
            "HOTELEITOS_SOURCE_VENDOR": "custom",
            "HOTELEITOS_SOURCE_QUERY_FILE": str(tmp_path / "censo.sql"),
            "HOTELEITOS_SOURCE_URL": "mysql+pymysql://u:p@h/db",
        },
    )
    settings, _ = load_settings()
    assert settings.source.vendor == "custom"
