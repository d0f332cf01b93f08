"""Where settings come from, in priority order, and how a bad configuration reaches the operator.

    1. HOTELEITOS_* environment variables (then the same names in the .env file)
    2. the incumbent integrator's variables (API_URL, DB_DIALECT, ...), read when (1) lacks the setting
    3. the YAML file (HOTELEITOS_CONFIG, --config, or ./config.yaml when present)
    4. the defaults of `connector.settings`

Problems become one Portuguese line each, naming the variable or key to fix; never a value of a secret.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_settings import (
    DotEnvSettingsSource,
    EnvSettingsSource,
    SettingsError,
    YamlConfigSettingsSource,
)

from connector.errors import ConfigError
from connector.settings.envfile import MASK, cleaned, shown
from connector.settings.environment import (
    exclusive_problems,
    overridden_incumbent,
    read_dotenv,
    unset_when_empty,
    variable_problems,
    yaml_shape_problems,
)
from connector.settings.incumbent import VARIABLES, incumbent_settings
from connector.settings.model import Settings
from connector.settings.oracle import oracle_problems
from connector.settings.source import SourceSettings
from connector.settings.urls import check_url, safe_url, source_url

MAX_DEPTH = 8  # the deepest valid setting is 3 levels down (source.multi_empresa: [...])
SECRETS_WITH_FILES = (("api", "token"), ("source", "url"))
_REQUIRED = {
    ("api", "url"): "obrigatório: a URL base da API HOTELEITOS (ex.: https://api.hoteleitos.com.br); ou API_URL.",
    ("source", "vendor"): "obrigatório: {vendors} (ou ENABLED_INTEGRATIONS=mv_mapa, ...).",
}
_TEXTS = {
    "missing": "obrigatório.",
    "extra_forbidden": "chave desconhecida; confira a grafia em config.example.yaml.",
    "int_parsing": "deve ser um número inteiro.",
    "int_type": "deve ser um número inteiro.",
    "int_from_float": "deve ser um número inteiro.",
    "float_parsing": "deve ser um número.",
    "float_type": "deve ser um número.",
    "finite_number": "deve ser um número finito (não inf nem nan).",
    "bool_parsing": "deve ser true ou false.",
    "bool_type": "deve ser true ou false.",
    "string_type": "deve ser um texto.",
    "list_type": "deve ser uma lista (ou valores separados por vírgula).",
    "model_type": "deve ser um grupo de chaves (um mapa no YAML).",
    "dict_type": "deve ser um grupo de chaves (um mapa no YAML).",
    "path_type": "deve ser um caminho de arquivo.",
}


@dataclass
class Layers:
    """The raw values of each source, for validation and for `config` (where each value came from)."""

    sources: list[tuple[str, dict[str, Any]]]
    incumbent_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said at start, and by `config`

    def origin(self, path: tuple[str, ...]) -> str:
        for name, values in self.sources:
            node: Any = values
            for key in path:
                if not isinstance(node, Mapping) or key not in node:
                    break
                node = node[key]
            else:
                if name == "incumbent":
                    return f"variável do integrador {self.incumbent_names.get(path, '')}".strip()
                return name
        return "padrão"


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    """The YAML file to read: the one the operator named (it must exist), else ./config.yaml if present."""
    named = explicit or environ.get("HOTELEITOS_CONFIG")
    if named:
        return Path(named)
    default = Path("config.yaml")
    return default if default.is_file() else None


def gather(config: str | None = None, env_file: str | None = None) -> Layers:
    """Read every source without validating; problems of the sources themselves are collected."""
    problems: list[str] = []
    dotenv_path = Path(env_file) if env_file else Path(".env")
    if env_file and not dotenv_path.is_file():
        problems.append(f"--env-file: arquivo {dotenv_path} não encontrado.")
    dotenv, unreadable = read_dotenv(dotenv_path) if dotenv_path.is_file() else ({}, [])
    environ = {**dotenv, **cleaned(os.environ, VARIABLES, ("HOTELEITOS_",))}  # `docker run --env-file` comments
    problems += unreadable + variable_problems(environ)
    path = config_path(config, environ)
    yaml_values: dict[str, Any] = {}
    if path is not None and not path.is_file():
        problems.append(f"HOTELEITOS_CONFIG: arquivo {path} não encontrado.")
    elif path is not None:
        import yaml  # only with a YAML file: most containers are configured by environment alone

        invalid = f"{path}: YAML inválido; o arquivo deve ser UTF-8 e um mapa de chaves (veja config.example.yaml)."
        try:
            yaml_values = YamlConfigSettingsSource(Settings, yaml_file=path)() or {}
        except (yaml.YAMLError, OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
            where = getattr(error, "problem_mark", None)
            problems.append(invalid.replace("inválido;", f"inválido (linha {where.line + 1});") if where else invalid)
        except RecursionError:  # thousands of nested brackets: the parser's own recursion gives up
            problems.append(invalid.replace("inválido;", "inválido (aninhamento profundo demais);"))
        if not isinstance(yaml_values, dict):
            problems.append(invalid)
            yaml_values = {}
        elif _deeper_than(yaml_values, MAX_DEPTH):
            problems.append(invalid.replace("inválido;", "inválido (aninhamento profundo demais);"))
            yaml_values = {}
        problems += yaml_shape_problems(yaml_values, path)
    try:
        env_source = EnvSettingsSource(Settings)
        env_source.env_vars = unset_when_empty(cleaned(env_source.env_vars, (), ("HOTELEITOS_",)))
        env_values = env_source()
        # The .env file also holds the incumbent's variables: keep only what names our settings.
        from_dotenv = _from_dotenv(dotenv_path) if dotenv else {}
        dotenv_hoteleitos = {k: v for k, v in from_dotenv.items() if k in Settings.model_fields}
    except SettingsError:  # a group given as (broken) JSON: variable_problems names it
        if not any("grupo inteiro" in text for text in problems):
            problems.append("uma variável HOTELEITOS_* tem um valor que não pôde ser lido; confira as variáveis.")
        env_values, dotenv_hoteleitos = {}, {}
    incumbent = incumbent_settings(environ)
    ours = [env_values, dotenv_hoteleitos]
    problems += [text for path, text in incumbent.problems if not any(_has(layer, path) for layer in ours)]
    named = [("ambiente", env_values), (".env", dotenv_hoteleitos), (f"arquivo {path}", yaml_values)]
    problems += [text for where, layer in named for text in exclusive_problems(layer, where)]
    for layer in (*ours, incumbent.values, yaml_values):
        _secrets_claim_their_files(layer)
    return Layers(
        sources=[
            ("ambiente", env_values),
            (".env", dotenv_hoteleitos),
            ("incumbent", incumbent.values),
            (f"arquivo {path}", yaml_values),
        ],
        incumbent_names=incumbent.names,
        problems=problems,
        warnings=overridden_incumbent(ours, incumbent.values, incumbent.names),
    )


def _from_dotenv(path: Path) -> dict[str, Any]:
    source = DotEnvSettingsSource(Settings, env_file=path)
    source.env_vars = unset_when_empty(source.env_vars)
    return source()


def _deeper_than(node: Any, limit: int, seen: dict[tuple[int, int], bool] | None = None) -> bool:
    """Whether maps and lists nest more than `limit` levels in `node`. Each node is looked at once per level, so
    that YAML aliases repeating one node many times cost nothing more, and a node that holds itself is too deep."""
    children = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else None
    if children is None:
        return False
    if limit <= 0:
        return True
    seen = {} if seen is None else seen
    key = (id(node), limit)
    if key not in seen:
        seen[key] = True  # while looking: a way back to this node is a cycle
        seen[key] = any(_deeper_than(child, limit - 1, seen) for child in children)
    return seen[key]


def _has(values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = values
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _secrets_claim_their_files(layer: dict[str, Any]) -> None:
    """A layer that names a secret's file also sets the secret itself (to None, read from the file later), and a
    layer that gives the secret also sets its file (to None): a lower layer's token or URL never wins over a file
    given higher up, nor a lower layer's file over a token given higher up."""
    for group, key in SECRETS_WITH_FILES:
        values = layer.get(group)
        if not isinstance(values, dict):
            continue
        if values.get(f"{key}_file") and key not in values:
            values[key] = None
        elif values.get(key) and f"{key}_file" not in values:
            values[f"{key}_file"] = None


class Vendors(Protocol):
    """What the loader asks of the vendor adapters, a layer above the settings (`adapters.VENDORS`)."""

    def names(self) -> list[str]:
        """The valid values of HOTELEITOS_SOURCE_VENDOR."""
        ...

    def problems(self, source: SourceSettings) -> tuple[list[str], bool]:
        """The configured vendor's own problems, and whether a change probe can run for it; raises
        `pydantic.ValidationError` for a bad vendor option."""
        ...

    def options(self) -> dict[str, list[str]]:
        """Each vendor's own option keys."""
        ...


def load_settings(
    config: str | None = None, env_file: str | None = None, *, vendors: Vendors
) -> tuple[Settings, Layers]:
    """Validated settings, or `ConfigError` with every problem found."""
    layers = gather(config, env_file)
    merged: dict[str, Any] = {}
    for _name, values in reversed(layers.sources):
        _deep_merge(merged, values)
    if layers.problems:  # a source that could not be read makes every later "missing" misleading
        raise ConfigError(list(layers.problems))
    return validate(merged, layers, vendors), layers


def settings_from_values(values: Mapping[str, Any], *, vendors: Vendors) -> Settings:
    """Settings from these values and the defaults only (no environment, no file): the demo, the tests."""
    return validate(dict(values), Layers(sources=[("valores", dict(values))]), vendors)


def validate(values: dict[str, Any], layers: Layers, vendors: Vendors) -> Settings:
    """The settings these merged values make, checked by every layer that has a say: the settings model, the
    source layer (the database URL), the registry of vendors, and the configured vendor (its options, its needs).
    Raises `ConfigError` with one line per problem."""
    problems: list[str] = []
    settings = None
    try:
        settings = _Validated({"vendors": vendors.names(), "url_problem": check_url}, **values)
    except ValidationError as error:
        problems += [_describe(e, layers, vendors) for e in error.errors(include_url=False)]
    if settings is not None:
        try:
            own, has_probe = vendors.problems(settings.source)
            problems += own + probe_problems(settings, has_probe) + oracle_problems(settings.oracle, _backend(settings))
        except ValidationError as error:  # the vendor's own options
            problems += [
                _describe({**e, "loc": ("source", *e["loc"])}, layers, vendors, settings.source.vendor)
                for e in error.errors(include_url=False)
            ]
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def _backend(settings: Settings) -> str | None:
    url = settings.source.url
    return None if url is None else source_url(url.get_secret_value()).get_backend_name()


def probe_problems(settings: Settings, has_probe: bool) -> list[str]:
    """The change probe asked for where it cannot work: a vendor without probe.sql and no probe file, or a full
    read no rarer than the probe itself."""
    if settings.change_probe is None:
        return []
    problems = []
    vendor = settings.source.vendor
    if not has_probe:
        problems.append(
            f"HOTELEITOS_CHANGE_PROBE: o fornecedor {vendor} não tem sonda de mudança pronta (probe.sql); informe "
            "a sua em HOTELEITOS_SOURCE_PROBE_FILE (uma consulta barata à tabela de leitos; veja docs/operacao.md) "
            "ou desligue a sonda (HOTELEITOS_CHANGE_PROBE=off)."
        )
    if settings.full_read_every.nominal_interval <= settings.change_probe.nominal_interval:
        problems.append(
            f"HOTELEITOS_FULL_READ_EVERY: deve ser maior que HOTELEITOS_CHANGE_PROBE ({settings.change_probe}); "
            f"recebido: {settings.full_read_every}."
        )
    return problems


class _Validated(Settings):
    """Settings validated from the merged layers only (the sources were read by `gather`), with a validation
    context that carries the checks of the layers above the settings (see `validate`)."""

    def __init__(self, context: dict[str, Any] | None = None, /, **values: Any) -> None:
        type(self).__pydantic_validator__.validate_python(values, self_instance=self, context=context)


def _deep_merge(target: dict[str, Any], values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = {}
            _deep_merge(target[key], value)
        else:
            target[key] = value


def setting_label(path: tuple[str, ...], layers: Layers | None = None) -> str:
    """How the operator names a setting: its variable (incumbent one when it came from there) and YAML key."""
    keys = tuple(str(p) for p in path if not isinstance(p, int))
    if layers is not None and keys in layers.incumbent_names and layers.origin(keys).startswith("variável"):
        return layers.incumbent_names[keys]
    variable = "HOTELEITOS_" + "_".join(keys).upper()
    return f"{variable} ({'.'.join(keys)})" if keys else "configuração"


def _describe(error: Any, layers: Layers, vendors: Vendors, vendor: str | None = None) -> str:
    path = tuple(p for p in error["loc"] if not isinstance(p, int))
    kind = error["type"]
    if kind == "setting":
        text = error["msg"]
    elif kind == "missing" and path in _REQUIRED:
        text = _REQUIRED[path].format(vendors=", ".join(vendors.names()))
    elif kind == "extra_forbidden" and vendor is not None and len(path) == 2:
        text = _foreign_option(path[1], vendor, vendors.options())
    elif kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", "")).replace("'", "").replace(" or ", ", ")
        text = f"valor inválido; use um de: {expected}."
    elif kind.startswith(("greater_than", "less_than")):
        bound = next(iter(error.get("ctx", {}).values()), "?")
        relation = {
            "greater_than": "maior que",
            "greater_than_equal": "pelo menos",
            "less_than": "menor que",
            "less_than_equal": "no máximo",
        }[kind]
        text = f"deve ser {relation} {bound}."
    else:
        text = _TEXTS.get(kind, f"valor inválido ({kind}).")
    return f"{setting_label(path, layers)}: {_with_received(text, path, error.get('input'))}"


def _with_received(text: str, path: tuple[str, ...], value: Any) -> str:
    """The message with the value it refused, so that a stray quote or comment shows (secrets masked)."""
    if (
        not isinstance(value, str | int | float | Path)
        or isinstance(value, bool)
        or (str(value) and str(value) in text)
    ):
        return text
    if path == ("source", "url"):
        try:
            received = shown(safe_url(str(value)))
        except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse may still hold a password
            received = MASK
    else:
        received = shown(value, secret=path == ("api", "token"))
    return f"{text.removesuffix('.')} (recebido: {received})."


def _foreign_option(key: str, vendor: str, options: dict[str, list[str]]) -> str:
    """Why a key of `source:` is not accepted: another vendor's option, or a key nobody knows."""
    owners = [name for name, keys in options.items() if key in keys]
    if owners:
        return f"opção do fornecedor {', '.join(owners)}; não se aplica ao fornecedor {vendor}: remova-a."
    own = ", ".join(options.get(vendor, [])) or "nenhuma"
    return f"chave desconhecida; confira a grafia em config.example.yaml (opções do fornecedor {vendor}: {own})."


def flatten(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Leaf paths of a nested mapping."""
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from flatten(value, (*prefix, key))
        else:
            yield (*prefix, key), value
