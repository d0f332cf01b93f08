"""Driver errors turned into operator messages that point at a fix.

Each backend's errors are recognised by their codes (SQLSTATE, ORA-, MySQL numbers) and then by
message patterns; Oracle's own refusals first (`connector.source.oracle_errors`), by their inner codes. The
driver's own text can hold data values (a conversion error quotes the value), so it never reaches a message:
only the codes and the names of tables and settings do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from connector.errors import SourceError
from connector.source.container import local_host_hint
from connector.source.oracle_errors import chain, codes, explain


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]


def _rules(*pairs: tuple[str, str]) -> list[_Rule]:
    return [_Rule(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in pairs]


# Checked in order against "code + driver message"; the first match wins.
_RULES = _rules(
    ("permission", r"no permission for"),  # Firebird: before "auth", as both carry SQLSTATE 28000
    (
        "auth",
        r"28P01|28000|ORA-01017|ORA-28000|\(1045|Login failed|password authentication failed|"
        r"role \".*\" does not exist|user name and password are not defined",
    ),
    (
        "unknown_database",
        r"3D000|\(1049|does not exist.*database|database \".*\" does not exist|I/O error during \"open\"",
    ),
    ("unknown_service", r"ORA-12514|ORA-12505|DPY-6001|DPY-6003"),
    (
        "timeout",
        r"57014|ORA-01013|DPY-4024|DPY-4011.*timed out|\((?:3024|1969)|HYT00|HY008|statement timeout|"
        r"max_statement_time|maximum statement execution time|canceling statement|operation was cancelled",
    ),
    (
        "unreachable",  # before the table rules: FreeTDS says a server it cannot reach "does not exist"
        r"ORA-12541|ORA-12170|ORA-12545|DPY-6005|\(2003|\(2005|08001|08S01|Connection refused|"
        r"could not connect|could not translate host name|timeout expired|Name or service not known|"
        r"unable to open database file|Unable to connect|No route to host|Adaptive Server is unavailable|"
        r"Unable to complete network request|connection rejected by remote interface",
    ),
    (
        "connection_lost",
        r"57P01|57P02|57P03|ORA-03113|ORA-03114|ORA-03135|DPY-4011|\(2013|\(2006|"
        r"server closed the connection|terminating connection|connection (?:was )?closed|"
        r"consuming input failed|Lost connection|connection shutdown|Error (?:reading|writing) data (?:from|to) the "
        r"connection",
    ),
    ("missing_column", r"42703|ORA-00904|\(1054|42S22|no such column|Invalid column name|Column unknown"),
    (
        "missing_table",
        r"42P01|3F000|ORA-00942|\(1146|42S02|no such table|Invalid object name|relation .* does not exist|"
        r"schema .* does not exist|doesn't exist|Table unknown",
    ),
    ("permission", r"42501|\(1142|permission denied|SELECT command denied|SELECT permission was denied"),
)


def _code(error: BaseException) -> str:
    """The driver's error code, for the log: SQLSTATE, a MySQL number, the class name, or every DPY-/ORA-/DPI-
    code of the error and of those it was raised during (an Oracle error nests several)."""
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return str(sqlstate)
    text = str(original or error)
    nested = [code for step in chain(original or error) for code in codes(str(step))]
    if nested:
        return " ".join(dict.fromkeys(nested))
    found = re.search(r"(ORA-\d{5}|DPY-\d{4}|\(\d{4}|\b[0-9A-Z]{5}\b(?=\]))", text)
    if found:
        return found.group(1).lstrip("(")
    return type(original or error).__name__


_QUOTED_NAME = r"['\"`\[][\w$#.]+['\"`\]](?:\.['\"`\[][\w$#]+['\"`\]])?"
_OBJECT_NAME = re.compile(
    rf"(?:relation|table|object|object name)\s+(?P<quoted>{_QUOTED_NAME})"
    r"|(?:for table|for relation|no such table:|access to (?:table|view)|Table unknown\W+)\s*(?P<bare>[\w$#.]+)",
    re.IGNORECASE,
)


def _object_name(text: str) -> str | None:
    """The table a driver message names (`relation "a.b"`, `table `db`.`t``, `for table t`), unquoted."""
    found = _OBJECT_NAME.search(text)
    if not found:
        return None
    return re.sub(r"[`'\"\[\]]", "", found.group("quoted") or found.group("bare"))


def translate(error: Exception, url: URL, sql: str) -> SourceError:
    """A `SourceError` with a Portuguese message and the likely fix for this driver error (a SQLAlchemy error, or
    the driver's own when it was raised outside SQLAlchemy's calls)."""
    original = getattr(error, "orig", None)
    code = _code(error)
    name = type(original or error).__name__
    detail = name if code == name else f"{name} {code}"
    if url.get_backend_name() == "oracle":
        explained = explain(original or error, url, detail)
        if explained is not None:
            return explained
    text = f"{code} {original or error}"
    kind = next((rule.kind for rule in _RULES if rule.pattern.search(text)), "query")
    if kind == "connection_lost" and not isinstance(error, DBAPIError):
        kind = "query"
    where = f"{url.get_backend_name()} em {url.host or url.database}"
    user = url.username or "usuário da integração"
    tables = referenced_tables(sql)
    table = _object_name(str(original or "")) if kind in ("missing_table", "permission") else None
    if table and "." not in table and url.get_backend_name() == "postgresql":
        # PostgreSQL names the table alone, and a GRANT without the schema would miss it: the query says which
        table = next((t for t in tables if t.lower().endswith("." + table.lower())), table)
    messages = {
        "auth": f"o banco ({where}) recusou o usuário '{user}' ou a senha; confira usuário e senha (DB_USER/DB_PASS "
        "ou a URL do banco) e se a conta não está bloqueada ou expirada.",
        "unknown_database": f"o banco '{url.database}' não existe em {where}; confira DB_NAME ou a URL.",
        "unknown_service": f"o servidor Oracle ({where}) não conhece o serviço nem o SID "
        f"'{url.query.get('service_name') or url.database or ''}'; confira DB_NAME com o DBA "
        "(lsnrctl status mostra os serviços).",
        "timeout": "a consulta do censo passou do tempo limite (HOTELEITOS_SOURCE_QUERY_TIMEOUT) e foi cancelada "
        "para não pesar no sistema hospitalar; verifique índices e carga do banco ou aumente o limite.",
        "missing_table": _grant_hint(
            f"tabela ou visão {table or 'do censo'} inexistente ou invisível para '{user}'",
            url,
            user,
            table,
            tables,
        ),
        "permission": _grant_hint(
            f"o usuário '{user}' não tem permissão de SELECT em {table or 'uma tabela'}",
            url,
            user,
            table,
            tables,
        ),
        "missing_column": "a consulta usa uma coluna que não existe neste banco; confira a versão do sistema "
        "hospitalar ou ajuste o arquivo de consulta (HOTELEITOS_SOURCE_QUERY_FILE).",
        "connection_lost": f"a conexão com o banco ({where}) caiu durante a leitura; o censo deste ciclo foi "
        "descartado e será lido de novo no próximo.",
        "unreachable": f"não foi possível conectar ao banco ({where}, porta {url.port or 'padrão'}); confira "
        "DB_HOST/DB_PORT, se o servidor está no ar e se o firewall libera o acesso a partir deste servidor."
        + local_host_hint(url.host),
        "query": "o banco recusou a consulta do censo; rode `hoteleitos-connector check` e confira o arquivo SQL.",
    }
    return SourceError(messages[kind], kind=kind, detail=detail)


def referenced_tables(sql: str) -> list[str]:
    """Tables named after FROM/JOIN in a query (for messages about grants), in order, without repeats."""
    names = re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w$#]*(?:\.[A-Za-z_][\w$#]*)?)", sql, re.IGNORECASE)
    return list(dict.fromkeys(names))


def _grant_hint(what: str, url: URL, user: str, table: str | None, tables: list[str]) -> str:
    backend = url.get_backend_name()
    targets = [table] if table else tables[:1] or ["<tabela>"]
    grants = {
        "oracle": "GRANT SELECT ON {t} TO {u};",
        "postgresql": "GRANT USAGE ON SCHEMA {s} TO {u}; GRANT SELECT ON {t} TO {u};",
        "mssql": "GRANT SELECT ON {t} TO [{u}];",
        "mysql": "GRANT SELECT ON {t} TO '{u}'@'%';",
        "mariadb": "GRANT SELECT ON {t} TO '{u}'@'%';",
        "firebird": "GRANT SELECT ON {t} TO USER {u};",
    }
    grant = grants.get(backend)
    hint = f"{what}. Tabelas que o censo lê: {', '.join(tables) or 'as do arquivo de consulta'}."
    if grant:
        example = targets[0]
        schema = example.split(".")[0] if "." in example else "public"
        hint += " Peça ao DBA: " + grant.format(t=example, u=user, s=schema)
    return hint
