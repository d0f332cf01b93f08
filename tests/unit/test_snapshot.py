"""The snapshot body: the contract's envelope, written column by column yet byte-identical to json.dumps."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from connector import snapshot as snapshot_module
from connector.census import FIELDS, normalise_census
from connector.snapshot import build_snapshot, records_json

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
