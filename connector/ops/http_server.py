"""A small HTTP server that a flood of connections cannot turn against the agent.

The health port listens on every interface by default, unauthenticated. The standard library's threading
server gives each connection a thread and waits on it forever: a thousand idle connections take a thousand
threads and file descriptors, and with them the descriptors the census needs. Here at most `max_connections`
are served at once (beyond that a connection is closed at once), each socket operation times out, and a
connection still open `lifetime` seconds after it arrived is cut, whatever it is doing (a client sending its
request one byte at a time included).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_CONNECTIONS = 16
IO_TIMEOUT = 2.0  # seconds of one socket read or write
LIFETIME = 5.0  # seconds a connection may stay open in all


class BoundedHTTPServer(ThreadingHTTPServer):
    """`ThreadingHTTPServer` with a ceiling on connections served at once and on each connection's life."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int = MAX_CONNECTIONS,
        lifetime: float = LIFETIME,
    ) -> None:
        self.slots = threading.BoundedSemaphore(max_connections)
        self.lifetime = lifetime
        self.open: dict[int, tuple[socket.socket, float]] = {}
        self.open_lock = threading.Lock()
        self.refused = 0
        handler.timeout = IO_TIMEOUT  # StreamRequestHandler sets it on the socket
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.refused += 1
            self.shutdown_request(request)
            return
        with self.open_lock:
            self.open[id(request)] = (request, time.monotonic())
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._forget(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: Any) -> None:
        with self.open_lock:
            if self.open.pop(id(request), None) is not None:
                self.slots.release()

    def service_actions(self) -> None:
        """Called by `serve_forever` between polls: cut the connections that outlived `lifetime`."""
        now = time.monotonic()
        with self.open_lock:
            expired = [sock for sock, since in self.open.values() if now - since > self.lifetime]
        for sock in expired:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
