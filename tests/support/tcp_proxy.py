"""A TCP proxy on 127.0.0.1 that can cut the network: to make a real database unreachable and back."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:<port> (or `host`:<port>) to `target`; `cut()` drops every connection and refuses new
    ones; `silence()` keeps every connection open but forwards nothing more, either way (a network that drops
    packets: TCP still says nothing is wrong, no answer ever comes)."""

    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1") -> None:
        self.target = target
        self.host = host
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.port = 0
        self.silent = False
        self.connections = 0  # connections accepted so far (each one a login attempt for a database)
        self._listen()

    def _listen(self) -> None:
        self.listener = socket.create_server((self.host, self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.silent:  # accepted, then never a byte through
                with self.lock:
                    self.sockets.append(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _swallow(client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.silent:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The network fails: open connections are dropped, new ones refused."""
        with contextlib.suppress(OSError):  # shutdown wakes the accepting thread; close alone would not
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def restore(self) -> None:
        self._listen()

    def silence(self) -> None:
        """The network drops every packet from now on, without a reset or a refusal."""
        self.silent = True

    def close(self) -> None:
        self.cut()
