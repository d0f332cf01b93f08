"""A small HTTP server that a flood of connections can neither turn against the agent nor keep from its probes.

The health port listens on every interface by default, unauthenticated, and the orchestrator restarts the agent
when /healthz stops answering. So:

- one thread reads the request heads of every connection without blocking (a selector): idle connections cost no
  thread, at most `max_pending` of them wait for their head (a newer one pushes the oldest out) and none for more
  than IO_TIMEOUT seconds; a request that already came with its connection is read at once;
- a complete request is served by one of at most `max_connections` threads, `reserved` of which serve only the
  probes (/healthz, /readyz): clients hammering /metrics or the status page never leave the probes without one. A
  request that finds no thread free is answered 503 at once, never queued;
- each socket operation of a request being served times out, and one still served `lifetime` seconds after its
  connection arrived is cut, whatever it is doing;
- a client that resets its connection, or any other failure of one request, ends that request quietly (a defect is
  logged as one line, never as a traceback).
"""

from __future__ import annotations

import contextlib
import io
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from socketserver import StreamRequestHandler
from typing import Any

import structlog

from connector.ops.unexpected import unexpected

MAX_CONNECTIONS = 16  # requests served at once
RESERVED = 2  # of them, for the probes only
MAX_PENDING = 32  # connections waiting for their request head
IO_TIMEOUT = 2.0  # seconds of one socket read or write, and of a request head's arrival
LIFETIME = 5.0  # seconds a connection may stay open in all
MAX_HEAD = 8192  # bytes of a request head
PROBES = frozenset({"/healthz", "/readyz"})
_ACCEPTS = 16  # connections accepted per turn of the loop, so that heads already read are served first
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
    b"Connection: close\r\n\r\n"
    b'{"error":"busy"}\n'
)
log = structlog.get_logger("hoteleitos.health")


@dataclass
class _Waiting:
    """A connection whose request head has not all arrived."""

    sock: socket.socket
    address: Any
    since: float
    head: bytearray = field(default_factory=bytearray)


class _Prebuffered(StreamRequestHandler):
    """A request handler fed with the head the selector already read (`request` is the socket and that head)."""

    def setup(self) -> None:
        self.connection, head = self.request
        self.request = self.connection
        self.connection.settimeout(IO_TIMEOUT)
        self.rfile = io.BytesIO(head)
        self.wfile = self.connection.makefile("wb")


class BoundedHTTPServer:
    """Serves `handler` (one request per connection) on `address`; `serve_forever` until `shutdown`."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int = MAX_CONNECTIONS,
        reserved: int = RESERVED,
        max_pending: int = MAX_PENDING,
        lifetime: float = LIFETIME,
    ) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.create_server(address, family=family, backlog=128)
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()[:2]
        self.handler = type(handler.__name__, (_Prebuffered, handler), {})
        self.general = threading.BoundedSemaphore(max_connections - reserved)
        self.probes = threading.BoundedSemaphore(reserved)
        self.max_pending, self.lifetime = max_pending, lifetime
        self.waiting: dict[socket.socket, _Waiting] = {}  # oldest first; touched by the loop's thread only
        self.serving: dict[socket.socket, float] = {}
        self.lock = threading.Lock()
        self.refused = 0  # complete requests answered 503 for want of a free thread
        self.dropped = 0  # connections closed before their head came (too many waiting, or too slow)
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        self._stopped.clear()
        self._selector.register(self.socket, selectors.EVENT_READ)
        try:
            while not self._stop.is_set():
                ready = self._selector.select(poll_interval)
                for key, _ in ready:
                    if key.data is not None:
                        self._read(key.data)
                if any(key.fileobj is self.socket for key, _ in ready):
                    self._accept()
                self._expire()
        finally:
            for waiting in list(self.waiting.values()):
                self._forget(waiting)
            self._selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()
        with self.lock:
            serving = list(self.serving)
        for sock in serving:
            _cut(sock)

    def _accept(self) -> None:
        for _ in range(_ACCEPTS):
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of descriptors: let the ones in use end before taking more
                time.sleep(0.05)
                return
            sock.setblocking(False)
            waiting = _Waiting(sock, address, time.monotonic())
            self.waiting[sock] = waiting
            self._selector.register(sock, selectors.EVENT_READ, waiting)
            self._read(waiting)  # a probe sends its request with the connection: served before it can be pushed out
            while len(self.waiting) > self.max_pending:
                self.dropped += 1
                self._forget(next(iter(self.waiting.values())))

    def _read(self, waiting: _Waiting) -> None:
        try:
            chunk = waiting.sock.recv(MAX_HEAD)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        waiting.head += chunk
        if not chunk or len(waiting.head) > MAX_HEAD:
            self._forget(waiting)
        elif b"\r\n\r\n" in waiting.head or b"\n\n" in waiting.head:
            self._selector.unregister(waiting.sock)
            del self.waiting[waiting.sock]
            self._dispatch(waiting)

    def _forget(self, waiting: _Waiting) -> None:
        if self.waiting.pop(waiting.sock, None) is not None:
            self._selector.unregister(waiting.sock)
        _close(waiting.sock)

    def _dispatch(self, waiting: _Waiting) -> None:
        """Hand a complete request to a thread of its pool (a probe may take a general one too), or say 503."""
        pools = (self.probes, self.general) if _path(waiting.head) in PROBES else (self.general,)
        slot = next((pool for pool in pools if pool.acquire(blocking=False)), None)
        if slot is None:
            self.refused += 1
            with contextlib.suppress(OSError):
                waiting.sock.send(_BUSY)
            _close(waiting.sock)
            return
        waiting.sock.setblocking(True)
        with self.lock:
            self.serving[waiting.sock] = waiting.since
        try:
            threading.Thread(target=self._serve, args=(waiting, slot), name="health-request", daemon=True).start()
        except RuntimeError:  # no thread to be had: the request ends here
            self._done(waiting.sock, slot)

    def _serve(self, waiting: _Waiting, slot: threading.BoundedSemaphore) -> None:
        try:
            self.handler((waiting.sock, bytes(waiting.head)), waiting.address, self)
        except OSError:  # the client reset or stopped reading, or the connection outlived its lifetime
            pass
        except Exception as error:  # noqa: BLE001 - one request's defect: a line in the log, and the server goes on
            log.warning("health_request_failed", message=unexpected(error))
        finally:
            self._done(waiting.sock, slot)

    def _done(self, sock: socket.socket, slot: threading.BoundedSemaphore) -> None:
        with self.lock:
            self.serving.pop(sock, None)
        _close(sock)
        slot.release()

    def _expire(self) -> None:
        """Close the connections whose head is overdue; cut the requests that outlived `lifetime`."""
        now = time.monotonic()
        for waiting in [w for w in self.waiting.values() if now - w.since > IO_TIMEOUT]:
            self.dropped += 1
            self._forget(waiting)
        with self.lock:
            expired = [sock for sock, since in self.serving.items() if now - since > self.lifetime]
        for sock in expired:
            _cut(sock)


def _path(head: bytearray) -> str:
    """The path of a request head's first line, without its query."""
    parts = bytes(head[: head.find(b"\n")]).split()
    return parts[1].split(b"?", 1)[0].decode("latin-1") if len(parts) >= 2 else ""


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
