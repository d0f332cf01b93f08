"""Health server (contract §5): /healthz (alive), /readyz (delivering), /metrics (Prometheus), and the status page
at / (connector.ops.status)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from connector import clock
from connector.errors import ConfigError
from connector.ops.http_server import BoundedHTTPServer
from connector.settings import Settings
from connector.source.oracle_connect import OracleStatus


class Readiness:
    """What /readyz judges, updated by the agent after each cycle (no database access from here). Ages are
    measured on the monotonic clock: a step of the wall clock (NTP, a VM resumed) never makes one negative."""

    def __init__(self, settings: Settings, mono: Callable[[], float] = time.monotonic) -> None:
        self.window = settings.ready_window
        self.max_pending = settings.outbox.ready_max_pending
        self._mono = mono
        self.last_delivery: float | None = None  # monotonic time of the last delivery
        self.depth: dict[str, int] = {"pending": 0, "held": 0, "dead": 0}
        self.last_error: str | None = None
        self.held_note: str | None = None  # why the guard holds a census, as the last cycle that judged one said
        self.recovery: tuple[float, str] | None = None  # when (monotonic) the outbox last started over, and what
        self.tz = settings.tz
        self.cause: str | None = None  # the last failure, for the reasons
        self.retry_at: float | None = None  # Unix time of the next cycle that will try again
        self.read_resumes_at: float | None = None  # Unix time reads are tried again after a refused login
        self.oracle: OracleStatus | None = None  # an Oracle source: the driver's mode, the password's warning
        self._lock = threading.Lock()

    def update(
        self,
        *,
        delivered: bool,
        depth: dict[str, int],
        error: str | None,
        held_note: str | None = None,
        recovery: tuple[float, str] | None = None,
        cause: str | None = None,
        retry_at: float | None = None,
        oracle: OracleStatus | None = None,
        read_resumes_at: float | None = None,
    ) -> None:
        """Note a cycle's outcome; `held_note` is kept from an earlier cycle when this one judged no census (a
        failed read neither confirms nor restarts the guard)."""
        with self._lock:
            if delivered:
                self.last_delivery = self._mono()
            self.depth = dict(depth)
            self.last_error = error
            if held_note is not None or not depth.get("held", 0):
                self.held_note = held_note
            if recovery is not None:  # noted now, whatever the wall clock said when it happened
                self.recovery = (self._mono(), recovery[1])
            self.cause, self.retry_at = cause, retry_at
            self.read_resumes_at = read_resumes_at
            self.oracle = oracle or self.oracle  # a failed read says nothing new of the sessions

    def verdict(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            now = self._mono()
            age = None if self.last_delivery is None else now - self.last_delivery
            reasons = []
            if age is None:
                reasons.append("nenhum ciclo entregue ainda")
            elif age > self.window:
                reasons.append(f"último ciclo entregue há {age:.0f}s (limite {self.window:.0f}s)")
            if self.depth.get("held", 0):
                why = f": {self.held_note}" if self.held_note else " (veja `hoteleitos-connector outbox`)"
                reasons.append(f"censo retido pela proteção contra altas em massa{why}")
            if self.recovery is not None and now - self.recovery[0] < self.window:
                reasons.append(self.recovery[1])
            if self.depth.get("pending", 0) > self.max_pending:
                reasons.append(f"{self.depth['pending']} censos pendentes (limite {self.max_pending})")
            retry_in = None if self.retry_at is None else max(0, math.ceil(self.retry_at - time.time()))
            if reasons and self.cause:
                reasons.append(self.cause + ("" if retry_in is None else f"; nova tentativa em {retry_in} s"))
            read_in = None if self.read_resumes_at is None else max(0, math.ceil(self.read_resumes_at - time.time()))
            if reasons and read_in:
                reasons.append(f"leitura do banco em pausa depois de um login recusado: próxima em {read_in} s")
            body = {
                "ready": not reasons,
                "reasons": reasons,
                "last_delivery_age_seconds": None if age is None else round(age, 1),
                "outbox": self.depth,
                "last_error": self.last_error,
                "next_try_in_seconds": retry_in,
                "next_try_at": None if self.retry_at is None else clock.stamp(self.retry_at, self.tz),
                "next_read_in_seconds": read_in,
                "next_read_at": None if self.read_resumes_at is None else clock.stamp(self.read_resumes_at, self.tz),
            }
            if self.oracle is not None:  # warnings do not make the connector unready: it still delivers
                body["oracle_client"] = self.oracle.mode_text()
                body["warnings"] = [self.oracle.password_warning] if self.oracle.password_warning else []
        return not reasons, body


# The page may draw nothing from elsewhere: a browser then refuses any script, image or style file too.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _handler(readiness: Readiness, page: Callable[[], bytes] | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/" and page is not None:
                self._send(200, page(), "text/html; charset=utf-8", {"Content-Security-Policy": PAGE_POLICY})
            elif path == "/healthz":
                self._send(200, b'{"status":"ok"}\n', "application/json")
            elif path == "/readyz":
                ready, body = readiness.verdict()
                payload = json.dumps(body, ensure_ascii=False).encode() + b"\n"
                self._send(200 if ready else 503, payload, "application/json; charset=utf-8")
            elif path == "/metrics":
                self._send(200, generate_latest(), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b'{"error":"not found"}\n', "application/json")

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds would drown the log."""

    return Handler


class HealthServer:
    """The health endpoints on their own thread."""

    def __init__(self, host: str, port: int, readiness: Readiness, page: Callable[[], bytes] | None = None) -> None:
        try:
            self.server = BoundedHTTPServer((host, port), _handler(readiness, page))
        except OSError as error:
            raise ConfigError(
                [
                    f"HOTELEITOS_HEALTH_PORT / HOTELEITOS_HEALTH_HOST: não foi possível escutar em {host}:{port} "
                    f"({error.strerror or type(error).__name__}); use outra porta (0 desliga o servidor de saúde)."
                ]
            ) from None
        self.thread = threading.Thread(target=self.server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
