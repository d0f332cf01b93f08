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
from typing import Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BaseModel
from sqlalchemy.exc import ArgumentError

from connector.settings.envfile import shown
from connector.settings.model import Settings
from connector.settings.urls import source_url

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


# Settings whose empty value is itself a documented value, different from leaving them out.
EMPTY_IS_A_VALUE = frozenset({"hoteleitos_api_auth_scheme", "hoteleitos_change_probe"})


def unset_when_empty(variables: Mapping[str, str | None]) -> dict[str, str | None]:
    """The variables without the empty ones: `HOTELEITOS_SOURCE_SCHEMA=` (a compose file's `${SCHEMA}` with
    nothing behind it) leaves the setting to the next source (DB_SCHEMA, the YAML file, the default). Only an
    empty HOTELEITOS_API_AUTH_SCHEME (send the bare token) and HOTELEITOS_CHANGE_PROBE (off) say something."""
    return {
        name: value
        for name, value in variables.items()
        if (value is not None and value.strip()) or name.lower() in EMPTY_IS_A_VALUE
    }


def exclusive_problems(values: Mapping[str, Any], where: str) -> list[str]:
    """A secret and the file that holds it, both given in one source: which one is meant is a guess."""
    problems = []
    for group, key in (("api", "token"), ("source", "url")):
        given = values.get(group)
        if isinstance(given, Mapping) and _given(given.get(key)) and _given(given.get(f"{key}_file")):
            name = f"{PREFIX}{group.upper()}_{key.upper()}"
            problems.append(
                f"{name} e {name}_FILE ({where}): informe só um dos dois, o valor ou o arquivo que o contém."
            )
    return problems


def _given(value: Any) -> bool:
    return value is not None and bool(str(value).strip())


def overridden_incumbent(
    ours: list[dict[str, Any]], incumbent: Mapping[str, Any], names: Mapping[tuple[str, ...], str]
) -> list[str]:
    """One line per setting given both by a HOTELEITOS_* variable and, differently, by the incumbent's variables:
    ours wins, and the operator is told which one is ignored (secrets by name only)."""
    warnings = []
    for path, variable in names.items():
        theirs = _at(incumbent, path)
        secret = path in (("api", "token"), ("source", "url"))
        name, mine = f"{PREFIX}{'_'.join(path).upper()}", None
        for layer in ours:
            if secret and _given(_at(layer, (*path[:-1], f"{path[-1]}_file"))):  # the file's text is unknown yet
                name, mine = f"{name}_FILE", "(arquivo)"
                break
            if (mine := _at(layer, path)) is not None:
                break
        if mine is None or theirs is None or (mine != "(arquivo)" and _same(path, mine, theirs)):
            continue
        values = "" if secret else f" ({name}={shown(mine)}, {variable}={shown(theirs)})"
        warnings.append(
            f"{name} e {variable} (do integrador anterior) dizem coisas diferentes{values}; vale {name} e "
            f"{variable} é ignorada. Remova uma das duas."
        )
    return warnings


def _at(values: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _same(path: tuple[str, ...], mine: Any, theirs: Any) -> bool:
    if path == ("source", "url"):
        try:
            return bool(source_url(str(mine)) == source_url(str(theirs)))
        except (ArgumentError, ValueError):  # a URL that does not parse is refused by its own check
            return False
    return str(mine).strip().casefold() == str(theirs).strip().casefold()
