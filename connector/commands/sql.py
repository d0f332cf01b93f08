"""`sql`: every statement the connector will send to the hospital's database with the current configuration, as it
will be sent, for the DBA to read before granting access.

Each statement comes from a file under queries/ (or the hospital's own query file), rendered: the schema substituted,
the optional columns as the catalog shows them (when the database answers; otherwise it is said), bound parameters
listed with their values. Nothing is printed that is secret: the database URL without its password.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event

from adapters import adapter_for
from adapters.base import Adapter
from connector.commands.check import unquoted
from connector.errors import SourceError
from connector.settings import Settings
from connector.settings.urls import safe_url, source_url
from connector.source.catalog import columns_parameters
from connector.source.engine import SESSION, engine_for, session_values
from connector.source.fetch import inspect
from connector.source.statements import (
    PLACEHOLDER,
    dialect_file,
    dialect_sql,
    has_dialect_file,
    queries_folder,
    session_listing,
    shown,
)

DRIVER_NOTE = (
    "Além destas, o driver e o SQLAlchemy enviam instruções próprias, que não leem tabelas do sistema: início e fim "
    "de transação (BEGIN, COMMIT, ROLLBACK), a verificação da conexão antes de usá-la, as consultas de versão e de "
    "configuração da primeira conexão e, no PostgreSQL, o cursor da leitura (DECLARE ... CURSOR FOR <a consulta>, "
    "FETCH, CLOSE). A lista está em queries/README.md."
)


# Said of a date parameter: every date bound to a query is the capture date, which a read computes afresh.
CAPTURE_DATE_NOTE = " (a data de hoje no fuso do hospital, HOTELEITOS_TIMEZONE; cada leitura usa a data do seu dia)"


@dataclass(frozen=True)
class Listed:
    """One statement: what it is and when it runs, its file, its SQL as sent, its bound values."""

    when: str
    origin: str
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)
    sent: bool = True  # False: in the file, but not sent with this configuration or on this database (`note`)
    note: str = ""


def sql_command(settings: Settings, *, as_json: bool = False) -> int:
    """Print the statements (a listing a DBA reads, or JSON); 0 always: the listing stands even when the
    database cannot be reached, and says so."""
    adapter = adapter_for(settings.source)
    assert settings.source.url is not None
    url = source_url(settings.source.url.get_secret_value())
    reach, session = _reach(settings, adapter)
    listed = [
        *_session(url.get_backend_name(), session or _expected_session(settings, url.get_backend_name())),
        *_catalog(adapter, url.get_backend_name()),
        *_queries(settings, adapter),
        *_check(settings, adapter, url.get_backend_name()),
    ]
    head = {
        "vendor": adapter.name,
        "database": safe_url(url),
        "queries": str(queries_folder()),
        "reached": reach is None,
        "note": _layout_note(adapter) if reach is None else reach,
    }
    if as_json:
        statements = [asdict(item) for item in listed]
        print(json.dumps({**head, "statements": statements}, ensure_ascii=False, indent=2, default=_json_value))
        return 0
    print(f"Instruções que o conector envia ao banco do hospital: fornecedor {adapter.name} ({adapter.title}), banco "
          f"{head['database']}.")  # fmt: skip
    print(f"Arquivos em {head['queries']} (queries/README.md explica cada um). {head['note']}")
    previous = None
    for item in listed:
        if (item.when, item.origin) != previous:  # statements of one file that run together share a heading
            print(f"\n-- {item.when} — {item.origin}")
            previous = (item.when, item.origin)
        if item.note:
            print(f"-- {item.note}")
        for name, value in item.parameters.items():
            print(f"-- parâmetro :{name} = {_value(value)}" + (CAPTURE_DATE_NOTE if isinstance(value, date) else ""))
        print(f"{item.sql};" if item.sent else "\n".join(f"--   {line}" for line in item.sql.splitlines()))
    print(f"\n-- {DRIVER_NOTE}")
    return 0


def _reach(settings: Settings, adapter: Adapter) -> tuple[str | None, tuple[str, dict[str, str | None]] | None]:
    """Connect as `run` does and read the catalog as the first read does; the session values the connection used.
    Returns (None when the database answered, else why not; the session's dialect and values)."""
    engine = engine_for(settings.source, settings.timezone)
    seen: dict[str, tuple[str, dict[str, str | None]]] = {}
    event.listen(engine, "connect", lambda _dbapi, record: seen.update(session=record.info.get(SESSION)))
    try:
        if adapter.lookups(engine.url.get_backend_name()):
            adapter.discover(engine)
        else:
            inspect(engine, lambda _connection: None)
    except SourceError as error:
        return (
            f"O banco não respondeu ({error.message.rstrip('.')}): o schema e as colunas opcionais aparecem como o "
            "fornecedor os espera, sem o catálogo (colunas opcionais como ausentes); a preparação da sessão, com os "
            "valores da configuração.",
            None,
        )
    finally:
        engine.dispose()
    return None, seen.get("session")


def _expected_session(settings: Settings, backend: str) -> tuple[str, dict[str, str | None]]:
    return backend, session_values(settings.source.query_timeout, settings.timezone)


def _session(backend: str, session: tuple[str, dict[str, str | None]]) -> list[Listed]:
    dialect, values = session
    listed = []
    if has_dialect_file(dialect, "session.sql"):
        origin = shown(dialect_file(dialect, "session.sql"))
        for written, sent in session_listing(dialect, values):
            if sent is not None:
                listed.append(Listed("Sessão: a cada conexão nova", origin, sent))
                continue
            empty = ", ".join(f"${name}" for name in PLACEHOLDER.findall(written) if values.get(name) is None)
            note = f"não enviada com esta configuração ou neste banco: sem valor para {empty} (veja o arquivo)"
            listed.append(Listed("Sessão: a cada conexão nova", origin, written, sent=False, note=note))
    if has_dialect_file(backend, "transaction.sql"):
        origin = shown(dialect_file(backend, "transaction.sql"))
        sql = dialect_sql(backend, "transaction.sql", escape_colons=False)
        listed.append(Listed("Abertura de cada leitura (censo e sonda)", origin, sql))
    for name, why in _SESSION_LOOKUPS.items():
        if has_dialect_file(backend, name):
            origin = shown(dialect_file(backend, name))
            sql = dialect_sql(backend, name, escape_colons=False)
            listed.append(Listed(f"Sessão: a cada conexão nova ({why})", origin, sql))
    return listed


# What a new session asks of the database, besides setting it up: Oracle's password expiry
# (connector.source.oracle_account), Firebird's character set (connector.source.firebird).
_SESSION_LOOKUPS = {
    "password-expiry.sql": "aviso de senha perto de expirar",
    "database-charset.sql": "o conjunto de caracteres do banco",
}


def _catalog(adapter: Adapter, backend: str) -> list[Listed]:
    when = "Catálogo, na primeira leitura (e de novo se uma tabela sumir)"
    return [
        Listed(when, shown(dialect_file(backend, name)), _as_sent(sql), values)
        for name, sql, values in adapter.lookups(backend)
    ]


def _queries(settings: Settings, adapter: Adapter) -> list[Listed]:
    today = datetime.now(settings.tz).date()  # the capture date a read would bind now
    statement, values = adapter.statement("census", today)
    listed = [
        Listed(
            f"Censo: a cada leitura ({settings.schedule}); também no check (no máximo 20 linhas) e no preview",
            adapter.origin(),
            _as_sent(statement.text),
            values,
        )
    ]
    if adapter.has_probe():
        statement, values = adapter.statement("probe", today)
        probing = settings.change_probe is not None
        when = f"Sonda de mudança: a cada {settings.change_probe}" if probing else "Sonda de mudança"
        note = "" if probing else "desligada nesta configuração (HOTELEITOS_CHANGE_PROBE): não enviada"
        listed.append(Listed(when, adapter.origin("probe"), _as_sent(statement.text), values, probing, note))
    return listed


def _check(settings: Settings, adapter: Adapter, backend: str) -> list[Listed]:
    """What `check` asks the catalog about read permissions (nothing for the hospital's own query file)."""
    needs = adapter.needed(probe=settings.change_probe is not None)
    if not needs:
        return []
    listed = []
    if has_dialect_file(backend, "current-user.sql"):
        origin = shown(dialect_file(backend, "current-user.sql"))
        listed.append(
            Listed("Catálogo, só no check: o usuário conectado", origin, dialect_sql(backend, "current-user.sql"))
        )
    sql = dialect_sql(backend, "columns.sql")
    schema = unquoted(adapter.layout.schema if adapter.layout is not None else adapter.schema)
    origin = shown(dialect_file(backend, "columns.sql"))
    for values in columns_parameters(backend, sql, schema, list(needs)):
        listed.append(Listed("Catálogo, só no check: o que o usuário pode ler", origin, _as_sent(sql), values))
    return listed


def _as_sent(sql: str) -> str:
    """SQL for `text()` as the driver receives it: a colon escaped inside a string literal is a plain colon."""
    return sql.replace("\\:", ":")


def _value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_value(item) for item in value) + ")"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):  # a literal the DBA can paste: 2026-11-26 bare would be a subtraction
        return f"DATE '{value.isoformat()}'"
    return str(value)


def _json_value(value: Any) -> str:
    """A bound value JSON has no type for: a date (or timestamp) in ISO 8601."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _layout_note(adapter: Adapter) -> str:
    layout = adapter.layout
    if layout is None:
        return "Banco consultado."
    schema = f"schema {layout.schema} ({layout.found})" if layout.schema else "sem schema"
    columns = "; ".join(f"coluna opcional {name}: {'presente' if present else 'ausente'}"
                        for name, present in layout.columns.items())  # fmt: skip
    return f"Banco consultado: {schema}" + (f"; {columns}" if columns else "") + "."
