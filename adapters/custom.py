"""Any HIS on any supported database: the hospital's own SQL file, whose aliases are the 15 canonical fields."""

from __future__ import annotations

from typing import ClassVar

from adapters.base import Adapter
from connector.census import FIELDS


class CustomAdapter(Adapter):
    name = "custom"
    guide: ClassVar[str] = "docs/sql-proprio.md"
    why: ClassVar[str] = ""

    def problems(self) -> list[str]:
        if self.source.query_file is not None:
            return []
        return [
            f"HOTELEITOS_SOURCE_QUERY_FILE: obrigatório com o fornecedor {self.name}: informe o arquivo SQL do censo, "
            f"uma linha por atendimento internado agora, com as colunas {', '.join(FIELDS)} (NULL AS campo quando o "
            f"sistema não tiver o dado).{self.why} No contêiner, monte o arquivo (ex.: ./censo.sql:/app/censo.sql:ro) "
            f"e defina HOTELEITOS_SOURCE_QUERY_FILE=/app/censo.sql. Guia e modelo: {self.guide}."
        ]
