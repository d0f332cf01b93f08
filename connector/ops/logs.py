"""Logging: structlog events (snake_case facts), JSON lines in a container, console on a terminal.

Each event is written when it happens, stamped with its own time. The agent (`run`) writes to stdout, the container
convention, so `docker logs`, `podman logs` and `journalctl` show one ordered stream that `grep` filters; the other
commands print their answer on stdout and keep their events on stderr.

Events carry counts, codes and timings only. As a last line of defence, every configured secret is
replaced by `***` wherever it would appear in an event.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections.abc import Iterable
from datetime import UTC, tzinfo
from typing import Any, TextIO

import structlog

from connector.clock import timestamper
from connector.settings import LogSettings

REDACTED = "***"


# A URL's credentials, up to the last `@` of the URL: a password with a raw `@` is masked whole.
_URL_CREDENTIALS = re.compile(r"\b([A-Za-z][\w+.-]*://)[^\s'\"<>]*@")

_NEEDLES: list[str] = []  # the secrets masked in every event, longest first


def remember_secrets(secrets: Iterable[str]) -> None:
    """Mask these secrets too from now on (a token or password read again from its file after start)."""
    _NEEDLES[:] = sorted({*_NEEDLES, *(s for s in secrets if s and len(s) >= 4)}, key=len, reverse=True)


def _redactor(secrets: Iterable[str]) -> Any:
    _NEEDLES.clear()
    remember_secrets(secrets)
    needles = _NEEDLES

    def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
        for key, value in event.items():
            if isinstance(value, str):
                text = value
                for needle in needles:
                    if needle in text:
                        text = text.replace(needle, REDACTED)
                if "@" in text:
                    text = _URL_CREDENTIALS.sub(rf"\1{REDACTED}@", text)
                event[key] = text
        return event

    return redact


def configure(
    settings: LogSettings, secrets: Iterable[str] = (), tz: tzinfo = UTC, stream: TextIO | None = None
) -> None:
    """Route structlog through the standard library to `stream` (default stderr) and, when configured, rotating
    files; events are stamped in `tz` (the hospital's time zone, as every other time the operator reads)."""
    stream = stream or sys.stderr
    use_json = settings.format == "json" or (settings.format == "auto" and not stream.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        timestamper(tz),
        structlog.processors.format_exc_info,  # a library's traceback becomes text, so the redactor sees it
        _redactor(secrets),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else (structlog.dev.ConsoleRenderer(colors=stream.isatty()))
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(stream)]  # flushed after each event
    handlers[0].setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    unwritable: str | None = None
    if settings.dir is not None:
        try:
            settings.dir.mkdir(parents=True, exist_ok=True)
            file_handler = _FileHandler(
                settings.dir / "hoteleitos-connector.log",
                maxBytes=int(settings.max_megabytes * 1024 * 1024),
                backupCount=settings.backups,
                encoding="utf-8",
            )
        except OSError as error:  # a log folder we cannot write must not stop the census
            unwritable = error.strerror or type(error).__name__
        else:
            file_handler.setFormatter(
                structlog.stdlib.ProcessorFormatter(
                    processors=[
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.JSONRenderer(ensure_ascii=False),
                    ],
                    foreign_pre_chain=shared,
                )
            )
            handlers.append(file_handler)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    stream_only = logging.getLogger(STREAM_ONLY)  # what is said about the log file itself
    stream_only.handlers, stream_only.propagate = [handlers[0]], False
    root.setLevel(settings.level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[settings.level.upper()]),
        cache_logger_on_first_use=False,
    )
    if unwritable is not None:
        get_logger().warning(
            "log_dir_unwritable",
            dir=str(settings.dir),
            reason=unwritable,
            message="a pasta de logs não é gravável pelo usuário do conector (uid 10001 na imagem); "
            "os logs seguem só na saída padrão.",
        )


STREAM_ONLY = "hoteleitos.logfile"


class _FileHandler(logging.handlers.RotatingFileHandler):
    """A log file that may fail to be written (a full disk, a volume gone): said once on the stream, and again when
    it recovers; never the logging module's traceback in the middle of the JSON stream."""

    failing = False
    _failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)
        if self.failing and not self._failed_now:
            self.failing = False
            get_logger(STREAM_ONLY).info("log_file_recovered", file=self.baseFilename)

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_now = True
        if self.failing:
            return
        self.failing = True
        error = sys.exc_info()[1]
        get_logger(STREAM_ONLY).warning(
            "log_file_failed",
            file=self.baseFilename,
            reason=getattr(error, "strerror", None) or type(error).__name__,
            message="não foi possível gravar o arquivo de log (disco cheio ou volume indisponível); os logs "
            "seguem na saída padrão. Libere espaço em HOTELEITOS_LOG_DIR.",
        )


def get_logger(name: str = "hoteleitos") -> Any:
    return structlog.get_logger(name)
