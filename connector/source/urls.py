"""Database URLs: the stack's driver for each dialect, the checks a URL must pass, and the URL the incumbent's
DB_* variables describe.

DB_DIALECT + DB_HOST/PORT/NAME/USER/PASS -> a SQLAlchemy URL (credentials percent-encoded by SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

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
    try:
        parsed = source_url(url)
    except (ArgumentError, ValueError):
        return "URL de banco inválida; formato: dialeto+driver://usuario:senha@servidor:porta/banco."
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


def safe_url(url: URL | str) -> str:
    """The URL without its password, for messages and `config`."""
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


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
        host=environ.get("DB_HOST") or None,
        port=int(port) if port else default_port,
        database=database,
        query=query,
    )
