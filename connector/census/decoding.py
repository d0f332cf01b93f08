"""Text from the HIS as correct, clean Unicode.

Legacy databases (Wareline on PostgreSQL LATIN1 or SQL_ASCII, a SQLite file written by anything) hold bytes of
UTF-8, Windows-1252 and Latin-1 mixed in one table. The source layer hands such values over as the bytes the HIS
wrote; `Decoder` turns each one into text on its own: UTF-8 when the bytes are valid UTF-8, else Windows-1252, else
Latin-1 (which always decodes), never a U+FFFD. `clean` then removes what a name must never carry: control
characters (ESC sequences, BEL, backspace, NUL) and invisible format characters such as bidi overrides.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

# Bytes that Windows-1252 gives printable characters (quotes, dashes, €) and Latin-1 gives C1 controls.
_CP1252_ONLY = frozenset(range(0x80, 0xA0))
# Windows-1252's usual names, so that `declared` compares equal whatever the database called it.
_ALIASES = {"latin1": "latin-1", "iso8859-1": "latin-1", "iso-8859-1": "latin-1", "windows-1252": "cp1252"}


def canonical_codec(name: str) -> str:
    """Python's codec name for an encoding (`LATIN1` -> `latin-1`); LookupError when there is none."""
    found = codecs.lookup(name).name
    return _ALIASES.get(found, found)


@dataclass(frozen=True)
class Decoder:
    """How bytes from the HIS become text.

    `forced`: the encoding the operator set (HOTELEITOS_SOURCE_ENCODING); `declared`: the one the database
    claims for its text (None where it claims none, as SQL_ASCII, or UTF-8 is expected). A value is *guessed*
    when it had to be read otherwise than the forced or declared encoding says.
    """

    forced: str | None = None
    declared: str | None = None

    def decode(self, raw: bytes) -> tuple[str, bool]:  # noqa: PLR0911 - one return per way out of the fallbacks
        """The text of `raw`, and whether its encoding had to be guessed."""
        if self.forced is not None:
            try:
                return raw.decode(self.forced), False
            except UnicodeDecodeError:
                text, _ = Decoder(declared=self.declared).decode(raw)
                return text, True
        if raw.isascii():
            return raw.decode("ascii"), False
        try:
            return raw.decode("utf-8"), self.declared not in (None, "utf-8")
        except UnicodeDecodeError:
            pass
        if self.declared not in (None, "utf-8", "latin-1", "cp1252"):
            try:
                return raw.decode(self.declared), False
            except UnicodeDecodeError:
                pass
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in Windows-1252
            return raw.decode("latin-1"), self.declared != "latin-1"
        guessed = self.declared != "cp1252" and not (self.declared == "latin-1" and _CP1252_ONLY.isdisjoint(raw))
        return text, guessed


DEFAULT_DECODER = Decoder()


def clean(text: str) -> tuple[str, bool]:
    """`text` without control and format characters (whitespace controls become spaces), and whether anything
    that was not whitespace had to be removed."""
    if text.isprintable():
        return text, False
    kept: list[str] = []
    removed = False
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            removed = True
        else:
            kept.append(char)
    return "".join(kept), removed


def printable(text: str) -> str:
    """`text` safe to print on a terminal: anything non-printable shown as its escape (`\\x1b`), never raw."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text)
