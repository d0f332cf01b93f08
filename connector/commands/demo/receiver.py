"""A local stand-in for the HOTELEITOS API: takes census pushes on 127.0.0.1 and tells what changed.

Like HOTELEITOS, it reads a patient missing from the new census as a discharge, a new encounter as
an admission and an encounter in another bed as a transfer.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    """One request as the receiver got it: its body decoded, and as it came over the wire when compressed."""

    path: str
    headers: dict[str, str]
    body: bytes
    wire: bytes | None = None  # the gzip-compressed body (Content-Encoding: gzip), before decoding
    peer_port: int = 0  # the client's TCP port: the same one for requests on a kept-alive connection

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Changes:
    admissions: int = 0
    discharges: int = 0
    transfers: int = 0


@dataclass
class Board:
    """The bed board the receiver keeps: the last census by encounter, and the changes it saw."""

    beds: dict[str, str | None] = field(default_factory=dict)
    last: Changes = field(default_factory=Changes)

    def apply(self, patients: list[dict[str, Any]]) -> Changes:
        new = {p["cod_ocorrencia"]: p.get("cod_leito") for p in patients}
        changes = Changes(
            admissions=len(new.keys() - self.beds.keys()),
            discharges=len(self.beds.keys() - new.keys()),
            transfers=sum(1 for k, bed in new.items() if k in self.beds and self.beds[k] != bed),
        )
        self.beds, self.last = new, changes
        return changes


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers `status` (200 by default)."""

    scheme = "http"

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.received: list[Received] = []
        self.board = Board()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        """The answer to a push; subclasses script failures."""
        if self.token is not None and request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, b'{"error":"token invalido"}'
        payload = request.json()
        patients = payload["pacientes"] if isinstance(payload, dict) else payload
        with self.lock:
            self.board.apply(patients)
        return 200, {}, b'{"ok":true}'

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, also on a kept-alive connection

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k.lower(): v for k, v in self.headers.items()}
                raw = self.rfile.read(length)
                compressed = headers.get("content-encoding", "").strip().lower() == "gzip"
                request = Received(self.path, headers, gzip.decompress(raw) if compressed else raw,
                                   raw if compressed else None, self.client_address[1])  # fmt: skip
                with receiver.lock:
                    receiver.received.append(request)
                status, headers, body = receiver.respond(request)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                authorised = receiver.token is None or self.headers.get("Authorization") == f"Bearer {receiver.token}"
                body = b'{"status":"ok"}' if authorised else b'{"error":"token invalido"}'
                self.send_response(200 if authorised else 401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo prints its own summary."""

        return Handler
