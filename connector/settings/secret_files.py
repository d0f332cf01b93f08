"""Secrets kept in files (`HOTELEITOS_API_TOKEN_FILE`, `HOTELEITOS_SOURCE_URL_FILE`: Docker and Kubernetes secrets)
read again when they change, so that a rotated token or password reaches a running agent without a restart.

A Kubernetes Secret mounted as a volume is updated in place by swapping a symbolic link: the path then leads to
another file (another inode, another modification time). Each look compares what the path leads to now with
what it led to at the last read; `SIGHUP` and a refused token force a read whatever the comparison says. A new
content is checked exactly as at start; one that would not pass is reported and the value in use is kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from connector.errors import ConfigError
from connector.settings.model import Settings
from connector.settings.urls import check_url, url_secrets

Stamp = tuple[int, int, int, int] | None


def _stamp(path: Path) -> Stamp:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size


@dataclass(frozen=True)
class Reread:
    """What a look at the secret files found: the settings with the new secrets (None when nothing changed) and
    the names of the settings whose secret changed (`HOTELEITOS_API_TOKEN_FILE`...)."""

    settings: Settings | None
    changed: tuple[str, ...] = ()


class SecretFiles:
    """The secret files of a `Settings`, and what each led to when it was last read."""

    def __init__(self, settings: Settings) -> None:
        self._stamps = {name: _stamp(path) for name, path in _files(settings).items()}

    def look(self, settings: Settings, *, force: bool = False) -> Reread:
        """Read again the files that changed (all of them with `force`); `ConfigError` naming the setting when a new
        content cannot be used (the settings in use stay as they are)."""
        changed: dict[str, Path] = {}
        for name, path in _files(settings).items():
            stamp = _stamp(path)
            if force or stamp != self._stamps.get(name):
                changed[name] = path
                self._stamps[name] = stamp
        if not changed:
            return Reread(None)
        try:
            fresh = _reread(settings, changed)
        except ValidationError as error:
            problems = [
                f"{_variable(str(e['loc'][0]))}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
            ]
            raise ConfigError(problems) from None
        names = tuple(n for n in changed if _secret(fresh, n) != _secret(settings, n))
        return Reread(fresh if names else None, names)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value these settings hold, for the logs to mask: the token and what of the database URL may be
    a secret (`connector.settings.urls.url_secrets`)."""
    values = [settings.api.token.get_secret_value()] if settings.api.token else []
    if settings.source.url is not None:
        values += url_secrets(settings.source.url.get_secret_value())
    return values


def _files(settings: Settings) -> dict[str, Path]:
    found = {
        "HOTELEITOS_API_TOKEN_FILE": settings.api.token_file,
        "HOTELEITOS_SOURCE_URL_FILE": settings.source.url_file,
    }
    return {name: path for name, path in found.items() if path is not None}


def _reread(settings: Settings, changed: dict[str, Path]) -> Settings:
    api, source = settings.api, settings.source
    if "HOTELEITOS_API_TOKEN_FILE" in changed:
        api = type(api).model_validate({**api.model_dump(by_alias=True), "token": None})
    if "HOTELEITOS_SOURCE_URL_FILE" in changed:
        values = {**source.model_dump(by_alias=True), "url": None}
        source = type(source).model_validate(values, context={"url_problem": check_url})
    return settings.model_copy(update={"api": api, "source": source})


def _secret(settings: Settings, name: str) -> str | None:
    value = settings.api.token if name == "HOTELEITOS_API_TOKEN_FILE" else settings.source.url
    return None if value is None else value.get_secret_value()


def _variable(field: str) -> str:
    return "HOTELEITOS_API_TOKEN_FILE" if field in ("token", "token_file") else "HOTELEITOS_SOURCE_URL_FILE"
