"""Following the agent live, as `docker logs -f` / `podman logs -f` does: each event on stdout when it happens, with
its own time; an outage shows every retry and its wait; /readyz knows the queue from the first answer."""

from __future__ import annotations

import json
import queue
import signal
import threading
import time
from datetime import datetime
from typing import Any

import httpx

from tests.support.hospital import Hospital
from tests.support.processes import Agent
from tests.support.receivers import status, wait_until

OUTAGE = [status(503)] * 1000


class Follower(Agent):
    """`run` whose stdout is read line by line as it is written, each event with the moment it was read."""

    def __init__(self, env: dict[str, str], hospital: Hospital) -> None:
        super().__init__(env, hospital.folder)
        self.lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.seen: list[tuple[float, dict[str, Any]]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.lines.put((time.monotonic(), json.loads(line)))

    def until(self, event: str, timeout: float = 30, **fields: object) -> dict[str, Any] | None:
        """Events read so far, up to the first `event` with these fields (None if none came in time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(seen)
            found = seen[1]
            if found["event"] == event and all(found.get(k) == v for k, v in fields.items()):
                return found
        return None

    def stop_reading(self) -> str:
        """Stop the agent; what it wrote on stderr (its stdout was read as it came)."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return err


def test_an_outage_is_followed_live_on_stdout(hospital: Hospital) -> None:
    """API answering 503: `census_extracted` is on stdout right after the read, then each failed attempt as
    `push_retry` with its number and the wait before the next, while the cycle is still retrying; each event is
    stamped with the time it happened, not the cycle's end; stderr stays empty."""
    hospital.receiver.add(*OUTAGE)
    env = hospital.env(HOTELEITOS_SCHEDULE="1m", HOTELEITOS_API_RETRY_DEADLINE="30")
    follower = Follower(env, hospital)
    try:
        assert follower.until("push_retry", attempt=3) is not None, follower.seen
        finished = [e for _, e in follower.seen if e["event"] == "cycle_finished"]
        assert not finished  # the cycle is still retrying: the events came as they happened
        events = [e for _, e in follower.seen]
        names = [e["event"] for e in events]
        assert names.index("census_extracted") < names.index("snapshot_stored") < names.index("push_retry")
        retries = [e for e in events if e["event"] == "push_retry"]
        assert [e["attempt"] for e in retries] == [1, 2, 3]
        assert all(e["status"] == 503 and e["retry_in_s"] > 0 and "503" in e["message"] for e in retries)
        stamps = [datetime.fromisoformat(e["timestamp"]) for e in events]
        assert stamps == sorted(stamps)
        extracted = next(e for e in events if e["event"] == "census_extracted")
        third = retries[-1]
        waited = retries[0]["retry_in_s"] + retries[1]["retry_in_s"]
        gap = (
            datetime.fromisoformat(third["timestamp"]) - datetime.fromisoformat(extracted["timestamp"])
        ).total_seconds()
        assert gap >= waited * 0.9  # the read's own time, not the time the later events were written
    finally:
        err = follower.stop_reading()
    assert err == ""


def test_readyz_reports_the_queue_from_the_start(hospital: Hospital) -> None:
    """Three censuses queued by earlier runs: from the health server's first answer, while the first cycle of
    this run is still retrying, /readyz says `pending: 3`."""
    for _ in range(3):
        code, output, _ = hospital.once(*OUTAGE, HOTELEITOS_API_RETRY_DEADLINE="0.2")
        assert code == 1, output
    hospital.receiver.add(*OUTAGE)
    env = hospital.env(HOTELEITOS_SCHEDULE="1m", HOTELEITOS_API_RETRY_DEADLINE="30")
    follower = Follower(env, hospital)
    try:

        def readyz() -> dict[str, Any] | None:
            try:
                return dict(httpx.get(f"http://127.0.0.1:{follower.port}/readyz", timeout=3).json())
            except httpx.TransportError:
                return None

        assert wait_until(lambda: readyz() is not None, timeout=30)
        body = readyz()
        assert body is not None and body["outbox"]["pending"] == 3, body
        assert follower.until("push_retry", timeout=30) is not None
        assert not [e for _, e in follower.seen if e["event"] == "cycle_finished"]
        body = readyz()
        assert body is not None and body["outbox"]["pending"] == 3 and body["ready"] is False, body
    finally:
        follower.stop_reading()
