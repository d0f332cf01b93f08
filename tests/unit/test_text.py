"""Text from legacy databases: bytes decoded one value at a time, control characters removed, dates made sane."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connector.census import FIELDS, normalise_census
from connector.census.decoding import Decoder, clean, printable
from connector.census.normalise import CODE_LENGTH, NAME_LENGTH
from connector.source.driver_text import ascii_literals, pg_codec, sqlite_text

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TODAY = date(2026, 11, 26)

DECODING = [
    # (label, raw bytes, decoder, text, guessed)
    ("ascii", b"MARIA", Decoder(), "MARIA", False),
    ("utf-8 where utf-8 is expected", "JOÃO".encode(), Decoder(), "JOÃO", False),
    ("cp1252 where utf-8 is expected", "D’ÁVILA".encode("cp1252"), Decoder(), "D’ÁVILA", True),
    ("latin-1 in a latin-1 database", "JOSÉ".encode("latin-1"), Decoder(declared="latin-1"), "JOSÉ", False),
    ("cp1252 quote in a latin-1 database", b"D\x92AVILA", Decoder(declared="latin-1"), "D’AVILA", True),
    ("utf-8 in a latin-1 database", "JOÃO".encode(), Decoder(declared="latin-1"), "JOÃO", True),
    ("byte undefined in cp1252", b"A\x81B", Decoder(), "A\x81B", True),
    ("forced encoding", "D’ÁVILA".encode("cp1252"), Decoder(forced="cp1252"), "D’ÁVILA", False),
    ("forced encoding that cannot decode", "JOÃO".encode(), Decoder(forced="ascii"), "JOÃO", True),
]


@pytest.mark.parametrize(("label", "raw", "decoder", "expected", "guessed"), DECODING, ids=[c[0] for c in DECODING])
def test_bytes_decode_per_value(label: str, raw: bytes, decoder: Decoder, expected: str, guessed: bool) -> None:
    """UTF-8 when valid, else Windows-1252, else Latin-1; guessed when not what the database declares."""
    assert decoder.decode(raw) == (expected, guessed), label


HOSTILE = [
    "\x1b]0;hacked\x07MARIA\x1b[2J",  # retitles the terminal and clears it
    "JO\x08\x08\x08ANA",  # backspaces
    "MA\x00RIA",  # NUL
    "\u202eAIRAM",  # bidi override
    "\u200bMARIA\u200d",  # zero-width characters
    "MARIA\x9b31m",  # C1 CSI
]


@pytest.mark.parametrize("value", HOSTILE)
def test_control_and_format_characters_are_removed(value: str) -> None:
    """No control or invisible format character survives; something was removed, and it is said."""
    cleaned, removed = clean(value)
    assert removed and cleaned.isprintable()


def test_whitespace_controls_become_spaces_without_a_warning() -> None:
    """Tabs and line breaks are whitespace, not an attack: they become spaces, nothing is reported."""
    assert clean("ANA\tMARIA\r\n") == ("ANA MARIA  ", False)


def test_hostile_values_in_the_census_are_cleaned_and_counted() -> None:
    """Every text field is cleaned (names and codes alike) and each cleaned value counted once."""
    rows = [(str(i), f"L{i}\x07", value) for i, value in enumerate(HOSTILE, start=1)]
    census = normalise_census(["cod_ocorrencia", "cod_leito", "paciente_nome"], rows, TODAY)
    for record in census.records:
        for value in record.values():
            assert value is None or value.isprintable(), value
    assert census.issues.counts[("control_characters", "paciente_nome")] == len(HOSTILE)
    assert census.issues.counts[("control_characters", "cod_leito")] == len(HOSTILE)
    assert census.records[0]["paciente_nome"] == "]0;hackedMARIA[2J"


def test_printable_escapes_what_a_terminal_would_obey() -> None:
    """`preview` prints through this: ESC and BEL are shown as escapes, never raw."""
    assert printable("A\x1b[2JB\x07") == "A\\x1b[2JB\\x07"
    assert printable("JOSÉ DA SILVA") == "JOSÉ DA SILVA"


def census_of(**values: object) -> dict[str, str | None]:
    columns = ["cod_ocorrencia", *values]
    return normalise_census(columns, [("1", *values.values())], TODAY, tz=SAO_PAULO).records[0]


def test_aware_timestamps_are_cut_to_a_date_in_the_hospitals_zone() -> None:
    """22:30 in São Paulo is 01:30 UTC the next day: the admission is on the 26th, as given or in UTC."""
    late = datetime(2026, 11, 26, 22, 30, tzinfo=SAO_PAULO)
    assert census_of(data_internacao=late)["data_internacao"] == "2026-11-26"
    assert census_of(data_internacao=late.astimezone(UTC))["data_internacao"] == "2026-11-26"
    assert census_of(data_internacao="2026-11-27T01:30:00+00:00")["data_internacao"] == "2026-11-26"
    assert census_of(data_internacao="2026-11-26 22:30:00")["data_internacao"] == "2026-11-26"  # naive: local
    assert census_of(data_internacao=datetime(2026, 11, 26, 23, 59))["data_internacao"] == "2026-11-26"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("data_internacao", date(1, 1, 1)),
        ("data_internacao", date(2999, 1, 1)),
        ("data_internacao", "4713-01-01 BC"),
        ("data_internacao", datetime(1899, 12, 31, 10)),
        ("data_internacao", TODAY + timedelta(days=2)),
        ("paciente_data_nascimento", "4713-01-01 BC"),
        ("paciente_data_nascimento", TODAY + timedelta(days=1)),
        ("paciente_data_nascimento", date(1879, 12, 31)),
        ("paciente_data_nascimento", "infinity"),
    ],
)
def test_implausible_dates_become_null_with_a_warning(field: str, value: object) -> None:
    """Year 1, 2999, dates before Christ, the future: null, counted; the patient stays."""
    census = normalise_census(["cod_ocorrencia", field], [("1", value)], TODAY, tz=SAO_PAULO)
    assert len(census) == 1 and census.records[0][field] is None
    assert census.issues.count("date_out_of_range") + census.issues.count("invalid_date") == 1


def test_admission_tomorrow_is_still_plausible() -> None:
    """Admission dates up to a day ahead (a clock a little off) are kept."""
    assert census_of(data_internacao=TODAY + timedelta(days=1))["data_internacao"] == "2026-11-27"


def test_bytes_reach_every_field_decoded() -> None:
    """A SQLite or SQL_ASCII value handed over as bytes is decoded, with its guess counted."""
    census = normalise_census(
        list(FIELDS[:7]), [("1", None, None, None, "SAÚDE".encode("cp1252"), None, "ANDRÉ".encode())], TODAY
    )
    assert census.records[0]["convenio_nome"] == "SAÚDE"
    assert census.records[0]["paciente_nome"] == "ANDRÉ"
    assert census.issues.counts[("encoding_guessed", "convenio_nome")] == 1


def test_sqlite_text_factory_keeps_bad_bytes_for_the_census() -> None:
    """UTF-8 decodes as usual; anything else stays bytes instead of failing the read."""
    assert sqlite_text("JOÃO".encode()) == "JOÃO"
    assert sqlite_text(b"JOS\xc9") == b"JOS\xc9"


def test_sql_for_an_ascii_server_escapes_non_ascii_literals_only() -> None:
    """'INTERNAÇÃO' travels as UTF-8 byte escapes; quotes, backslashes and ASCII literals are kept right."""
    sql = "SELECT CASE t WHEN 'I' THEN 'INTERNAÇÃO' END, 'it''s é\\' FROM x WHERE y = 'a'"
    assert ascii_literals(sql) == (
        "SELECT CASE t WHEN 'I' THEN E'INTERNA\\xC3\\x87\\xC3\\x83O' END, E'it''s \\xC3\\xA9\\\\' FROM x WHERE y = 'a'"
    )
    assert ascii_literals("SELECT 1") == "SELECT 1"


def test_postgresql_encoding_names_map_to_python_codecs() -> None:
    """LATIN1, WIN1252 and LATIN9 are reversible; SQL_ASCII has no codec (its bytes are taken as they are)."""
    assert pg_codec("LATIN1") == "latin-1"
    assert pg_codec("WIN1252") == "cp1252"
    assert pg_codec("LATIN9") == "iso8859-15"
    assert pg_codec("SQL_ASCII") is None


def test_every_field_is_cut_to_its_length_with_a_warning_and_the_row_kept() -> None:
    """A 5 MB name goes as its first 200 characters, a 100-character code as its first 64 (the key too, the same
    way every cycle); each cut is counted at its field; no patient leaves the census."""
    huge = "JOSÉ " * 1_000_000
    long_code = "7" * 100
    columns = ["cod_ocorrencia", "cod_leito", "paciente_nome", "convenio_nome", "paciente_codigo"]
    rows = [("1", long_code, huge, "CONVÊNIO", 12345), (long_code, "L2", "MARIA", "X" * 201, Decimal("1" * 70))]
    census = normalise_census(columns, rows, TODAY)
    first, second = census.records
    assert len(census) == 2 and census.rows_read == 2
    assert first["paciente_nome"] == ("JOSÉ " * 40).rstrip() and len(first["paciente_nome"]) == NAME_LENGTH - 1
    assert first["cod_leito"] == "7" * CODE_LENGTH and first["convenio_nome"] == "CONVÊNIO"
    assert second["cod_ocorrencia"] == "7" * CODE_LENGTH and second["convenio_nome"] == "X" * NAME_LENGTH
    assert second["paciente_codigo"] == "1" * CODE_LENGTH
    assert dict(census.issues.counts) == {
        ("too_long", "cod_ocorrencia"): 1,
        ("too_long", "cod_leito"): 1,
        ("too_long", "paciente_nome"): 1,
        ("too_long", "convenio_nome"): 1,
        ("too_long", "paciente_codigo"): 1,
    }


def test_a_long_sex_value_is_unknown_not_cut() -> None:
    """Only one letter is ever sent for the sex: a long value is just not recognised (one warning)."""
    census = normalise_census(["cod_ocorrencia", "paciente_sexo"], [("1", "M" * 500)], TODAY)
    assert census.records[0]["paciente_sexo"] is None
    assert dict(census.issues.counts) == {("unknown_sex", "paciente_sexo"): 1}
