"""The variables of the integrator hospitals run today, read as our settings (drop-in `.env`).

API_URL, API_TOKEN                     -> api.url, api.token
DB_DIALECT + DB_HOST/PORT/NAME/USER/PASS -> source.url (built by `connector.settings.urls.incumbent_url`)
DB_SCHEMA                              -> source.schema
ENABLED_INTEGRATIONS                   -> source.vendor (mv_mapa, wareline_mapa, sigho_mapa)
CRON_TIME                              -> schedule (6 fields, seconds first)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.settings.envfile import shown
from connector.settings.urls import INCUMBENT_DIALECTS, incumbent_url

INTEGRATIONS = {"mv_mapa": "mv", "wareline_mapa": "wareline", "sigho_mapa": "sigho"}
DATABASE_VARIABLES = ("DB_DIALECT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS")
VARIABLES = ("API_URL", "API_TOKEN", *DATABASE_VARIABLES, "DB_SCHEMA", "ENABLED_INTEGRATIONS", "CRON_TIME")


@dataclass
class Incumbent:
    """Settings found in the incumbent's variables, the variable behind each, and what is wrong with them
    (each problem with the setting it was meant for: a HOTELEITOS_* variable for it makes the problem moot)."""

    values: dict[str, Any] = field(default_factory=dict)
    names: dict[tuple[str, ...], str] = field(default_factory=dict)
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def put(self, path: tuple[str, str] | tuple[str], value: Any, variable: str) -> None:
        node = self.values
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        self.names[path] = variable


def incumbent_settings(environ: Mapping[str, str]) -> Incumbent:
    """Translate the incumbent's variables present in `environ`."""
    found = Incumbent()
    for variable, path in (
        ("API_URL", ("api", "url")),
        ("API_TOKEN", ("api", "token")),
        ("DB_SCHEMA", ("source", "schema")),
        ("CRON_TIME", ("schedule",)),
    ):
        if environ.get(variable):
            found.put(path, environ[variable], variable)
    integrations = environ.get("ENABLED_INTEGRATIONS", "").strip()
    if integrations:
        _vendor(found, integrations)
    dialect = environ.get("DB_DIALECT", "").strip().lower()
    if dialect:
        _database(found, environ, dialect)
    elif any(environ.get(v) for v in ("DB_HOST", "DB_NAME", "DB_USER")):
        found.problems.append(
            (
                ("source", "url"),
                "DB_DIALECT: obrigatório quando DB_HOST/DB_NAME/DB_USER são usados; valores: "
                + ", ".join(INCUMBENT_DIALECTS)
                + ".",
            )
        )
    return found


def _vendor(found: Incumbent, integrations: str) -> None:
    names = [n.strip().lower() for n in integrations.split(",") if n.strip()]
    vendors = [INTEGRATIONS[n] for n in names if n in INTEGRATIONS]
    if names == ["test"]:
        found.problems.append(
            (
                ("source", "vendor"),
                "ENABLED_INTEGRATIONS: 'test' é o modo de teste do integrador anterior e não lê censo; use mv_mapa, "
                "wareline_mapa ou sigho_mapa (para ver o conector funcionando sem banco: hoteleitos-connector demo).",
            )
        )
    elif len(vendors) != 1 or len(names) != 1:
        found.problems.append(
            (
                ("source", "vendor"),
                "ENABLED_INTEGRATIONS: informe exatamente uma integração entre mv_mapa, wareline_mapa e sigho_mapa "
                f"(um conector por sistema hospitalar); recebido: {shown(integrations)}.",
            )
        )
    else:
        found.put(("source", "vendor"), vendors[0], "ENABLED_INTEGRATIONS")


def _database(found: Incumbent, environ: Mapping[str, str], dialect: str) -> None:
    if dialect not in INCUMBENT_DIALECTS:
        found.problems.append(
            (
                ("source", "url"),
                f"DB_DIALECT: valor inválido {shown(dialect)}; use um de: {', '.join(INCUMBENT_DIALECTS)}.",
            )
        )
        return
    needed = ["DB_NAME"] if dialect == "sqlite" else ["DB_HOST", "DB_NAME", "DB_USER"]
    missing = [v for v in needed if not environ.get(v)]
    if missing:
        found.problems.append((("source", "url"), f"{', '.join(missing)}: obrigatório com DB_DIALECT={dialect}."))
        return
    port = environ.get("DB_PORT", "")
    if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        found.problems.append(
            (
                ("source", "url"),
                f"DB_PORT: valor inválido {shown(port)}; deve ser um número de porta de 1 a 65535 "
                "(ex.: 1521, 5432, 1433, 3306).",
            )
        )
        return
    url = incumbent_url(environ, dialect)
    behind = ", ".join(v for v in DATABASE_VARIABLES if environ.get(v))  # `config` names each one
    found.put(("source", "url"), url.render_as_string(hide_password=False), behind)
