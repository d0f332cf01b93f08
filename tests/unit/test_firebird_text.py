"""Text from a Firebird connection with the connector's codec: UTF-8 stays text, any other byte reaches the census as
the byte the HIS stored; a driver that still cannot decode a value fails the read naming the setting to use."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from connector.errors import SourceError
from connector.source.driver_text import firebird_codec, raw_bytes
from connector.source.fetch import fetch

WINDOWS = "JOÃO D'ÁVILA".encode("cp1252")


def test_the_escaped_codec_keeps_utf8_as_text_and_other_bytes_as_they_were() -> None:
    """Decoding never fails; UTF-8 values come out as text, Windows-1252 ones as their own bytes again."""
    codec = firebird_codec("utf_8", raw=False)
    values = [("JOSÉ".encode().decode(codec), WINDOWS.decode(codec), b"INTERNACAO".decode(codec), 7)]
    assert next(raw_bytes(iter([values]), "escaped")) == [("JOSÉ", WINDOWS, "INTERNACAO", 7)]
    assert "AÇÃO".encode(codec) == "AÇÃO".encode()  # statements and parameters as before


def test_the_raw_codec_gives_every_non_ascii_text_back_as_bytes() -> None:
    """With HOTELEITOS_SOURCE_ENCODING set, every non-ASCII value reaches the census as bytes, for the setting to
    decode; statements are encoded in the connection's own encoding."""
    codec = firebird_codec("cp1252", raw=True)
    rows = [(WINDOWS.decode(codec), "ASCII")]
    assert next(raw_bytes(iter([rows]), "latin-1")) == [(WINDOWS, "ASCII")]
    assert "AÇÃO".encode(codec) == "AÇÃO".encode("cp1252")


def test_a_value_the_driver_cannot_decode_names_the_setting() -> None:
    """A UnicodeDecodeError in the middle of the rows is a read failure of kind `encoding` that names
    HOTELEITOS_SOURCE_ENCODING, not an unexpected failure of the cycle; the value is never quoted."""
    engine = create_engine("sqlite://")

    def consume(_columns: object, _batches: object, _declared: object) -> None:
        WINDOWS.decode("utf-8")

    with pytest.raises(SourceError) as failed:
        fetch(engine, text("SELECT 1"), {}, consume)
    assert failed.value.kind == "encoding" and "HOTELEITOS_SOURCE_ENCODING" in str(failed.value)
    assert "JO" not in str(failed.value)
