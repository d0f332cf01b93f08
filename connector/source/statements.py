"""Every statement the connector sends to a hospital's database is a file under `queries/`, read here.

    queries/<vendor>/    census.sql, probe.sql and their fragments, read by the vendor's adapter
    queries/<dialect>/   session.sql (each new connection), transaction.sql (each read), catalog look-ups

`queries/` sits beside the `connector` and `adapters` packages wherever they are: the repository, an editable
install, the wheel (installed into site-packages beside them) and the image. A dialect that lacks a file takes it
from the next folder of its chain (MariaDB: mariadb/, mysql/, ansi/).

Placeholders a DBA can read in the files: `$schema.` (the vendor's schema, or nothing), `$<name>` in session
statements (values from the settings, checked to be plain: letters, digits and `/+:.-`); a statement whose
placeholder has no value is not sent. Everything else is bound (`:name`) by the driver.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

QUERIES = Path(__file__).resolve().parents[2] / "queries"
CHAINS: dict[str, tuple[str, ...]] = {
    "postgresql": ("postgresql", "ansi"),
    "mysql": ("mysql", "ansi"),
    "mariadb": ("mariadb", "mysql", "ansi"),
    "mssql": ("mssql", "ansi"),
    "oracle": ("oracle",),
    "firebird": ("firebird",),
    "sqlite": ("sqlite",),
}
_COMMENT_OR_STRING = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING_OR_END = re.compile(r"'(?:[^']|'')*'|;")
PLACEHOLDER = re.compile(r"(?<![\w$])\$([a-z_]+)\b")
_PLAIN_VALUE = re.compile(r"[\w/+:.\-]+")


def queries_folder() -> Path:
    """The `queries/` folder; a clear error when an installation lacks it (the connector cannot run without it)."""
    if not QUERIES.is_dir():
        raise RuntimeError(
            f"pasta queries/ não encontrada em {QUERIES.parent}: a instalação está incompleta; reinstale o pacote "
            "ou a imagem hoteleitos-connector."
        )
    return QUERIES


def shown(path: Path) -> str:
    """How messages name a file of `queries/` (`queries/mv/census.sql`), wherever the folder is installed."""
    try:
        return "queries/" + path.relative_to(QUERIES).as_posix()
    except ValueError:
        return str(path)


def vendor_file(vendor: str, name: str) -> Path | None:
    """`queries/<vendor>/<name>`, None when the vendor has no such file."""
    path = queries_folder() / vendor / name
    return path if path.is_file() else None


def dialect_file(backend: str, name: str) -> Path:
    """The dialect's `name` (e.g. `columns.sql`), from the first folder of its chain that has it."""
    path = _find(backend, name)
    if path is None:
        raise LookupError(f"queries/: nenhum {name} para o banco {backend}")
    return path


def has_dialect_file(backend: str, name: str) -> bool:
    return _find(backend, name) is not None


@cache
def _find(backend: str, name: str) -> Path | None:
    for folder in CHAINS.get(backend, (backend,)):
        path = queries_folder() / folder / name
        if path.is_file():
            return path
    return None


@cache
def read(path: Path) -> str:
    """A file of `queries/` as written (read once per process)."""
    return path.read_text(encoding="utf-8")


def dialect_sql(backend: str, name: str, *, escape_colons: bool = True) -> str:
    """The one statement of a dialect file, comments stripped, ready for `text()` (or, without `escape_colons`, for
    the driver itself)."""
    return strip_comments(read(dialect_file(backend, name)), escape_colons=escape_colons)


def strip_comments(sql: str, *, escape_colons: bool = True) -> str:
    """The SQL without comments and trailing semicolons (drivers refuse both in odd ways).

    With `escape_colons` (SQL for SQLAlchemy's `text()`), a colon inside a string literal is escaped, so that
    `'10:30'` stays text and never becomes a parameter.
    """

    def keep(match: re.Match[str]) -> str:
        token = match.group(0)
        if not token.startswith("'"):
            return " "
        return token.replace(":", "\\:") if escape_colons else token

    return _COMMENT_OR_STRING.sub(keep, sql).strip().rstrip(";").strip()


def split(sql: str) -> list[str]:
    """The statements of a file of several, separated by `;` outside string literals, comments stripped."""
    text = strip_comments(sql, escape_colons=False)
    statements, start = [], 0
    for match in _STRING_OR_END.finditer(text):
        if match.group(0) == ";":
            statements.append(text[start : match.start()].strip())
            start = match.end()
    statements.append(text[start:].strip())
    return [statement for statement in statements if statement]


def render(statement: str, values: Mapping[str, str | None]) -> str | None:
    """The statement with its `$name` placeholders replaced; None when one of them has no value (not sent).

    An unknown placeholder is a mistake in the file, and a value that is not plain would change the statement:
    both raise `ValueError`.
    """
    names = PLACEHOLDER.findall(statement)
    for name in names:
        if name not in values:
            raise ValueError(f"marcador ${name} desconhecido em queries/")
        value = values[name]
        if value is None:
            return None
        if not _PLAIN_VALUE.fullmatch(value):
            raise ValueError(f"valor impróprio para ${name} em queries/")
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), statement)


def session_listing(backend: str, values: Mapping[str, str | None]) -> list[tuple[str, str | None]]:
    """Each statement of the dialect's `session.sql` as written and as sent (None: not sent); none without the file."""
    if not has_dialect_file(backend, "session.sql"):
        return []
    return [(statement, render(statement, values)) for statement in split(read(dialect_file(backend, "session.sql")))]


def session_statements(backend: str, values: Mapping[str, str | None]) -> list[str]:
    """The statements that set a new session up, rendered: those `session_listing` says are sent."""
    return [sent for _written, sent in session_listing(backend, values) if sent is not None]
