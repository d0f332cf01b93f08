"""One HTTP exchange with the API, bounded whatever the peer does.

httpx's timeouts bound each socket operation, not the exchange: a server that answers one byte every two
seconds never trips a 30 s read timeout. Here every attempt also has a total deadline, and the agent's stop
(SIGTERM) cuts it after a short grace; both shut the connection's socket down, which wakes the blocked read
at once. Of any answer at most `MAX_BODY` bytes are read, and never decompressed beyond that: an answer is
only ever kept for the operator (a refused census's reason), so its head is all that is worth memory.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

MAX_BODY = 64 * 1024
SOCKETS_KEPT = 4  # a client's latest connections: the one kept alive is among them
_POLL = 0.05  # seconds between two looks at the stop event while an attempt runs
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


@dataclass(frozen=True)
class Answer:
    """What the API answered: status, headers and the head of the body (decoded text, at most MAX_BODY)."""

    status: int
    headers: httpx.Headers
    body: str

    @property
    def media_type(self) -> str:
        return str(self.headers.get("Content-Type", "")).split(";", 1)[0].strip().lower()


class Interrupted(Exception):
    """The exchange was cut before it ended: `reason` is `deadline` (it took too long) or `stop` (SIGTERM)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Undecodable(Exception):
    """The answer's compressed body is broken."""


class _Watch:
    """Watches one exchange from its own thread; past the deadline, or `grace` seconds after `stop`, it shuts
    down the sockets its client opened (learnt from httpcore's `trace` extension). `sockets` is the client's own
    record of them, kept across exchanges: a kept-alive connection opened by an earlier exchange is cut too."""

    def __init__(
        self, deadline: float, stop: threading.Event, grace: float, sockets: deque[socket.socket] | None = None
    ) -> None:
        self.deadline_at = time.monotonic() + deadline
        self.stop = stop
        self.grace = grace
        self.done = threading.Event()
        self.reason: str | None = None
        self._sockets: deque[socket.socket] = deque(maxlen=SOCKETS_KEPT) if sockets is None else sockets
        self._lock = threading.Lock()

    def trace(self, name: str, info: dict[str, Any]) -> None:
        if name != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.reason is not None:  # cut while still connecting
                    _shut(sock)

    def run(self) -> None:
        stop_at: float | None = None
        while not self.done.wait(_POLL):
            now = time.monotonic()
            if stop_at is None and self.stop.is_set():
                stop_at = now + self.grace
            if now >= self.deadline_at:
                self._cut("deadline")
                return
            if stop_at is not None and now >= stop_at:
                self._cut("stop")
                return

    def _cut(self, reason: str) -> None:
        with self._lock:
            self.reason = reason
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def exchange(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    deadline: float,
    stop: threading.Event,
    grace: float,
    content: Any = None,
    sockets: deque[socket.socket] | None = None,
) -> Answer:
    """One request, whole within `deadline` seconds; raises `Interrupted` when cut, `Undecodable` for a broken
    compressed body, and httpx's own errors for the network's failures. A client that keeps connections alive
    passes the same `sockets` to every exchange (one exchange at a time), so that a reused connection is cut too."""
    watch = _Watch(deadline, stop, grace, sockets)
    watcher = threading.Thread(target=watch.run, name="api-deadline", daemon=True)
    watcher.start()
    try:
        with client.stream(method, url, content=content, headers=headers, extensions={"trace": watch.trace}) as r:
            if r.is_stream_consumed:  # an in-memory answer (a test transport): already whole and decoded
                return Answer(r.status_code, r.headers, r.text[:MAX_BODY])
            raw = _head(r)
            status, response_headers, charset = r.status_code, r.headers, r.charset_encoding
    except httpx.HTTPError:
        if watch.reason is not None:
            raise Interrupted(watch.reason) from None
        raise
    finally:
        watch.done.set()
        watcher.join()
    return Answer(status, response_headers, decode(raw, response_headers.get("Content-Encoding", ""), charset))


def _head(response: httpx.Response) -> bytes:
    """The first MAX_BODY raw bytes of the body; the rest is never read (the connection is closed)."""
    kept = bytearray()
    for chunk in response.iter_raw():
        kept += chunk
        if len(kept) >= MAX_BODY:
            break
    return bytes(kept[:MAX_BODY])


def decode(raw: bytes, encoding: str, charset: str | None) -> str:
    """The body's text, decompressed to at most MAX_BODY bytes whatever its compression ratio."""
    name = encoding.strip().lower()
    if name in _DECODERS:
        try:
            raw = zlib.decompressobj(_DECODERS[name]).decompress(raw, MAX_BODY)
        except zlib.error:
            if name != "deflate":
                raise Undecodable(name) from None
            try:  # some servers send raw deflate without its zlib header
                raw = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, MAX_BODY)
            except zlib.error:
                raise Undecodable(name) from None
    elif name not in ("", "identity"):
        return f"(resposta codificada em {name[:20]}; não lida)"
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")
