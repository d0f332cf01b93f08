"""The connector's settings: one typed model, the single source of truth for `config.example.yaml`.

Every key is reachable from YAML (`api.url`) and from the environment (`HOTELEITOS_API_URL`); see
`connector.settings.loader` for how the sources are layered and how errors reach the operator.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    PlainSerializer,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from connector.settings.api import HTTP_CHECKS
from connector.settings.oracle import OracleSettings
from connector.settings.rules import Group, empty_path_is_none, problem, readable_secret_file, secret_value
from connector.settings.schedule import Schedule
from connector.settings.source import SourceSettings

_OFF = ("", "off", "0", "false", "no", "nao", "não")


def _text(value: Schedule | None) -> str | None:
    return None if value is None else str(value)


class ApiSettings(Group):
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

    _no_empty_paths = field_validator("token_file", "ca_bundle", mode="before")(empty_path_is_none)
    _token_file = field_validator("token_file")(readable_secret_file)

    @field_validator("token")
    @classmethod
    def _resolve_token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        token = secret_value(value, info.data.get("token_file"))
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
    def _check_ca_bundle(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        if info.data.get("verify_tls") is False:
            raise problem(
                "com HOTELEITOS_API_VERIFY_TLS=false o certificado da API não seria verificado e este arquivo não "
                "teria efeito: informe só um dos dois (o arquivo de CAs, recomendado, ou a verificação desligada)."
            )
        if not value.is_file():
            raise problem(f"arquivo {value} não encontrado.")
        try:
            ssl.create_default_context(cafile=str(value))
        except (ssl.SSLError, OSError, ValueError):
            raise problem(f"{value} não é um arquivo PEM de certificados (-----BEGIN CERTIFICATE-----).") from None
        return value


class GuardSettings(Group):
    """Mass-discharge guard: a census that shrinks too much is held until confirmed; one that grows far beyond the
    newest accepted census is held until released."""

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
    growth: float = Field(
        3, gt=1, le=1000, description="Growth, as a multiple of the newest accepted census, that holds a census."
    )
    growth_min: PositiveInt = Field(
        500, le=100_000_000, description="Fewest patients more than the newest accepted census that can hold a census."
    )


class OutboxSettings(Group):
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


class HealthSettings(Group):
    """The health server (/healthz, /readyz, /metrics)."""

    host: str = Field("0.0.0.0", description="Bind address of the health server.")  # noqa: S104 - container port
    port: int = Field(8080, ge=0, le=65535, description="Port of the health server; 0 turns it off.")
    ready_window: PositiveFloat | None = Field(
        None,
        le=604_800,
        description="Seconds since the last delivered cycle for /readyz; default 3 intervals, at least 60.",
    )


class LogSettings(Group):
    """Logs: JSON lines in a container, console on a terminal, optionally files too."""

    format: Literal["auto", "json", "console"] = Field("auto", description="auto: console on a terminal, JSON else.")
    level: Literal["debug", "info", "warning", "error"] = Field("info", description="Lowest level logged.")
    dir: Path | None = Field(
        None, description="Folder for rotating log files (e.g. /app/log); empty: none, standard output only."
    )
    max_megabytes: PositiveFloat = Field(10, le=10_240, description="Size of one log file before it rotates.")
    backups: PositiveInt = Field(10, le=1000, description="Rotated log files kept.")

    _no_empty_dir = field_validator("dir", mode="before")(empty_path_is_none)


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
    oracle: OracleSettings = Field(
        default_factory=OracleSettings, description="Oracle driver: thin, or thick with the Oracle Client."
    )
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
    state_dir: Path = Field(
        Path("state"), description="Folder of the outbox and state (a volume in the image); empty: ./state."
    )
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

    @field_validator("state_dir", mode="before")
    @classmethod
    def _default_when_empty(cls, value: Any) -> Any:
        return Path("state") if empty_path_is_none(value) is None else value

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
