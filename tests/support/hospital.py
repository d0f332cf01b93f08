"""A census whose size each test sets, read by the connector as a `custom` HIS on real PostgreSQL, delivered to a
scripted receiver on 127.0.0.1: the `hospital` fixture (see tests/conftest.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from connector.commands.configuration import settings_from_values
from connector.settings import Settings
from tests.support.cli import events, run_cli
from tests.support.receivers import Fault, ScriptedReceiver

TOKEN = "token-de-teste-123"
CENSUS_SQL = """SELECT c.cod AS cod_ocorrencia, NULL AS cod_quarto, c.leito AS cod_leito, NULL AS convenio_codigo,
    NULL AS convenio_nome, NULL AS data_internacao, c.nome AS paciente_nome, NULL AS paciente_codigo,
    NULL AS paciente_data_nascimento, NULL AS paciente_sexo, NULL AS profissional_cbos, NULL AS profissional_nome,
    NULL AS profissional_codigo, 'I' AS tipo_ocorrencia_codigo, NULL AS tipo_ocorrencia_descricao
FROM censo_teste c"""


@dataclass
class Hospital:
    """A census whose size the test sets, read by the connector as a `custom` HIS on real PostgreSQL."""

    url: URL
    folder: Path
    receiver: ScriptedReceiver
    extra: dict[str, str] = field(default_factory=dict)

    def set_patients(self, count: int, start: int = 1) -> None:
        engine = create_engine(self.url)
        with engine.begin() as db:
            db.execute(text("DELETE FROM censo_teste"))
            if count:
                db.execute(
                    text("INSERT INTO censo_teste (cod, leito, nome) VALUES (:c, :l, :n)"),
                    [{"c": i, "l": f"L{i}", "n": f"PACIENTE {i}"} for i in range(start, start + count)],
                )
        engine.dispose()

    def env(self, **extra: str) -> dict[str, str]:
        query = self.folder / "censo.sql"
        query.write_text(CENSUS_SQL, encoding="utf-8")
        return {
            "HOTELEITOS_API_URL": self.receiver.url,
            "HOTELEITOS_API_TOKEN": TOKEN,
            "HOTELEITOS_SOURCE_VENDOR": "custom",
            "HOTELEITOS_SOURCE_QUERY_FILE": str(query),
            "HOTELEITOS_SOURCE_URL": self.url.render_as_string(hide_password=False),
            "HOTELEITOS_STATE_DIR": str(self.folder / "state"),
            "HOTELEITOS_LOG_FORMAT": "json",
            "HOTELEITOS_API_RETRY_DEADLINE": "3",
            "HOTELEITOS_API_READ_TIMEOUT": "1",
            "HOTELEITOS_API_CONNECT_TIMEOUT": "1",
            **self.extra,
            **extra,
        }

    def once(self, *faults: Fault, **extra: str) -> tuple[int, str, list[str]]:
        """One `run --once` with these answers queued: exit status, stdout, ids of the snapshots it captured."""
        with self.receiver.lock:
            self.receiver.script[:] = list(faults)
        done = run_cli("run", "--once", env=self.env(**extra), cwd=self.folder)
        created = [str(e["snapshot_id"]) for e in events(done.stdout) if e["event"] == "snapshot_stored"]
        return done.returncode, done.stdout + done.stderr, created

    def settings(self, **values: object) -> Settings:
        env = self.env()
        base: dict[str, object] = {
            "api": {"url": env["HOTELEITOS_API_URL"], "token": TOKEN, "retry_deadline": 2, "read_timeout": 1},
            "source": {
                "vendor": "custom",
                "url": env["HOTELEITOS_SOURCE_URL"],
                "query_file": env["HOTELEITOS_SOURCE_QUERY_FILE"],
            },
            "state_dir": env["HOTELEITOS_STATE_DIR"],
        }
        for key, value in values.items():
            known = base.get(key)
            base[key] = {**known, **value} if isinstance(value, dict) and isinstance(known, dict) else value
        return settings_from_values(base)


def make_hospital(pg_url: URL, receiver: ScriptedReceiver, tmp_path: Path) -> Hospital:
    engine = create_engine(pg_url)
    with engine.begin() as db:
        db.execute(text("CREATE TABLE IF NOT EXISTS censo_teste (cod INTEGER PRIMARY KEY, leito TEXT, nome TEXT)"))
    engine.dispose()
    h = Hospital(url=pg_url, folder=tmp_path, receiver=receiver)
    h.set_patients(25)
    return h


def first_acceptances(receiver: ScriptedReceiver) -> list[str]:
    seen: dict[str, None] = {}
    for request in receiver.accepted:
        seen.setdefault(request.headers["idempotency-key"], None)
    return list(seen)


def damage_body(outbox: Path, snapshot_id: str) -> None:
    """Flip one bit in the middle of a stored body, as a failing disk would."""
    with sqlite3.connect(outbox) as db:
        (body,) = db.execute("SELECT body FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        damaged = bytearray(body)
        damaged[len(damaged) // 2] ^= 0x40
        db.execute("UPDATE snapshots SET body = ? WHERE id = ?", (bytes(damaged), snapshot_id))
