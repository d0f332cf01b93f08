"""The environment and the `.env` file, read strictly: every problem becomes a Portuguese line, never a traceback
nor a warning in English, and nothing is silently dropped.

- a `.env` that is not UTF-8 or cannot be read, and each malformed line in it (by line number: the line may
  hold a password);
- `HOTELEITOS_*` variables that name no setting (`HOTELEITOS_SCHEDULLE`): ignoring them would run the agent on
  a default the operator believes changed;
- a whole group in one variable (`HOTELEITOS_API='{"url": ...}'`): one variable per key, or the YAML file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BaseModel

from connector.settings.model import Settings

PREFIX = "HOTELEITOS_"
OTHER_VARIABLES = frozenset({"HOTELEITOS_CONFIG"})  # read by the loader itself, not a setting


def read_dotenv(path: Path) -> tuple[dict[str, str], list[str]]:
    """The variables of a `.env` file, or the problems that make it unusable (then no variable at all: half a
    file would run the agent on a mix nobody wrote)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return {}, [
            f"{path}: o arquivo .env não está em UTF-8 (byte inválido na posição {error.start}); salve-o como "
            "UTF-8 (no Bloco de Notas: Salvar como > Codificação UTF-8)."
        ]
    except OSError as error:
        return {}, [f"{path}: não foi possível ler o arquivo .env ({error.strerror or type(error).__name__})."]
    malformed = [binding.original.line for binding in parse_stream(io.StringIO(text)) if binding.error]
    if malformed:
        return {}, [
            f"{path}, linha {line}: linha malformada; escreva NOME=valor (valores com espaços ou # entre aspas)."
            for line in malformed
        ]
    values = dotenv_values(stream=io.StringIO(text))
    return {key: value for key, value in values.items() if value is not None}, []


def _groups() -> dict[str, type[BaseModel]]:
    return {
        f"{PREFIX}{name.upper()}": info.annotation
        for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }


def _plain() -> set[str]:
    return {f"{PREFIX}{name.upper()}" for name in Settings.model_fields} - set(_groups()) | OTHER_VARIABLES


def variable_problems(environ: Mapping[str, str]) -> list[str]:
    """One line per `HOTELEITOS_*` variable that names no setting, or that holds a whole group."""
    groups, plain = _groups(), _plain()
    known = sorted(plain | {f"{group}_{key.upper()}" for group, model in groups.items() for key in model.model_fields})
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in plain:
            continue
        if upper in groups:
            keys = ", ".join(f"{upper}_{key.upper()}" for key in list(groups[upper].model_fields)[:2])
            problems.append(
                f"{name}: um grupo inteiro numa variável (JSON) não é aceito; use uma variável por chave ({keys}, "
                "...) ou o arquivo YAML."
            )
        elif not any(upper.startswith(f"{group}_") for group in groups):
            close = get_close_matches(upper, known, n=1)
            hint = f"; quis dizer {close[0]}?" if close else ""
            problems.append(f"{name}: variável desconhecida{hint} Confira a grafia em config.example.yaml ou remova-a.")
    return problems


def yaml_shape_problems(values: Mapping[str, object], path: Path) -> list[str]:
    """A group of the YAML file written as a single value (`api: 5`): a problem even when the environment
    gives every key of that group, so that a broken file never goes unnoticed."""
    return [
        f"{PREFIX}{key.upper()} ({key}) em {path}: deve ser um grupo de chaves (um mapa no YAML), não um valor."
        for key in values
        if f"{PREFIX}{key.upper()}" in _groups() and not isinstance(values[key], Mapping | None)
    ]
