"""What the settings groups share: how a problem is said, lists from commas, secrets given directly or in files."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# A secret's file is read as UTF-8; a byte-order mark (Windows Notepad's "UTF-8 with BOM") is not part of it.
FILE_ENCODING = "utf-8-sig"


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
        text = path.read_text(encoding=FILE_ENCODING).strip()
    except OSError as error:
        raise problem(f"não foi possível ler o arquivo {path} ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise problem(f"o arquivo {path} não está em UTF-8; salve-o como UTF-8.") from None
    if not text:
        raise problem(f"o arquivo {path} está vazio.")
    return path


def secret_value(value: SecretStr | None, file: Path | None) -> SecretStr | None:
    """The secret given directly, else the content of its `*_file` setting."""
    if value is None and file is not None:
        value = SecretStr(file.read_text(encoding=FILE_ENCODING).strip())
    if value is None or not value.get_secret_value().strip():
        return None
    return value


def read_query_file(path: Path) -> str:
    """The text of a SQL file the hospital supplies: UTF-8 (a byte-order mark allowed), else Windows-1252, the
    "ANSI" of Windows' Notepad in Brazil. `OSError` when it cannot be read, `ValueError` (in Portuguese) when it is
    neither or holds no statement."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = "\0"
    if "\0" in text:
        raise ValueError(
            f"o arquivo {path} não é um texto em UTF-8 nem em Windows-1252 (ANSI); salve-o como UTF-8 (no Bloco "
            "de Notas: Salvar como > Codificação UTF-8)."
        )
    if not text.strip():
        raise ValueError(f"o arquivo {path} está vazio; ele deve conter a consulta SQL.")
    return text


def _is_number(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_number(argument) for argument in typing.get_args(annotation))
    return False


def empty_path_is_none(value: Any) -> Any:
    """An empty text where a file or folder goes means none (`Path("")` would be the current folder)."""
    return None if isinstance(value, str) and not value.strip() else value


class Group(BaseModel):
    """A group of settings: strict keys, frozen, finite numbers only, and no true/false where a number goes
    (pydantic would take YAML's `port: true` as port 1)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(str(info.field_name))
        if isinstance(value, bool) and field is not None and _is_number(field.annotation):
            raise problem("deve ser um número, não true/false.")
        return value
