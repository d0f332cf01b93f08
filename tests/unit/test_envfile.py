"""`.env` lines as `docker run --env-file` passes them (comments, quotes) read as compose reads them; every
refused value shown in its message, secrets masked."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from connector.commands.configuration import load_settings
from connector.errors import ConfigError
from connector.settings.envfile import cleaned, meant

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("native_postgres  # MV", "native_postgres"),
        ("native_postgres\t# MV", "native_postgres"),
        ("5432 # porta do banco", "5432"),
        ("senha#1", "senha#1"),
        ("abc  ", "abc"),
        ('"valor com # dentro"', "valor com # dentro"),
        ("'*/30 * * * * *'  # a cada 30 s", "*/30 * * * * *"),
        ("*/30 * * * * *  # a cada 30 s", "*/30 * * * * *"),
        ('"aspas sem fim', '"aspas sem fim'),
        ("# só comentário", "# só comentário"),
        ("", ""),
    ],
)
def test_meant_strips_an_unquoted_trailing_comment_and_quotes(raw: str, expected: str) -> None:
    """Only a blank followed by # starts a comment; quotes are removed as compose does; the rest stays."""
    assert meant(raw) == expected


def test_cleaned_touches_only_the_named_and_prefixed_variables() -> None:
    """Variables that are not ours pass as they are, comments included."""
    environ = {"DB_HOST": "10.0.0.5  # HIS", "HOTELEITOS_SCHEDULE": "1m # x", "PATH": "/bin # not ours"}
    assert cleaned(environ, ["DB_HOST"], ("HOTELEITOS_",)) == {
        "DB_HOST": "10.0.0.5",
        "HOTELEITOS_SCHEDULE": "1m",
        "PATH": "/bin # not ours",
    }


INCUMBENT_ENV_FILE = {
    "API_URL": "https://api.hoteleitos.test   # produção",
    "API_TOKEN": "tok-123456 # do portal",
    "DB_DIALECT": "native_postgres  # MV migrado para PostgreSQL",
    "DB_HOST": "10.1.2.3 # servidor do HIS",
    "DB_PORT": "5433  # porta",
    "DB_NAME": "PROD",
    "DB_USER": "leitor",
    "DB_PASS": "s3nha#forte  # senha do leitor",
    "ENABLED_INTEGRATIONS": "mv_mapa # MV",
    "CRON_TIME": "*/30 * * * * *  # a cada 30 s",
    "HOTELEITOS_TIMEZONE": '"America/Recife"  # PE',
}


def test_incumbent_env_file_with_comments_works_as_with_compose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each value as compose would read it: no comment reaches the URL, the token, the cron or the zone."""
    for key, value in INCUMBENT_ENV_FILE.items():
        monkeypatch.setenv(key, value)
    settings, layers = load_settings()
    url = make_url(settings.source.url.get_secret_value())
    assert (url.drivername, url.host, url.port, url.database) == ("postgresql+psycopg", "10.1.2.3", 5433, "PROD")
    assert url.password == "s3nha#forte"
    assert settings.api.url == "https://api.hoteleitos.test"
    assert settings.api.token is not None and settings.api.token.get_secret_value() == "tok-123456"
    assert settings.source.vendor == "mv"
    assert str(settings.schedule) == "*/30 * * * * *"
    assert settings.timezone == "America/Recife"
    assert layers.origin(("source", "url")) == (
        "variável do integrador DB_DIALECT, DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASS"
    )


def problems_for(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> list[str]:
    base = {
        "HOTELEITOS_API_URL": "https://api.example.test",
        "HOTELEITOS_API_TOKEN": "t0ken-secreto",
        "HOTELEITOS_SOURCE_VENDOR": "mv",
        "HOTELEITOS_SOURCE_URL": "postgresql://leitor:senha-db@10.0.0.5:5432/mv",
    }
    if any(k.startswith("DB_") for k in values):  # the incumbent's variables count only without ours
        del base["HOTELEITOS_SOURCE_URL"]
    if "ENABLED_INTEGRATIONS" in values:
        del base["HOTELEITOS_SOURCE_VENDOR"]
    for key, value in {**base, **values}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return caught.value.problems


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ({"HOTELEITOS_HEALTH_PORT": "http"}, "'http'"),
        ({"HOTELEITOS_LOG_LEVEL": "verbose  "}, "'verbose'"),
        ({"HOTELEITOS_API_BODY_FORMAT": "lista # JSON"}, "'lista'"),
        ({"HOTELEITOS_GUARD_SHARE": "1.5"}, "'1.5'"),
        ({"HOTELEITOS_SOURCE_URL": "db2://u:senha-db@h/x"}, "'db2://u:***@h/x'"),
        ({"HOTELEITOS_API_URL": "api.example.test"}, "'api.example.test'"),
        ({"HOTELEITOS_API_TOKEN": "t0ken-secreto\tcom tab"}, "***"),
        ({"DB_DIALECT": "oracle", "DB_HOST": "h", "DB_NAME": "n", "DB_USER": "u"}, "'oracle'"),
        ({"DB_DIALECT": "postgres", "DB_HOST": "h", "DB_NAME": "n", "DB_USER": "u", "DB_PORT": "5432a"}, "'5432a'"),
        ({"ENABLED_INTEGRATIONS": "mv,wareline_mapa"}, "'mv,wareline_mapa'"),
    ],
)
def test_invalid_value_messages_show_what_was_received(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], shown: str
) -> None:
    """The refused value appears in its line (the token as ***; a URL without its password)."""
    found = problems_for(monkeypatch, values)
    line = next((p for p in found if shown in p), None)
    assert line is not None, found
    assert "senha-db" not in " ".join(found) and "t0ken-secreto" not in " ".join(found)
