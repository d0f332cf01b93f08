"""What the settings groups share: how a problem is said, lists from commas, secrets given directly or in files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic_core import PydanticCustomError


def problem(message: str) -> PydanticCustomError:
    """A configuration problem in Portuguese; `connector.settings.loader` prefixes the setting's name."""
    return PydanticCustomError("setting", "{message}", {"message": message})


def split_list(value: Any) -> Any:
    """A comma-separated text (an environment variable) as a list; lists (YAML) pass as they are."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def readable_secret_file(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise problem(f"não foi possível ler o arquivo {path} ({error.strerror}).") from None
    if not text:
        raise problem(f"o arquivo {path} está vazio.")
    return path


def secret_value(value: SecretStr | None, file: Path | None) -> SecretStr | None:
    """The secret given directly, else the content of its `*_file` setting."""
    if value is None and file is not None:
        value = SecretStr(file.read_text(encoding="utf-8").strip())
    if value is None or not value.get_secret_value().strip():
        return None
    return value


class Group(BaseModel):
    """A group of settings: strict keys, frozen, finite numbers only."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False)
