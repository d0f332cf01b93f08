"""The snapshot body: the contract's envelope, written column by column yet byte-identical to json.dumps."""

from __future__ import annotations

import gzip
import json
import zlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.census import FIELDS, normalise_census
from connector.delivery import snapshot as snapshot_module
from connector.delivery.snapshot import build_snapshot, pack, records_json, repack, unpack

TRICKY = ['aspas "duplas"', "barra \\ invertida", "tab\tnova\nlinha", "JOÃO ÇÃO ü 日本", "\x01\x1f controle",
          "emoji 🏥", "</script>", "  "]  # fmt: skip


def census_of(rows: list[tuple[object, ...]]):  # type: ignore[no-untyped-def]
    return normalise_census(["cod_ocorrencia", "cod_quarto", "paciente_nome"], rows, date(2026, 11, 26))


def test_records_json_equals_json_dumps_for_every_kind_of_text() -> None:
    """Quotes, backslashes, control characters, accents, emoji, nulls: the same bytes as json.dumps."""
    census = census_of([(str(i), value, value) for i, value in enumerate(TRICKY)] + [("99", None, None)])
    expected = json.dumps(census.records, ensure_ascii=False, separators=(",", ":")).encode()
    assert records_json(census) == expected
    assert json.loads(records_json(census)) == census.records


def test_records_json_spans_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several chunks join into one array, in census order, with no missing comma."""
    monkeypatch.setattr(snapshot_module, "CHUNK_ROWS", 3)
    census = census_of([(str(i), f"Q{i}", f"NOME {i}") for i in range(10, 21)])
    assert records_json(census) == json.dumps(census.records, ensure_ascii=False, separators=(",", ":")).encode()


def test_envelope_has_the_contract_fields_in_order() -> None:
    """snapshot_id, captured_at (hospital offset), source, count, pacientes with 15 keys each."""
    census = census_of([("2", "Q", "ANA"), ("1", None, "BIA"), ("1", "X", "BIA")])
    captured = datetime(2026, 11, 26, 2, 0, 0, 123456, tzinfo=ZoneInfo("America/Sao_Paulo"))
    snapshot = build_snapshot(census, vendor="mv", captured_at=captured, body_format="envelope")
    body = json.loads(snapshot.body)
    assert list(body) == ["snapshot_id", "captured_at", "source", "count", "pacientes"]
    assert body["snapshot_id"] == snapshot.id
    assert body["captured_at"] == "2026-11-26T02:00:00-03:00"
    assert body["source"] == {"vendor": "mv", "connector_version": "0.1.0"}
    assert body["count"] == snapshot.count == 2
    assert [p["cod_ocorrencia"] for p in body["pacientes"]] == ["1", "2"]
    assert all(list(p) == list(FIELDS) for p in body["pacientes"])
    assert body["pacientes"][0]["cod_quarto"] == "X"  # the more complete duplicate


def test_array_format_sends_the_bare_list() -> None:
    """body_format=array: only the records."""
    census = census_of([("1", "Q", "ANA")])
    snapshot = build_snapshot(census, vendor="mv", captured_at=datetime(2026, 1, 1), body_format="array")
    assert json.loads(snapshot.body) == census.records


def test_empty_census_is_an_empty_list() -> None:
    """No rows: count 0 and an empty pacientes list (the guard decides whether it may go)."""
    census = census_of([])
    body = json.loads(
        build_snapshot(census, vendor="mv", captured_at=datetime(2026, 1, 1), body_format="envelope").body
    )
    assert body["count"] == 0 and body["pacientes"] == []


def test_stored_body_is_gzip_and_earlier_zlib_bodies_still_read() -> None:
    """The body is packed as gzip (what Content-Encoding: gzip sends); a zlib body from an earlier version unpacks
    to the same bytes and is repacked as gzip; a gzip body is returned as it is, not recompressed."""
    parts = (b'{"count":1,"pacientes":[', b'{"cod_ocorrencia":"1"}', b"]}")
    packed = pack(parts)
    assert packed[:2] == b"\x1f\x8b" and gzip.decompress(packed) == b"".join(parts)
    older = zlib.compress(b"".join(parts), 1)
    assert unpack(older) == unpack(packed) == b"".join(parts)
    assert repack(packed) is packed
    assert gzip.decompress(repack(older)) == b"".join(parts)


@pytest.mark.parametrize("damage", ["flip", "truncate", "trail"])
def test_a_damaged_gzip_body_is_refused_whole(damage: str) -> None:
    """A flipped byte, a cut tail or bytes after the end: the check reads the whole stream and refuses it."""
    packed = bytearray(pack([json.dumps([{"cod_ocorrencia": str(i)} for i in range(3000)]).encode()]))
    if damage == "flip":
        packed[len(packed) // 2] ^= 0x40
    elif damage == "truncate":
        del packed[-6:]
    else:
        packed += b"lixo"
    with pytest.raises(zlib.error):
        repack(bytes(packed))


def test_packed_form_is_computed_once_and_kept() -> None:
    """A snapshot's gzip form is the same object every time (the outbox stores it, the push sends it)."""
    census = census_of([("1", "Q1", "ANA")])
    snapshot = build_snapshot(census, vendor="mv", captured_at=datetime(2026, 11, 26, 2), body_format="envelope")
    assert snapshot.packed is snapshot.packed
    assert gzip.decompress(snapshot.packed) == snapshot.body
