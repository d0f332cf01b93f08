"""Text and time as the HIS stored them, whatever the database claims: per-connection hooks of each driver.

- PostgreSQL whose server encoding is not UTF8 (Wareline's LATIN1 and SQL_ASCII): text columns come back as the
  bytes the HIS wrote, for the census to decode one value at a time (`connector.census.decoding.Decoder`). On a
  single-byte server the client speaks UTF-8 and the server's conversion is undone exactly; on SQL_ASCII the client
  speaks SQL_ASCII too (the server would refuse to convert bytes that are not UTF-8; the switch is the first statement
  of queries/postgresql/session.sql), so psycopg returns bytes as they are, and the non-ASCII letters of the SQL's
  literals (`'INTERNAÇÃO'`) travel as UTF-8 byte escapes (`E'...\\xC3...'`).
- SQLite: a value that is not UTF-8 comes back as bytes instead of failing the whole read.
- Oracle: `TIMESTAMP WITH TIME ZONE` comes back as text with its offset (the thin driver would drop the offset), in
  the session's NLS format (queries/oracle/session.sql);
  CLOB columns as text, as SQLAlchemy's own handler fetches them.

The encoding the database declares is kept in the pool entry's `info` under `TEXT_ENCODING`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from typing import Any

from connector.census.decoding import canonical_codec

TEXT_ENCODING = "hoteleitos_text_encoding"
RAW_TEXT = "hoteleitos_raw_text"  # how a connection's text values hide the HIS's bytes: "escaped" or "latin-1"
ASCII_SQL = "hoteleitos_ascii_sql"  # the connection's SQL must be plain ASCII (a SQL_ASCII server)
PG_TEXT_TYPES = ("text", "varchar", "bpchar", "name", '"char"')
# PostgreSQL encoding names Python does not know under the same spelling.
_PG_CODECS = {"WIN1250": "cp1250", "WIN1251": "cp1251", "WIN1252": "cp1252", "LATIN9": "iso8859-15"}


def pg_codec(server_encoding: str) -> str | None:
    """Python's codec for a PostgreSQL server encoding; None for SQL_ASCII (no encoding) or an unknown one."""
    name = server_encoding.upper()
    if name == "SQL_ASCII":
        return None
    try:
        return canonical_codec(_PG_CODECS.get(name, name))
    except LookupError:
        return None


def psycopg_raw_text(dbapi_connection: Any, record_info: dict[str, Any]) -> str | None:
    """On a PostgreSQL server that is not UTF8, have text columns return the HIS's own bytes; returns the client
    encoding the session must switch to (`$client_encoding` of queries/postgresql/session.sql), if any."""
    from psycopg.adapt import Loader

    server = (dbapi_connection.info.parameter_status("server_encoding") or "UTF8").upper()
    if server in ("UTF8", "UNICODE"):
        return None
    if server == "SQL_ASCII":  # psycopg then returns text as bytes and sends parameters as UTF-8
        record_info[TEXT_ENCODING], record_info[ASCII_SQL] = None, True
        return "SQL_ASCII"
    found = pg_codec(server)
    if found is None:
        return None  # an encoding Python cannot reverse: the server's own conversion stands
    codec: str = found

    class RawText(Loader):
        def load(self, data: Any) -> bytes:
            return bytes(data).decode("utf-8").encode(codec)

    for type_name in PG_TEXT_TYPES:
        dbapi_connection.adapters.register_loader(type_name, RawText)
    record_info[TEXT_ENCODING] = codec
    return None


_LITERAL = re.compile(r"(?<![\w&])'(?:[^']|'')*'")


def ascii_literals(sql: str) -> str:
    """The SQL with every string literal that holds non-ASCII letters rewritten as an escape string of their UTF-8
    bytes (`'AÇÃO'` -> `E'A\\xC3\\x87\\xC3\\x83O'`), for a server that must receive plain ASCII."""
    if sql.isascii():
        return sql

    def escape(match: re.Match[str]) -> str:
        literal = match.group(0)
        if literal.isascii():
            return literal
        body = literal[1:-1].replace("\\", "\\\\")
        return "E'" + "".join(c if c.isascii() else "".join(f"\\x{b:02X}" for b in c.encode()) for c in body) + "'"

    return _LITERAL.sub(escape, sql)


def before_execute_ascii(
    conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """SQLAlchemy's before_cursor_execute hook: plain ASCII SQL for the connections that need it."""
    if conn.connection.info.get(ASCII_SQL):
        statement = ascii_literals(statement)
    return statement, parameters


def sqlite_text(raw: bytes) -> str | bytes:
    """SQLite's text_factory: UTF-8 text as usual; anything else as bytes, for the census to decode."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def oracle_timestamp_tz_as_text(dbapi_connection: Any) -> None:
    """Fetch TIMESTAMP WITH TIME ZONE as ISO text with its offset (the session's NLS format), not as a naive time.

    Every other column goes to the handler already there: SQLAlchemy's, which fetches CLOB/NCLOB as text and
    numbers as it should. Ours takes the same form of arguments as that one (python-oracledb tells them apart by
    their number), so each column reaches it unchanged."""
    import inspect

    import oracledb

    previous = dbapi_connection.outputtypehandler
    if previous is not None and len(inspect.signature(previous).parameters) == 2:

        def by_metadata(cursor: Any, metadata: Any) -> Any:
            if metadata.type_code is oracledb.DB_TYPE_TIMESTAMP_TZ:
                return cursor.var(str, arraysize=cursor.arraysize)
            return previous(cursor, metadata)

        dbapi_connection.outputtypehandler = by_metadata
        return

    def by_column(  # noqa: PLR0917 - the driver calls it with these six positional arguments
        cursor: Any, name: str, default_type: Any, size: int, precision: int, scale: int
    ) -> Any:
        if default_type is oracledb.DB_TYPE_TIMESTAMP_TZ:
            return cursor.var(str, arraysize=cursor.arraysize)
        if previous is None:
            return None
        return previous(cursor, name, default_type, size, precision, scale)

    dbapi_connection.outputtypehandler = by_column


_CODEC_PREFIX = "hoteleitos_"


def firebird_codec(base: str, *, raw: bool) -> str:
    """The name of a codec for a Firebird connection whose own codec is `base`: it encodes statements and parameters
    as `base` does; it decodes valid UTF-8 as text and keeps any other byte as a surrogate (`escaped`), or, with
    `raw`, keeps every byte (Latin-1, one character a byte). `raw_bytes` gives the bytes back for the census."""
    return f"{_CODEC_PREFIX}{'raw' if raw else 'escaped'}_{codecs.lookup(base).name.replace('-', '_')}"


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if not name.startswith(_CODEC_PREFIX):
        return None
    kind, _, base = name.removeprefix(_CODEC_PREFIX).partition("_")
    encode = codecs.lookup(base).encode

    def decode(data: Any, errors: str = "strict") -> tuple[str, int]:
        raw = bytes(data)
        return (raw.decode("latin-1") if kind == "raw" else raw.decode("utf-8", "surrogateescape")), len(raw)

    return codecs.CodecInfo(encode, decode, name=name)


def raw_bytes(batches: Iterator[Sequence[Any]], kind: str) -> Iterator[list[Any]]:
    """Rows of a connection decoded by `firebird_codec`, each text that is not plain text given back as the bytes
    the HIS stored (every text, for `latin-1`), for the census to decode value by value."""
    for batch in batches:
        yield [tuple(_restore(value, kind) for value in row) for row in batch]


def _restore(value: Any, kind: str) -> Any:
    if not isinstance(value, str) or value.isascii():
        return value
    if kind == "latin-1":
        return value.encode("latin-1")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")
    return value


codecs.register(_find_codec)  # answers for its own names only
