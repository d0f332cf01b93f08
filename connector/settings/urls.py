"""Database URLs: the stack's driver for each dialect, the checks a URL must pass, and the URL the incumbent's
DB_* variables describe.

DB_DIALECT + DB_HOST/PORT/NAME/USER/PASS -> a SQLAlchemy URL (credentials percent-encoded by SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from connector.settings.api import host_problem, length_problem

# The driver each dialect gets when the URL names none: the stack's own drivers.
DEFAULT_DRIVERS = {
    "oracle": "oracledb",
    "postgresql": "psycopg",
    "postgres": "psycopg",
    "mysql": "pymysql",
    "mariadb": "pymysql",
    "mssql": "pyodbc",
    "firebird": "firebird",  # firebird-driver (Firebird 3+), through sqlalchemy-firebird
}
# The incumbent's DB_DIALECT -> (SQLAlchemy driver name, default port)
INCUMBENT_DIALECTS: dict[str, tuple[str, int | None]] = {
    "native_oracle": ("oracle+oracledb", 1521),
    "postgres": ("postgresql+psycopg", 5432),
    "native_postgres": ("postgresql+psycopg", 5432),
    "mysql": ("mysql+pymysql", 3306),
    "mariadb": ("mariadb+pymysql", 3306),
    "mssql": ("mssql+pyodbc", 1433),
    "sqlite": ("sqlite", None),
}
# Query-string parameters that drivers take as credentials (`?password=` is as secret as the password).
SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "pass", "secret", "token", "access_token"})
ODBC_PREFERENCE = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server", "FreeTDS")


def source_url(url: str) -> URL:
    """The SQLAlchemy URL with the stack's driver filled in (`postgresql://` -> `postgresql+psycopg://`)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        backend = "postgresql" if backend == "postgres" else backend
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    if backend == "firebird" and "charset" not in parsed.query:
        # Without a connection charset Firebird hands text over untranslated (NONE); UTF8 makes the server
        # translate each column from its own charset (often WIN1252 on SPDATA bases).
        parsed = parsed.update_query_dict({"charset": "UTF8"})
    return parsed


def check_url(url: str) -> str | None:
    """Why this database URL cannot work (in Portuguese, without the URL itself), or None."""
    too_long = length_problem(url)
    if too_long:
        return too_long
    try:
        parsed = source_url(url)
    except (ArgumentError, ValueError):
        return "URL de banco inválida; formato: dialeto+driver://usuario:senha@servidor:porta/banco."
    if "@" in (parsed.host or ""):  # the password's tail would be taken for the host, and shown as one
        return (
            "a senha (ou o usuário) da URL do banco tem '@' sem codificação; escreva-o como %40 "
            "(ex.: senha p@ss vira p%40ss) ou use DB_PASS, que não precisa de codificação."
        )
    return _parts_problem(parsed)


def _parts_problem(parsed: URL) -> str | None:
    if parsed.host and host_problem(parsed.host):
        return host_problem(parsed.host)
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        return "porta do banco fora do intervalo 1-65535; confira a URL do banco (ou DB_PORT)."
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return (
            f"dialeto '{parsed.drivername}' desconhecido; use oracle+oracledb, postgresql+psycopg, "
            "mssql+pyodbc, mysql+pymysql, mariadb+pymysql, firebird+firebird ou sqlite."
        )
    if parsed.get_backend_name() != "sqlite" and not parsed.host:
        return "a URL do banco não informa o servidor (host)."
    return None


def ambiguous(url: str) -> bool:
    """Whether the URL holds more than one `@` after its scheme: where the credentials end is then a guess."""
    _, separator, rest = url.partition("://")
    return bool(separator) and rest.count("@") > 1


def masked_credentials(url: str) -> str:
    """The URL with everything between `://` and its last `@` masked: whatever part of it is the password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def safe_url(url: URL | str) -> str:
    """The URL without its password (nor a password given in its query string), for messages and `config`. A
    URL with a raw `@` in its password is masked from `://` to its last `@` (SQLAlchemy would split it at the
    first and show the rest of the password as the host)."""
    if isinstance(url, str) and ambiguous(url):
        return masked_credentials(url)
    parsed = make_url(url) if isinstance(url, str) else url
    hidden = {key: "MASKED" for key in parsed.query if key.lower() in SECRET_QUERY_KEYS}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True).replace("=MASKED", "=***")


def url_secrets(url: str) -> list[str]:
    """What of a database URL the log's redactor must hide wherever it appears: the URL, its password alone (a
    driver may echo it), passwords in its query string and, when a raw `@` makes the credentials a guess, all
    that may be the password."""
    values = [url]
    if ambiguous(url):
        credentials = url.partition("://")[2].rpartition("@")[0]
        values += [credentials, credentials.partition(":")[2]]
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return values
    values += [str(parsed.password)] if parsed.password else []
    for key, value in parsed.query.items():  # ?password=... is a password too
        if key.lower() in SECRET_QUERY_KEYS:
            values += list(value) if isinstance(value, tuple) else [value]
    return values


def odbc_driver() -> str:
    """Microsoft's ODBC driver when the hospital installed it, else FreeTDS (shipped in the image)."""
    try:
        import pyodbc

        installed = set(pyodbc.drivers())
    except ImportError:
        installed = set()
    return next((name for name in ODBC_PREFERENCE if name in installed), "FreeTDS")


def incumbent_url(environ: Mapping[str, str], dialect: str) -> URL:
    """The SQLAlchemy URL that the incumbent's DB_* variables describe (`dialect` is a key of INCUMBENT_DIALECTS)."""
    driver, default_port = INCUMBENT_DIALECTS[dialect]
    if dialect == "sqlite":
        return URL.create("sqlite", database=environ.get("DB_NAME"))
    port = environ.get("DB_PORT")
    host = environ.get("DB_HOST") or None
    if dialect == "mssql" and host and "\\" in host:
        # A named instance (server\INSTANCE): SQL Server Browser gives its port; appending one would miss it.
        port, default_port = None, None
    query: dict[str, str] = {}
    database: str | None = environ.get("DB_NAME")
    if dialect == "native_oracle":
        # DB_NAME holds a service name or an SID; the engine tries the other when the listener refuses one.
        query, database = {"service_name": database or ""}, None
    elif dialect == "mssql":
        name = odbc_driver()
        query = {"driver": name, "TrustServerCertificate": "yes"}
        if name == "FreeTDS":
            query["TDS_Version"] = "7.4"
    return URL.create(
        driver,
        username=environ.get("DB_USER") or None,
        password=environ.get("DB_PASS") or None,
        host=host,
        port=int(port) if port else default_port,
        database=database,
        query=query,
    )


def oracle_name_kind(text: str) -> str | None:
    """How an Oracle URL names the database (service name or SID) and what the engine does when the listener
    refuses that kind, for `config`; None for other databases."""
    url = source_url(text)
    if url.get_backend_name() != "oracle":
        return None
    service = url.query.get("service_name")
    if service:
        name, kind, other = str(service), "nome de serviço (service_name)", "SID"
    else:
        name, kind, other = str(url.database or ""), "SID", "nome de serviço"
    return (
        f"'{name}' é usado como {kind}; se o listener o recusar, o conector tenta como {other} e passa a usar o "
        "que foi aceito (o `check` diz qual)."
    )
