"""The snapshot body: the contract's envelope, written column by column yet byte-identical to json.dumps."""

from __future__ import annotations

import gzip
import json
import zlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.census import FIELDS, normalise_batches, normalise_census
from connector.delivery.snapshot import build_snapshot, pack, repack, unpack

TRICKY = ['aspas "duplas"', "barra \\ invertida", "tab\tnova\nlinha", "JOÃO ÇÃO ü 日本", "\x01\x1f controle",
          "emoji 🏥", "</script>", "  "]  # fmt: skip


TODAY = date(2026, 11, 26)


def census_of(rows: list[tuple[object, ...]]):  # type: ignore[no-untyped-def]
    return normalise_census(["cod_ocorrencia", "cod_quarto", "paciente_nome"], rows, date(2026, 11, 26))


def test_the_records_text_equals_json_dumps_for_every_kind_of_text() -> None:
    """Quotes, backslashes, control characters, accents, emoji, nulls: the same bytes as json.dumps."""
    census = census_of([(str(i), value, value) for i, value in enumerate(TRICKY)] + [("99", None, None)])
    expected = json.dumps(census.records, ensure_ascii=False, separators=(",", ":")).encode()
    assert census.array() == expected
    assert len(census.records) == 9 and census.records[-1]["cod_ocorrencia"] == "99"


def test_a_census_read_in_batches_is_one_gzip_body() -> None:
    """A census read in several batches (each compressed on its own, some with a repeated encounter settled after the
    read) makes one valid gzip body: the same bytes as json.dumps of the envelope, its CRC and length checked by
    gzip; sent uncompressed, it comes out a megabyte at a time, as long as `size` says."""
    rows = [(str(i), f"Q{i}", f"NOME {i} " + "É" * (i % 7) * 300) for i in range(5000)]
    rows[4000] = ("7", None, None)  # a worse record of an encounter whose first one is in an earlier batch
    rows[9] = ("9", None, "NOME 9")
    rows[4999] = ("9", "QUARTO NOVO", "NOME 9")  # a better one (fewer nulls): the earlier piece is rewritten
    census = normalise_batches(["cod_ocorrencia", "cod_quarto", "paciente_nome"], _batches(rows, 700), TODAY)
    assert len(census.pieces) > 5 and len(census) == 4998 and census.issues.count("duplicate_cod_ocorrencia") == 2
    captured = datetime(2026, 11, 26, 2, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    snapshot = build_snapshot(census, vendor="mv", captured_at=captured, body_format="envelope")
    body = gzip.decompress(b"".join(snapshot.packed))
    head = {"snapshot_id": snapshot.id, "captured_at": "2026-11-26T02:00:00-03:00"}
    expected = head | {"source": {"vendor": "mv", "connector_version": "0.1.0"}, "count": 4998}
    expected["pacientes"] = census.records
    assert body == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert census.records[7]["cod_quarto"] == "Q7" and census.records[9]["cod_quarto"] == "QUARTO NOVO"
    parts = list(snapshot.parts())
    assert b"".join(parts) == body and len(body) == snapshot.size and len(parts) > 1
    assert max(map(len, parts)) <= 1 << 20


def _batches(rows: list[tuple[object, ...]], size: int) -> list[list[tuple[object, ...]]]:
    return [rows[start : start + size] for start in range(0, len(rows), size)]


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
    assert [p["cod_ocorrencia"] for p in body["pacientes"]] == ["2", "1"]  # as the rows came
    assert all(list(p) == list(FIELDS) for p in body["pacientes"])
    assert body["pacientes"][1]["cod_quarto"] == "X"  # the more complete duplicate


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


def test_the_gzip_body_is_made_of_the_census_pieces_not_a_copy() -> None:
    """The snapshot's gzip body holds the census's compressed pieces themselves (a large census is never copied),
    and joined they are one valid gzip stream of the body."""
    columns = ["cod_ocorrencia", "cod_quarto", "paciente_nome"]
    census = normalise_batches(columns, [[("1", "Q1", "ANA")], [("2", "Q2", "BIA")]], TODAY)
    snapshot = build_snapshot(census, vendor="mv", captured_at=datetime(2026, 11, 26, 2), body_format="envelope")
    assert len(census.pieces) == 2
    assert all(any(part is item.data for part in snapshot.packed) for item in census.pieces)
    assert gzip.decompress(b"".join(snapshot.packed)) == snapshot.body
    assert snapshot.packed_size == len(b"".join(snapshot.packed))
