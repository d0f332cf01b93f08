"""HOTELEITOS_API_GZIP: the census goes gzip-compressed, the very bytes the outbox stored; bodies stored by earlier
versions (zlib) still go out in either mode; a damaged body is still quarantined; an API that refuses compressed
bodies (415) pauses delivery instead of setting censuses aside. Real PostgreSQL, real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from structlog.testing import capture_logs

from connector.commands.demo.receiver import Received
from connector.cycle import Agent
from tests.support.hospital import Hospital, damage_body, first_acceptances, make_hospital
from tests.support.receivers import ScriptedReceiver, status


def stored_bodies(path: Path) -> dict[str, bytes]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT id, body FROM snapshots"))


def test_gzip_body_is_the_stored_one_and_much_smaller(hospital: Hospital) -> None:
    """API down for two cycles, then up: every snapshot goes with Content-Encoding: gzip, its wire bytes are exactly
    what the outbox stored (nothing recompressed), and the decoded census is the contract's envelope."""
    hospital.set_patients(2000)
    agent = Agent(hospital.settings(api={"gzip": True, "retry_deadline": 0.3}))
    try:
        hospital.receiver.add(*[status(503)] * 100)
        queued = [agent.cycle().snapshot_id for _ in range(2)]
        stored = stored_bodies(agent.outbox.path)
        hospital.receiver.script.clear()
        report = agent.cycle()
        assert report.ok, report.errors
    finally:
        agent.close()
    assert first_acceptances(hospital.receiver) == [*queued, report.snapshot_id]
    for request in hospital.receiver.accepted:
        assert request.headers["content-encoding"] == "gzip"
        assert request.wire is not None and int(request.headers["content-length"]) == len(request.wire)
        assert len(request.wire) * 5 < len(request.body)
        payload = request.json()
        assert payload["count"] == len(payload["pacientes"]) == 2000
    for request in hospital.receiver.accepted[:2]:
        assert request.wire == stored[request.headers["idempotency-key"]]


@pytest.mark.parametrize("gzip", [False, True])
def test_a_body_stored_by_an_earlier_version_still_goes_out(hospital: Hospital, gzip: bool) -> None:
    """A pending snapshot whose body an earlier version stored as a zlib stream is delivered, plain or gzip, with the
    same census it held."""
    agent = Agent(hospital.settings(api={"gzip": gzip, "retry_deadline": 0.3}))
    try:
        hospital.receiver.add(*[status(503)] * 100)
        old_id = agent.cycle().snapshot_id
        with sqlite3.connect(agent.outbox.path) as db:
            (body,) = db.execute("SELECT body FROM snapshots WHERE id = ?", (old_id,)).fetchone()
            db.execute("UPDATE snapshots SET body = ? WHERE id = ?", (zlib.compress(zlib.decompress(body, 47)), old_id))
        hospital.receiver.script.clear()
        report = agent.cycle()
        assert report.ok, report.errors
    finally:
        agent.close()
    assert first_acceptances(hospital.receiver) == [old_id, report.snapshot_id]
    first = hospital.receiver.accepted[0]
    assert first.headers.get("content-encoding") == ("gzip" if gzip else None)
    assert first.json()["snapshot_id"] == old_id and first.json()["count"] == 25


def test_a_damaged_gzip_body_is_quarantined_never_sent(hospital: Hospital) -> None:
    """With gzip on, a stored body with one flipped byte is checked before it goes: quarantined, the rest delivered."""
    agent = Agent(hospital.settings(api={"gzip": True, "retry_deadline": 0.3}))
    try:
        hospital.receiver.add(*[status(503)] * 100)
        ids = [agent.cycle().snapshot_id for _ in range(3)]
        damage_body(agent.outbox.path, ids[1])
        hospital.receiver.script.clear()
        report = agent.cycle()
    finally:
        agent.close()
    assert first_acceptances(hospital.receiver) == [ids[0], ids[2], report.snapshot_id]
    assert report.round.quarantined == [ids[1]]


def test_an_api_refusing_compressed_bodies_pauses_delivery(hospital: Hospital) -> None:
    """A 415 to a gzip body is the setting's fault, not the census's: nothing is set aside, the census stays pending,
    and the message names HOTELEITOS_API_GZIP."""
    code, output, created = hospital.once(status(415), HOTELEITOS_API_GZIP="true")
    assert code == 1
    assert "HOTELEITOS_API_GZIP" in output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    finished = next(e for e in events if e["event"] == "cycle_finished")
    assert finished["pending"] == 1 and finished["dead"] == 0 and len(created) == 1


class SizeLimitedApi(ScriptedReceiver):
    """An API (or its proxy) that refuses bodies above `limit` bytes on the wire with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def respond(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        if len(request.wire or request.body) > self.limit:
            with self.lock:
                self.answers.append(413)
            return 413, {"Content-Type": "application/json"}, b'{"error":"payload too large"}'
        return super().respond(request)


def test_a_census_refused_for_its_size_goes_again_compressed_and_so_do_the_next(pg_url: URL, tmp_path: Path) -> None:
    """A 413 to a plain census: sent again gzip-compressed once, delivered, and said in the log; the next census
    goes compressed from the start (no 413 first)."""
    with SizeLimitedApi(limit=200_000) as api:
        hospital = make_hospital(pg_url, api, tmp_path)
        hospital.set_patients(2000)
        agent = Agent(hospital.settings())
        try:
            with capture_logs() as logs:
                first = agent.cycle()
            second = agent.cycle()
        finally:
            agent.close()
    assert first.ok and second.ok, first.errors + second.errors
    assert api.answers == [413, 200, 200]
    assert [r.headers.get("content-encoding") for r in api.accepted] == ["gzip", "gzip"]
    said = next(e for e in logs if e["event"] == "push_compressed_after_413")
    assert said["log_level"] == "warning" and "HOTELEITOS_API_GZIP=true" in said["message"]
    assert said["compressed_bytes"] < 200_000 < said["bytes"]


def test_a_census_too_large_even_compressed_is_set_aside_with_the_reason(pg_url: URL, tmp_path: Path) -> None:
    """413 to the plain census and to the compressed one: set aside once, with a reason that names the size and
    the compressed try; the next census is tried plain again."""
    with SizeLimitedApi(limit=2_000) as api:
        hospital = make_hospital(pg_url, api, tmp_path)
        hospital.set_patients(2000)
        agent = Agent(hospital.settings())
        try:
            report = agent.cycle()
            agent.cycle()
        finally:
            agent.close()
    assert [r.status for r in report.rejected] == [413]
    message = report.rejected[0].message
    assert "por tamanho (HTTP 413" in message and "mesmo comprimido em gzip" in message
    assert api.answers == [413, 413, 413, 413]
