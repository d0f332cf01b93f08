"""An HTTP "API" on 127.0.0.1 that misbehaves on purpose, over raw sockets: it trickles its answer a byte at a
time, answers with a captive portal's HTML page, or with a compressed bomb."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzip-compressed (about a thousandth of that on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1024 * 1024)
    return b"".join([*(compressor.compress(chunk) for _ in range(megabytes)), compressor.flush()])


class HostileApi:
    """Answers every request with `head` + `body`, sending `head` (status line and headers) and then the body
    `trickle` bytes at a time, one piece every `interval` seconds (interval 0: all at once)."""

    def __init__(self, head: bytes, body: bytes = b"", *, interval: float = 0.0, trickle_head: bool = False) -> None:
        self.head, self.body, self.interval, self.trickle_head = head, body, interval, trickle_head
        self.requests: list[float] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError), client:
            if not _read_request(client):
                return
            self.requests.append(time.monotonic())
            if self.trickle_head:
                self._trickle(client, self.head + self.body)
            else:
                client.sendall(self.head)
                self._trickle(client, self.body)

    def _trickle(self, client: socket.socket, data: bytes) -> None:
        if not self.interval:
            client.sendall(data)
            return
        for index in range(len(data)):
            client.sendall(data[index : index + 1])
            time.sleep(self.interval)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


def _read_request(client: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = client.recv(65536)
        if not piece:
            return False
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(rest) < length:
        piece = client.recv(65536)
        if not piece:
            return False
        rest += piece
    return True


def response(status: str, content_type: str, body: bytes, **headers: str) -> tuple[bytes, bytes]:
    """The head of an HTTP/1.1 answer with this body, and the body."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), body
