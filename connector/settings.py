"""The connector's settings: one typed model, the single source of truth for `config.example.yaml`.

Every key is reachable from YAML (`api.url`) and from the environment (`HOTELEITOS_API_URL`); see
`connector.config` for how the sources are layered and how errors reach the operator.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from connector.api_checks import HTTP_CHECKS
from connector.schedule import Schedule
from connector.text import canonical_codec

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#]*$")
_OFF = ("", "off", "0", "false", "no", "nao", "não")


def _text(value: Schedule | None) -> str | None:
    return None if value is None else str(value)


def problem(message: str) -> PydanticCustomError:
    """A configuration problem in Portuguese; `connector.config` prefixes the setting's name."""
    return PydanticCustomError("setting", "{message}", {"message": message})


def split_list(value: Any) -> Any:
    """A comma-separated text (an environment variable) as a list; lists (YAML) pass as they are."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _readable_secret_file(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise problem(f"não foi possível ler o arquivo {path} ({error.strerror}).") from None
    if not text:
        raise problem(f"o arquivo {path} está vazio.")
    return path


def _secret(value: SecretStr | None, file: Path | None) -> SecretStr | None:
    """The secret given directly, else the content of its `*_file` setting."""
    if value is None and file is not None:
        value = SecretStr(file.read_text(encoding="utf-8").strip())
    if value is None or not value.get_secret_value().strip():
        return None
    return value


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False)


class ApiSettings(_Group):
    """Where and how the census is pushed (contract §2)."""

    url: str = Field(description="Base URL of the HOTELEITOS API, e.g. https://api.hoteleitos.com.br.")
    token_file: Path | None = Field(None, description="File holding the token (Docker secret).")
    token: SecretStr | None = Field(None, validate_default=True, description="Hospital's integration token.")
    path: str = Field("/integracao/censo", description="Path of the census push, appended to the URL.")
    auth_header: str = Field("Authorization", description="Header that carries the token.")
    auth_scheme: str = Field("Bearer", description="Scheme before the token; empty sends the bare token.")
    body_format: Literal["envelope", "array"] = Field(
        "envelope", description="`envelope` (snapshot_id, captured_at, count, pacientes) or bare `array`."
    )
    gzip: bool = Field(
        False,
        description="Send the census gzip-compressed (Content-Encoding: gzip), six to ten times smaller; only when "
        "the API accepts it.",
    )
    connect_timeout: PositiveFloat = Field(10, le=300, description="Seconds to establish the connection.")
    read_timeout: PositiveFloat = Field(30, le=3600, description="Seconds to wait for the API's answer.")
    verify_tls: bool = Field(True, description="Verify the API's TLS certificate (keep it on).")
    ca_bundle: Path | None = Field(None, description="PEM file of extra CAs (TLS-inspecting firewalls).")
    retry_deadline: PositiveFloat | None = Field(
        None, le=86400, description="Seconds of retries within one cycle; default the schedule interval, at most 60."
    )
    auth_retry_interval: PositiveFloat = Field(
        300, le=86400, description="Seconds between attempts after a 401/403 (wrong token)."
    )

    @field_validator("url", "path", "auth_header", "auth_scheme")
    @classmethod
    def _check_http(cls, value: str, info: ValidationInfo) -> str:
        value, error = HTTP_CHECKS[str(info.field_name)](value)
        if error:
            raise problem(error)
        return value

    _token_file = field_validator("token_file")(_readable_secret_file)

    @field_validator("token")
    @classmethod
    def _resolve_token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        token = _secret(value, info.data.get("token_file"))
        if token is None:
            raise problem("obrigatório: informe o token de integração do hospital (ou HOTELEITOS_API_TOKEN_FILE).")
        text = token.get_secret_value().strip()
        if not text.isascii() or not text.isprintable() or " " in text:
            raise problem(
                "o token tem caracteres que não cabem num cabeçalho HTTP (acentos, espaços ou quebras de linha); "
                "confira o valor copiado."
            )
        return SecretStr(text)

    @field_validator("ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        if not value.is_file():
            raise problem(f"arquivo {value} não encontrado.")
        try:
            ssl.create_default_context(cafile=str(value))
        except (ssl.SSLError, OSError, ValueError):
            raise problem(f"{value} não é um arquivo PEM de certificados (-----BEGIN CERTIFICATE-----).") from None
        return value


class SourceSettings(_Group):
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

    _url_file = field_validator("url_file")(_readable_secret_file)

    @field_validator("url")
    @classmethod
    def _resolve_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        url = _secret(value, info.data.get("url_file"))
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
        if value is not None and not value.is_file():
            raise problem(f"arquivo {value} não encontrado.")
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


class GuardSettings(_Group):
    """Mass-discharge guard: a census that shrinks too much is held until confirmed."""

    enabled: bool = Field(True, description="Hold suspicious censuses (keep it on).")
    share: float = Field(0.5, gt=0, lt=1, description="Shrink share, against the newest accepted census, that holds.")
    min: PositiveInt = Field(10, le=1_000_000, description="Fewest lost patients that can hold a census.")
    confirmations: PositiveInt = Field(
        3, le=1000, description="Further consecutive held cycles, agreeing with the first held one, that confirm it."
    )
    confirm_seconds: float = Field(
        60, ge=0, le=86400, description="Seconds the held cycles must span, from the first, before confirming."
    )
    agree_share: float = Field(
        0.1, gt=0, lt=1, description="Size difference (share of the first held census, at least 2) that still agrees."
    )


class OutboxSettings(_Group):
    """Snapshots waiting for delivery, kept on disk under the state directory."""

    collapse_backlog: bool = Field(False, description="After an outage send only the latest snapshot.")
    max_count: PositiveInt = Field(
        5000, le=1_000_000, description="Most snapshots kept; beyond it the oldest is dropped."
    )
    max_age_hours: PositiveFloat = Field(72, le=8760, description="Oldest snapshot kept, in hours.")
    max_megabytes: PositiveFloat = Field(1024, le=1_048_576, description="Most disk space of pending snapshots, in MB.")
    ready_max_pending: PositiveInt = Field(
        10, le=1_000_000, description="/readyz fails when more snapshots are waiting."
    )


class HealthSettings(_Group):
    """The health server (/healthz, /readyz, /metrics)."""

    host: str = Field("0.0.0.0", description="Bind address of the health server.")  # noqa: S104 - container port
    port: int = Field(8080, ge=0, le=65535, description="Port of the health server; 0 turns it off.")
    ready_window: PositiveFloat | None = Field(
        None,
        le=604_800,
        description="Seconds since the last delivered cycle for /readyz; default 3 intervals, at least 60.",
    )


class LogSettings(_Group):
    """Logs: JSON lines in a container, console on a terminal, optionally files too."""

    format: Literal["auto", "json", "console"] = Field("auto", description="auto: console on a terminal, JSON else.")
    level: Literal["debug", "info", "warning", "error"] = Field("info", description="Lowest level logged.")
    dir: Path | None = Field(None, description="Folder for rotating log files (e.g. /app/log); empty: none.")
    max_megabytes: PositiveFloat = Field(10, le=10_240, description="Size of one log file before it rotates.")
    backups: PositiveInt = Field(10, le=1000, description="Rotated log files kept.")


class Settings(BaseSettings):
    """Everything the connector needs; see config.example.yaml for a commented example."""

    model_config = SettingsConfigDict(
        env_prefix="HOTELEITOS_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
    )

    api: ApiSettings = Field(default_factory=dict, validate_default=True, description="HOTELEITOS API.")
    source: SourceSettings = Field(default_factory=dict, validate_default=True, description="HIS database.")
    schedule: Annotated[Schedule, NoDecode] = Field(
        default_factory=lambda: Schedule.parse("30s"),
        description="Interval (30s, 1m) or cron of 5 fields, or 6 with seconds first.",
    )
    change_probe: Annotated[Schedule | None, NoDecode, PlainSerializer(_text)] = Field(
        None,
        description="Interval (2s) of the change probe: a cheap query over the bed table; a full read runs at once "
        "when its answer changes. Empty: off, every read on the schedule.",
    )
    full_read_every: Annotated[Schedule, NoDecode, PlainSerializer(_text)] = Field(
        default_factory=lambda: Schedule.parse("5m"),
        description="With the change probe on: longest time between two full census reads, changed or not.",
    )
    state_dir: Path = Field(Path("state"), description="Folder of the outbox and state (a volume in the image).")
    timezone: str = Field("America/Sao_Paulo", description="Hospital's time zone: captured_at and date checks.")
    guard: GuardSettings = Field(default_factory=GuardSettings, description="Mass-discharge guard.")
    outbox: OutboxSettings = Field(default_factory=OutboxSettings, description="Outbox bounds.")
    health: HealthSettings = Field(default_factory=HealthSettings, description="Health server.")
    log: LogSettings = Field(default_factory=LogSettings, description="Logging.")

    @field_validator("schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Schedule):
            raise problem(
                "deve ser um texto: um intervalo (30s, 1m) ou um cron (*/30 * * * * *), não um grupo de chaves."
            )
        if isinstance(value, str | int | float):
            try:
                return Schedule.parse(str(value))
            except ValueError as error:
                raise problem(str(error)) from None
        return value

    @field_validator("change_probe", "full_read_every", mode="before")
    @classmethod
    def _parse_interval(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name == "change_probe" and (value is None or str(value).strip().lower() in _OFF):
            return None
        try:
            return Schedule.parse_interval(value)
        except ValueError as error:
            raise problem(str(error)) from None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem("fuso desconhecido; use um nome como America/Sao_Paulo.") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def retry_deadline(self) -> float:
        """Seconds of push retries within one cycle (contract §6)."""
        return self.api.retry_deadline or min(self.schedule.nominal_interval, 60.0)

    @property
    def ready_window(self) -> float:
        """Seconds since the last delivered cycle within which /readyz answers 200 (contract §5); with the change
        probe on, nothing may be read for FULL_READ_EVERY while nothing changes."""
        window = max(3 * self.schedule.nominal_interval, 60.0)
        if self.change_probe is not None:
            window = max(window, self.full_read_every.nominal_interval + 2 * self.schedule.nominal_interval)
        return self.health.ready_window or window
