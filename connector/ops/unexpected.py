"""An unexpected failure (a defect), told without a traceback and without its message.

The message of an arbitrary exception can quote a row of the census or a credential, and a traceback's last
frame is usually the standard library's. What helps whoever fixes it is the exception's type and the place in
the connector's own code where it happened; that is all that is printed.
"""

from __future__ import annotations

import traceback
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_OWN = (_ROOT / "connector", _ROOT / "adapters")


def where(error: BaseException) -> str:
    """`connector/file.py:line` of the innermost frame of the connector's own code (else the innermost frame)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if any(Path(frame.filename).resolve().is_relative_to(p) for p in _OWN)]
    frame = own[-1] if own else (frames[-1] if frames else None)
    if frame is None:
        return "?"
    path = Path(frame.filename).resolve()
    name = path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else Path(path.name)
    return f"{name.as_posix()}:{frame.lineno}"


def unexpected(error: BaseException) -> str:
    """The operator's line for a defect: its type and place, and what to do."""
    return (
        f"falha inesperada ({type(error).__name__} em {where(error)}); nada foi perdido. Rode de novo e, se "
        "repetir, envie esta linha ao suporte HOTELEITOS."
    )
