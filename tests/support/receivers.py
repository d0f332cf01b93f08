"""HTTP receivers on 127.0.0.1 for the tests: a scripted one that can fail in every way contract §2 names."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from connector.commands.demo.receiver import Received, Receiver


@dataclass(frozen=True)
class Fault:
    """One scripted answer: a status (with headers), a delay, a hang, or a connection reset."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b'{"ok":true}'
    delay: float = 0.0
    reset: bool = False


OK = Fault()


def status(code: int, body: bytes = b'{"error":"x"}', **headers: str) -> Fault:
    return Fault(status=code, body=body, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items()))


class ScriptedReceiver(Receiver):
    """Answers requests from a script of faults, in order; then 200. Records what it accepted (2xx)."""

    def __init__(self, script: Iterable[Fault] = (), token: str | None = None) -> None:
        super().__init__(token=token)
        self.script = list(script)
        self.accepted: list[Received] = []
        self.answers: list[int | str] = []
        self.times: list[float] = []
        self.inflight = 0
        self.max_inflight = 0

    def add(self, *faults: Fault) -> None:
        with self.lock:
            self.script.extend(faults)

    def respond(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.times.append(time.monotonic())
            fault = self.script.pop(0) if self.script else OK
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            return self._answer(request, fault)
        finally:
            with self.lock:
                self.inflight -= 1

    def _answer(self, request: Received, fault: Fault) -> tuple[int, dict[str, str], bytes]:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.reset:
            with self.lock:
                self.answers.append("reset")
            raise ConnectionResetError
        status_code, headers, body = fault.status, dict(fault.headers), fault.body
        if fault.status == 200:
            status_code, extra, body = super().respond(request)
            headers.update(extra)
        with self.lock:
            self.answers.append(status_code)
            if 200 <= status_code < 300:
                self.accepted.append(request)
        return status_code, headers, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()

        class Handler(base):  # type: ignore[valid-type,misc]  # a subclass of the class the demo receiver builds
            def do_POST(self) -> None:
                try:
                    super().do_POST()
                except ConnectionResetError:
                    # SO_LINGER 0: close with RST, as a firewall or a crashed proxy would.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True

        return Handler


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class TlsReceiver(ScriptedReceiver):
    """The scripted receiver over HTTPS, with a certificate for 127.0.0.1 issued by a throwaway CA."""

    scheme = "https"

    def __init__(self, ca_file: str, script: Iterable[Fault] = (), token: str | None = None) -> None:
        import ssl

        import trustme

        super().__init__(script, token)
        authority = trustme.CA()
        authority.cert_pem.write_to_path(ca_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
