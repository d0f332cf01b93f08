"""The bench's stand-in for the API: reads the whole body and answers 200, as an API that queues the census.

The answer leaves in one write on a TCP_NODELAY socket. Written as status line, headers and body in separate
small packets, the body's packet waits for the client's delayed ACK (Nagle): about 40 ms added to every POST on
a reused connection, which is a cost of the receiver, not of the client being measured.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class Sink(BaseHTTPRequestHandler):
    """Reads the body (compressed or not: it is not decoded) and answers `{}`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.wfile.write(ANSWER)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Receiver:
    """The sink on 127.0.0.1, served from a thread, for the length of a `with` block."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, name="bench-receiver", daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
