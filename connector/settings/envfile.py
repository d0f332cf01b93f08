"""Values of environment variables as the operator meant them, and as the operator may see them.

`docker compose` reads `KEY=value  # comment` in an `.env` file as `value`, but `docker run --env-file` passes
the whole text on, comment and quotes included: `native_postgres  # MV`. `meant` gives back what compose would
have read, so that one `.env` works the same both ways. `shown` is how a received value appears in a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_COMMENT = re.compile(r"\s+#.*$", re.DOTALL)
_QUOTED = re.compile(r"""^(?P<q>["'])(?P<inner>.*?)(?P=q)(?:\s+#.*)?$""", re.DOTALL)
MASK = "***"


def meant(value: str) -> str:
    """The value without an unquoted trailing ` # comment`, without its surrounding quotes and blanks.

    A `#` with no blank before it is part of the value (`senha#1`), as in compose.
    """
    text = value.strip()
    quoted = _QUOTED.match(text)
    if quoted:
        return quoted.group("inner")
    return _COMMENT.sub("", text)


def cleaned(environ: Mapping[str, str | None], wanted: Iterable[str], prefixes: tuple[str, ...] = ()) -> dict[str, str]:
    """`environ` with the variables named in `wanted` or starting with one of `prefixes` read as `meant`;
    the other variables pass unchanged (only ours are read, so only ours are touched)."""
    names = {name.casefold() for name in wanted}
    folded = tuple(p.casefold() for p in prefixes)
    result: dict[str, str] = {}
    for key, value in environ.items():
        if value is None:
            continue
        ours = key.casefold() in names or key.casefold().startswith(folded)
        result[key] = meant(value) if ours else value
    return result


def shown(value: object, *, secret: bool = False, limit: int = 80) -> str:
    """A received value for a message: quoted, cut when long, `***` for a secret."""
    if secret:
        return MASK
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"
