"""What a census query must return: exactly the 15 canonical columns, checked before a single row is read."""

from __future__ import annotations

from connector.census import FIELDS
from connector.errors import SourceError


def check_columns(columns: list[str]) -> None:
    """Refuse a result whose column aliases are not exactly the 15 canonical fields."""
    missing = [name for name in FIELDS if name not in columns]
    unknown = [name for name in columns if name not in FIELDS]
    if not missing and not unknown:
        return
    parts = []
    if missing:
        parts.append("faltam as colunas " + ", ".join(missing))
    if unknown:
        parts.append("colunas desconhecidas " + ", ".join(unknown))
    raise SourceError(
        "a consulta do censo não devolve os 15 campos canônicos: "
        + "; ".join(parts)
        + ". Use exatamente estes apelidos (NULL AS campo quando o sistema não tiver o dado): "
        + ", ".join(FIELDS)
        + ".",
        kind="columns",
    )
