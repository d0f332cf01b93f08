"""The cron-style script the connector is compared with: what a hospital's IT would write by hand.

    python bench/script.py urllib|httpx <dsn> <sql-file> <url>

One process: connect with psycopg, fetch the census query, build dicts, `json.dumps`, one POST (urllib from the
standard library, or httpx), exit. No normalisation, no outbox, no logs, no retries. Standalone on purpose: it
imports nothing of the connector.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    client, dsn, sql_file, url = sys.argv[1:5]
    import psycopg

    query = json.loads(Path(sql_file).read_text(encoding="utf-8"))
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(query["sql"], query["params"])
        names = [column.name for column in cursor.description or ()]
        records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    body = json.dumps(records, default=str).encode()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer bench-token"}
    if client == "urllib":
        import urllib.request

        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=120) as answer:
            answer.read()
    else:
        import httpx

        httpx.post(url, content=body, headers=headers, timeout=120).raise_for_status()


if __name__ == "__main__":
    main()
