"""The push's connection outlives the schedule's interval, and the deadline and SIGTERM still cut it when it is
reused. A real receiver on 127.0.0.1."""

from __future__ import annotations

import threading
import time

import pytest

from connector.delivery import sink as sink_module
from connector.delivery.sink import ApiSink
from connector.delivery.snapshot import Snapshot
from connector.errors import RetriableSinkError
from connector.settings import ApiSettings
from tests.support.receivers import Fault, ScriptedReceiver


def snapshot(number: int) -> Snapshot:
    return Snapshot.of(f"snap-{number}", "2026-11-26T10:00:00-03:00", 0, b"[]")


def api(receiver: ScriptedReceiver, **values: object) -> ApiSettings:
    return ApiSettings(url=receiver.url, token="token-de-teste-123", path="/", **values)  # type: ignore[arg-type]


def test_consecutive_pushes_reuse_one_connection_beyond_httpx_default_idle(receiver: ScriptedReceiver) -> None:
    """Two pushes 6 s apart (httpx would drop an idle connection after 5 s) go on the same TCP connection when the
    schedule is longer than that."""
    sink = ApiSink(api(receiver), max_pause=30)
    try:
        sink.push(snapshot(1), deadline=5)
        time.sleep(6)
        sink.push(snapshot(2), deadline=5)
    finally:
        sink.close()
    first, second = receiver.accepted
    assert first.peer_port == second.peer_port


def test_stop_cuts_a_push_on_a_reused_connection(receiver: ScriptedReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM during a push whose connection was opened by an earlier push: the watch still shuts that socket down
    after the grace period, instead of waiting for a slow API to answer."""
    monkeypatch.setattr(sink_module, "STOP_GRACE", 0.2)
    stop = threading.Event()
    sink = ApiSink(api(receiver, read_timeout=30), stop=stop, max_pause=30)
    try:
        sink.push(snapshot(1), deadline=5)
        receiver.add(Fault(delay=8))
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        with pytest.raises(RetriableSinkError) as caught:
            sink.send(snapshot(2))
        assert time.monotonic() - started < 3
        assert caught.value.detail == "stopped"
    finally:
        sink.close()
    assert len({request.peer_port for request in receiver.received}) == 1
