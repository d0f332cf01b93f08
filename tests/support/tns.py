"""Oracle listeners on 127.0.0.1 that answer python-oracledb's CONNECT packet as real servers do, byte for byte, up
to the point where a real server would make the thin driver give up.

python-oracledb's thin mode checks the listener's ACCEPT packet in `ConnectMessage.process` (messages/connect.pyx):
a protocol version below 315 (Oracle 12.1) raises DPY-3010; the NSI flag "network authentication required" (0x10)
raises DPY-3001. A REFUSE packet's `(ERR=n)` becomes DPY-6000, or DPY-6001/DPY-6003 for an unknown service or SID.
A connection reset right after the CONNECT packet is what a server with SQLNET.ALLOW_WEAK_CRYPTO_CLIENTS=FALSE does
to a client that offers no Native Network Encryption.

    OracleStandIn("11.2", sids=["PROD"])   an Oracle 11.2 listener that knows PROD only as an SID
    OracleStandIn("nne")                   19c with SQLNET.ENCRYPTION_SERVER = REQUIRED
    OracleStandIn("reset")                 19c with SQLNET.ALLOW_WEAK_CRYPTO_CLIENTS = FALSE
    OracleStandIn("refuse", error=12519)   a listener without a free handler (any listener error number)

Every CONNECT descriptor received is kept in `descriptors` (the attempts, and the CID's PROGRAM a DBA would see).
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
from collections.abc import Iterable

CONNECT, ACCEPT, REFUSE, DATA = 1, 2, 4, 6
NSI_NA_REQUIRED, NSI_NA_DISABLED = 0x10, 0x04
CONNECT_DATA_OFFSET = 74  # where python-oracledb writes the descriptor when it fits in the CONNECT packet
VERSIONS = {"11.2": 314, "nne": 319, "reset": 319, "refuse": 319}
ERR_UNKNOWN_SERVICE, ERR_UNKNOWN_SID = 12514, 12505


def packet(kind: int, payload: bytes) -> bytes:
    """A TNS packet as sent before the connection is accepted: 2-byte length, no checksums."""
    return struct.pack(">HHBBH", 8 + len(payload), 0, kind, 0, 0) + payload


def accept_payload(version: int, nsi_flags: int = 0) -> bytes:
    """An ACCEPT packet's body. Before 12.1 (version 314) it is the short 24-byte form; from 12.1 on the 32-bit SDU
    and TDU follow, and from version 318 the second flags word python-oracledb reads."""
    head = struct.pack(">HHHHHHHBB", version, 0x0801, 8192, 65535, 0x0100, 0, 0, nsi_flags, nsi_flags)
    if version < 315:
        return head + bytes(8)
    body = head + bytes(8) + struct.pack(">II", 8192, 65535) + b"\0" + struct.pack(">I", 0)
    return body[:12] + struct.pack(">H", 8 + len(body)) + body[14:]  # the offset of the (empty) accept data


def refuse_payload(error: int) -> bytes:
    """A REFUSE packet's body: user and system reasons, then the listener's description of the error."""
    text = f"(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR={error})(ERROR_STACK=(ERROR=(CODE={error})(EMFI=4))))".encode()
    return struct.pack(">BBH", 34, 0, len(text)) + text


class OracleStandIn:
    """A listener on 127.0.0.1 that answers every CONNECT as `behaviour` says, for the names it knows."""

    def __init__(
        self,
        behaviour: str,
        *,
        services: Iterable[str] = ("PROD",),
        sids: Iterable[str] = (),
        error: int = 12519,
    ) -> None:
        if behaviour not in VERSIONS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(VERSIONS)}")
        self.behaviour, self.error = behaviour, error
        self.services, self.sids = {s.upper() for s in services}, {s.upper() for s in sids}
        self.descriptors: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> OracleStandIn:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def attempts(self) -> int:
        """CONNECT packets received: one per connection attempt of the driver."""
        return len(self.descriptors)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError), client:
            descriptor = _read_connect(client)
            if descriptor is None:
                return
            self.descriptors.append(descriptor)
            refused = self._unknown_name(descriptor)
            if refused is not None:
                client.sendall(packet(REFUSE, refuse_payload(refused)))
            elif self.behaviour == "reset":  # close with RST: what the server does, before any answer
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.behaviour == "refuse":
                client.sendall(packet(REFUSE, refuse_payload(self.error)))
            else:
                flags = NSI_NA_REQUIRED | NSI_NA_DISABLED if self.behaviour == "nne" else NSI_NA_DISABLED
                client.sendall(packet(ACCEPT, accept_payload(VERSIONS[self.behaviour], flags)))
                with contextlib.suppress(OSError):
                    client.recv(65536)  # the driver closes (or sends its next packet) once it has read the answer

    def _unknown_name(self, descriptor: str) -> int | None:
        """The listener's error for a name it does not know, as a real listener answers."""
        service = re.search(r"\(SERVICE_NAME=([^)]*)\)", descriptor, re.IGNORECASE)
        if service is not None and service.group(1).upper() not in self.services:
            return ERR_UNKNOWN_SERVICE
        sid = re.search(r"\(SID=([^)]*)\)", descriptor, re.IGNORECASE)
        if sid is not None and sid.group(1).upper() not in self.sids:
            return ERR_UNKNOWN_SID
        return None

    def program(self, attempt: int = -1) -> str | None:
        """The PROGRAM the driver announced in a CONNECT descriptor (V$SESSION.PROGRAM once logged in)."""
        found = re.search(r"\(PROGRAM=([^)]*)\)", self.descriptors[attempt])
        return found.group(1) if found else None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def _read_exactly(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_packet(client: socket.socket) -> tuple[int, bytes]:
    header = _read_exactly(client, 8)
    length, _checksum, kind = struct.unpack(">HHB", header[:5])
    return kind, header + _read_exactly(client, length - 8)


def _read_connect(client: socket.socket) -> str | None:
    """The connect descriptor of a CONNECT packet (or of the DATA packet that follows when it is too long)."""
    try:
        kind, connect = _read_packet(client)
        if kind != CONNECT:
            return None
        (length,) = struct.unpack(">H", connect[24:26])
        if len(connect) >= CONNECT_DATA_OFFSET + length:
            return connect[CONNECT_DATA_OFFSET : CONNECT_DATA_OFFSET + length].decode("ascii", "replace")
        kind, data = _read_packet(client)
        return data[10 : 10 + length].decode("ascii", "replace") if kind == DATA else None
    except ConnectionError:
        return None
