"""The HIS database's settings (`source:`, `HOTELEITOS_SOURCE_*`): the vendor, the URL, the query, the timeouts.

Keys this model does not name are the vendor's own options, kept as extras for the vendor's adapter to validate.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, PositiveFloat, PositiveInt, SecretStr, ValidationInfo, field_validator

from connector.census.decoding import canonical_codec
from connector.settings.rules import (
    Group,
    empty_path_is_none,
    problem,
    read_query_file,
    readable_secret_file,
    secret_value,
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#]*$")


class SourceSettings(Group):
    """The HIS database and its census query.

    Keys this model does not name are the vendor's own options (MV's `multi_empresa`, ...): each vendor folder
    declares and validates them (`adapters.<vendor>.Options`), so they are kept here as extras.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True, allow_inf_nan=False)

    vendor: str = Field(
        description="HIS vendor: the name of a folder under adapters/ (mv, wareline, sigho, custom...)."
    )
    url_file: Path | None = Field(None, description="File holding the database URL (Docker secret).")
    url: SecretStr | None = Field(
        None, validate_default=True, description="SQLAlchemy URL of the HIS database (read-only user)."
    )
    db_schema: str | None = Field(
        None,
        alias="schema",
        description="Schema of the vendor's tables; default the vendor's usual one (MV: DBAMV, Wareline: public).",
    )
    query_file: Path | None = Field(None, description="Census SQL file that replaces the vendor's own.")
    probe_file: Path | None = Field(
        None, description="Change-probe SQL file that replaces the vendor's own probe.sql (see change_probe)."
    )
    encoding: str | None = Field(
        None,
        description="Only for databases that mislabel their text: the encoding to decode it with "
        "(default: automatic, per value: UTF-8, else Windows-1252, else Latin-1).",
    )
    connect_timeout: PositiveFloat = Field(15, le=300, description="Seconds to connect to the database.")
    query_timeout: PositiveFloat = Field(60, le=3600, description="Seconds the census query may run.")
    max_rows: PositiveInt = Field(
        500_000,
        le=100_000_000,
        description="Most rows the census query may return; beyond it the read stops and that cycle's census is "
        "dropped (a query that lost a filter must not exhaust the memory). About 35 MB of memory a 100,000 rows.",
    )
    auth_retry_max: PositiveFloat = Field(
        900,
        le=86400,
        description="Most seconds between reads while the database refuses the user or password (the wait "
        "doubles from a minute up to this), so that the account's lockout policy is never tripped.",
    )

    @field_validator("vendor")
    @classmethod
    def _check_vendor(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip().lower()
        known = (info.context or {}).get("vendors")
        if known is not None and value not in known:
            raise problem(f"fornecedor desconhecido '{value}'; use um de: {', '.join(known)}.")
        return value

    @field_validator("db_schema")
    @classmethod
    def _check_schema(cls, value: str | None) -> str | None:
        if value is not None and value.strip() and not _IDENTIFIER.match(value.strip()):
            raise problem("nome de schema inválido (apenas letras, números e _).")
        return value.strip() if value else value

    _no_empty_paths = field_validator("url_file", "query_file", "probe_file", mode="before")(empty_path_is_none)
    _url_file = field_validator("url_file")(readable_secret_file)

    @field_validator("url")
    @classmethod
    def _resolve_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        url = secret_value(value, info.data.get("url_file"))
        if url is None:
            raise problem(
                "obrigatório: informe a URL do banco do sistema hospitalar "
                "(ex.: oracle+oracledb://usuario:senha@servidor:1521/?service_name=PROD) ou as variáveis DB_*."
            )
        check = (info.context or {}).get("url_problem")  # the source layer's check, handed in by the loader
        error = check(url.get_secret_value()) if check is not None else None
        if error:
            raise problem(error)
        return url

    @field_validator("query_file", "probe_file")
    @classmethod
    def _check_query_file(cls, value: Path | None) -> Path | None:
        """Read once at start, as every cycle will: a file the agent cannot read or decode stops it here, not
        in the first cycle of a daemon that would then never read."""
        if value is None:
            return None
        if not value.is_file():
            raise problem(f"arquivo {value} não encontrado.")
        try:
            read_query_file(value)
        except OSError as error:
            raise problem(
                f"não foi possível ler o arquivo {value} ({error.strerror or type(error).__name__}); dê permissão "
                "de leitura ao usuário do conector (uid 10001 na imagem)."
            ) from None
        except ValueError as error:
            raise problem(str(error)) from None
        return value

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return canonical_codec(value.strip())
        except LookupError:
            raise problem("codificação desconhecida; use, por exemplo, latin1, cp1252 ou utf-8.") from None

    @property
    def options(self) -> dict[str, Any]:
        """The keys meant for the vendor's own options, unvalidated (the vendor's adapter validates them)."""
        return dict(self.model_extra or {})
