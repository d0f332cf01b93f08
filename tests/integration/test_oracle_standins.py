"""The real python-oracledb, and the connector as a hospital runs it, against Oracle listeners that answer as an
Oracle 11.2, a server that requires Native Network Encryption, one that refuses weak crypto, and busy or starting
ones do (tests/support/tns.py): each refusal is named with its cause, remedy and driver code, never as the network;
the refusals no retry can heal pause the reads; `auto` turns to the Oracle Client when it is there."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector import __version__
from connector.errors import SourceError
from connector.settings.oracle import OracleSettings
from connector.source.engine import create_source_engine, oracle_name_used
from connector.source.fetch import inspect
from tests.support.cli import ROOT, events, run_cli
from tests.support.processes import Agent
from tests.support.receivers import ScriptedReceiver, wait_until
from tests.support.tns import OracleStandIn

TOKEN = "tok-oracle-standins"
CAUSES = {"11.2": ("anterior à versão 12.1", "DPY-3010"), "nne": ("criptografia nativa", "DPY-3001")}


def connect(url: str, oracle: OracleSettings | None = None) -> tuple[SourceError, str | None]:
    """One connection through the connector's engine (thin unless told): the error it ends in, and the name kind
    the listener accepted."""
    engine = create_source_engine(
        url, connect_timeout=5, query_timeout=5, oracle=oracle or OracleSettings(client="thin")
    )
    try:
        with pytest.raises(SourceError) as raised:
            inspect(engine, lambda connection: connection.exec_driver_sql("SELECT 1 FROM DUAL").all())
        return raised.value, oracle_name_used(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("behaviour", "error", "kind", "codes"),
    [
        ("11.2", 0, "server_version", "DPY-6005 DPY-3010"),
        ("nne", 0, "encryption_required", "DPY-6005 DPY-3001"),
        pytest.param(
            "reset",
            0,
            "handshake_reset",
            "DPY-6005 DPY-4011",
            # python-oracledb leaves its socket to the garbage collector when the server resets the handshake
            marks=pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
        ),
        ("refuse", 12519, "listener_busy", "DPY-6005 DPY-6000 ORA-12519"),
        ("refuse", 12516, "listener_busy", "DPY-6005 DPY-6000 ORA-12516"),
        ("refuse", 12520, "listener_busy", "DPY-6005 DPY-6000 ORA-12520"),
        ("refuse", 1033, "database_down", "DPY-6005 DPY-6000 ORA-01033"),
        ("refuse", 12528, "database_down", "DPY-6005 DPY-6000 ORA-12528"),
        ("refuse", 12660, "encryption_required", "DPY-6005 DPY-6000 ORA-12660"),
        ("refuse", 12500, "listener_refused", "DPY-6005 DPY-6000 ORA-12500"),
    ],
)
def test_thin_mode_meets_each_server_as_the_real_driver_reports_it(
    behaviour: str, error: int, kind: str, codes: str
) -> None:
    """The driver's own exception, from the stand-in's bytes, becomes the kind with every code in `detail` and in the
    message; a listener that answered is never reported as the network."""
    with OracleStandIn(behaviour, error=error) as listener:
        found, _ = connect(f"oracle+oracledb://hoteleitos:segredo@127.0.0.1:{listener.port}/?service_name=PROD")
        assert listener.attempts == 1
    assert found.kind == kind, found.message
    assert (found.detail or "").endswith(codes)
    assert codes.replace(" ", ", ") in found.message
    if kind != "handshake_reset":
        assert "firewall" not in found.message and "DB_HOST" not in found.message


def test_the_incumbents_sid_costs_two_attempts_once_and_the_session_names_itself() -> None:
    """DB_NAME holds an SID on an 11.2 listener: the service name is refused, the SID accepted (DPY-3010); the kind
    is remembered, so the next connection goes straight to the SID. Every CONNECT carries the connector's program
    name (V$SESSION.PROGRAM)."""
    with OracleStandIn("11.2", services=[], sids=["PROD"]) as listener:
        url = f"oracle+oracledb://hoteleitos:segredo@127.0.0.1:{listener.port}/?service_name=PROD"
        engine = create_source_engine(url, connect_timeout=5, query_timeout=5)
        try:
            for _ in range(2):
                with pytest.raises(SourceError, match=r"anterior à versão 12\.1"):
                    inspect(engine, lambda connection: None)
            assert listener.attempts == 3 and oracle_name_used(engine) == "SID"
        finally:
            engine.dispose()
        assert "(SERVICE_NAME=PROD)" in listener.descriptors[0] and "(SID=PROD)" in listener.descriptors[2]
        assert {listener.program(i) for i in range(3)} == {f"hoteleitos-connector/{__version__}"}


def test_a_failed_thin_connection_leaves_the_driver_free_to_turn_thick(tmp_path: Path) -> None:
    """python-oracledb after DPY-3010 still accepts init_oracle_client (a stand-in library: DPI-1047, not DPY-2019,
    'thin connection already created'): the mode is fixed only by a connection that succeeds."""
    stub = _stub_client(tmp_path)
    with OracleStandIn("11.2") as listener:
        script = (
            "import oracledb\n"
            "try:\n"
            f"    oracledb.connect(user='u', password='p', dsn='127.0.0.1:{listener.port}/PROD')\n"
            "except oracledb.Error as e:\n"
            "    print(e.args[0].full_code, oracledb.is_thin_mode())\n"
            "try:\n"
            f"    oracledb.init_oracle_client(lib_dir={str(stub)!r})\n"
            "except oracledb.Error as e:\n"
            "    print(e.args[0].full_code)\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["DPY-6005", "True", "DPI-1047"]


def _stub_client(folder: Path) -> Path:
    """An Instant Client folder whose library is not one: enough to be found, never loaded."""
    client = folder / "instantclient_19_25"
    client.mkdir()
    (client / "libclntsh.so.19.1").write_bytes(b"stand-in, not an Oracle library")
    (client / "libclntsh.so").symlink_to("libclntsh.so.19.1")
    return client


@pytest.fixture
def receiver() -> Iterator[ScriptedReceiver]:
    with ScriptedReceiver(token=TOKEN) as server:
        yield server


def hospital_env(style: str, vendor: str, port: int, api: str, tmp_path: Path) -> dict[str, str]:
    """What a hospital sets: the incumbent's `.env` (DB_NAME holding an SID) or HOTELEITOS_SOURCE_URL."""
    env = {"HOTELEITOS_STATE_DIR": str(tmp_path / "state"), "HOTELEITOS_LOG_FORMAT": "json"}
    if style == "url":
        return {
            **env,
            "HOTELEITOS_SOURCE_VENDOR": vendor,
            "HOTELEITOS_SOURCE_URL": f"oracle+oracledb://hoteleitos:segredo@127.0.0.1:{port}/?service_name=PROD",
            "HOTELEITOS_API_URL": api,
            "HOTELEITOS_API_TOKEN": TOKEN,
        }
    lines = [
        "ENABLED_INTEGRATIONS=mv_mapa" if vendor == "mv" else "HOTELEITOS_SOURCE_VENDOR=tasy",
        "DB_DIALECT=native_oracle", "DB_HOST=127.0.0.1", f"DB_PORT={port}", "DB_NAME=PROD", "DB_USER=hoteleitos",
        "DB_PASS=segredo", f"API_URL={api}", f"API_TOKEN={TOKEN}", "CRON_TIME=*/30 * * * * *",
    ]  # fmt: skip
    (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env


def standin(server: str, style: str) -> OracleStandIn:
    """The server; with the incumbent's `.env`, its listener knows PROD only as an SID."""
    return OracleStandIn(server, services=[] if style == "incumbent" else ["PROD"], sids=["PROD"])


@pytest.mark.parametrize("server", ["11.2", "nne"])
@pytest.mark.parametrize("style", ["incumbent", "url"])
@pytest.mark.parametrize("vendor", ["mv", "tasy"])
def test_run_once_and_check_name_the_cause_and_push_nothing(
    server: str, style: str, vendor: str, receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """`run --once` sends nothing, exits 1 within two connection attempts and says the cause, the remedy and the
    driver's code, never the firewall; `check` says the same and exits 1."""
    cause, code = CAUSES[server]
    with standin(server, style) as listener:
        env = hospital_env(style, vendor, listener.port, receiver.url, tmp_path)
        once = run_cli("run", "--once", env=env, cwd=tmp_path)
        attempts = listener.attempts
        checked = run_cli("check", env=env, cwd=tmp_path)
    assert once.returncode == 1, once.stdout + once.stderr
    assert attempts <= 2 and receiver.times == []
    for said in (once.stdout, checked.stdout):
        assert cause in said and "Oracle Client" in said and code in said
        assert "firewall" not in said and "DB_HOST/DB_PORT" not in said and "não respondeu" not in said
    assert checked.returncode == 1 and "[FALHA] Banco e consulta do censo" in checked.stdout
    failed = next(e for e in events(once.stdout) if e["event"] == "census_failed")
    assert code in str(failed["detail"]) and "segredo" not in once.stderr + once.stdout


@pytest.mark.parametrize("server", ["11.2", "nne"])
def test_run_backs_off_instead_of_reconnecting_every_cycle(
    server: str, receiver: ScriptedReceiver, tmp_path: Path, agents: list[Agent]
) -> None:
    """Cycles every second: after the refusal the reads pause (a minute first), so the listener sees one cycle's
    attempts only, each later cycle says it is paused and why, and /readyz says the read's kind."""
    with standin(server, "incumbent") as listener:
        env = hospital_env("incumbent", "mv", listener.port, receiver.url, tmp_path)
        agent = Agent({**env, "HOTELEITOS_SCHEDULE": "1s"}, tmp_path)
        agents.append(agent)
        assert wait_until(lambda: agent.status("/readyz") == 503, timeout=30)
        assert wait_until(lambda: "_paused" in str((agent.get("/readyz") or _Empty()).text), timeout=30)
        attempts = listener.attempts
        assert agent.stop() == 0
    assert attempts == 2
    failed = [e for e in events(agent.stdout) if e["event"] == "census_failed"]
    assert failed[0]["kind"] in ("server_version", "encryption_required")
    assert len(failed) >= 2 and all(str(e["kind"]).endswith("_paused") for e in failed[1:])
    assert "em pausa" in str(failed[-1]["message"]) and CAUSES[server][1] in str(failed[-1]["message"])


class _Empty:
    text = ""


def test_auto_turns_to_the_client_after_the_refusal_up_to_the_missing_library(
    receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """With a client folder present, `auto` tries thick mode after DPY-3010, in the same cycle, without a new
    attempt at the listener; a library that does not load ends in DPI-1047 with why the client was needed."""
    stub = _stub_client(tmp_path)
    with standin("11.2", "incumbent") as listener:
        env = hospital_env("incumbent", "mv", listener.port, receiver.url, tmp_path)
        done = run_cli("run", "--once", env={**env, "HOTELEITOS_ORACLE_CLIENT_DIR": str(stub)}, cwd=tmp_path)
        attempts = listener.attempts
    assert done.returncode == 1 and attempts == 2
    assert "anterior à 12.1" in done.stdout and "o conector tentou o Oracle Client" in done.stdout
    assert "DPY-6005, DPY-3010, DPI-1047" in done.stdout and str(stub) in done.stdout
    failed = next(e for e in events(done.stdout) if e["event"] == "census_failed")
    assert failed["kind"] == "client_missing"


@pytest.mark.parametrize("command", [("run", "--once"), ("check",)])
def test_thick_without_the_client_stops_at_start_saying_where_to_mount_it(
    command: tuple[str, ...], receiver: ScriptedReceiver, tmp_path: Path
) -> None:
    """HOTELEITOS_ORACLE_CLIENT=thick and no library: exit 2 before any connection, naming the folder, the mount
    and the image with the client."""
    empty = tmp_path / "instantclient"
    empty.mkdir()
    with standin("11.2", "url") as listener:
        env = hospital_env("url", "mv", listener.port, receiver.url, tmp_path)
        env |= {"HOTELEITOS_ORACLE_CLIENT": "thick", "HOTELEITOS_ORACLE_CLIENT_DIR": str(empty)}
        done = run_cli(*command, env=env, cwd=tmp_path)
        assert listener.attempts == 0
    assert done.returncode == 2
    assert "HOTELEITOS_ORACLE_CLIENT" in done.stderr and str(empty) in done.stderr
    assert ":/opt/oracle/instantclient:ro" in done.stderr and "docs/oracle.md" in done.stderr


def test_config_shows_the_mode_and_the_client_found(receiver: ScriptedReceiver, tmp_path: Path) -> None:
    """`config` names the mode, the client folder and what `auto` will do, without connecting."""
    stub = _stub_client(tmp_path)
    env = hospital_env("url", "tasy", 1521, receiver.url, tmp_path) | {"HOTELEITOS_ORACLE_CLIENT_DIR": str(stub)}
    done = run_cli("config", env=env, cwd=ROOT)
    assert done.returncode == 0
    assert "oracle.client = auto — padrão" in done.stdout
    assert f"Oracle Client encontrado em {stub} (libclntsh.so)" in done.stdout


def test_a_tns_alias_reaches_the_listener_through_the_configuration_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL naming a tnsnames.ora entry: with HOTELEITOS_ORACLE_CONFIG_DIR (or TNS_ADMIN) the driver finds the
    listener; without the folder, or with a name it lacks, the message names the setting and the file."""
    monkeypatch.delenv("TNS_ADMIN", raising=False)
    with OracleStandIn("11.2") as listener:
        (tmp_path / "tnsnames.ora").write_text(
            f"PRODHIS = (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT={listener.port}))"
            "(CONNECT_DATA=(SERVICE_NAME=PROD)))\n",
            encoding="utf-8",
        )
        reached, _ = connect("oracle+oracledb://u:p@PRODHIS", OracleSettings(client="thin", config_dir=tmp_path))
        monkeypatch.setenv("TNS_ADMIN", str(tmp_path))
        through_tns_admin, _ = connect("oracle+oracledb://u:p@PRODHIS")
        monkeypatch.delenv("TNS_ADMIN")
        no_folder, _ = connect("oracle+oracledb://u:p@PRODHIS")
        unknown, _ = connect("oracle+oracledb://u:p@OUTRO", OracleSettings(client="thin", config_dir=tmp_path))
        assert listener.attempts == 2
    assert reached.kind == through_tns_admin.kind == "server_version"
    assert no_folder.kind == "tns_config" and "HOTELEITOS_ORACLE_CONFIG_DIR" in no_folder.message
    assert "DPY-4027" in no_folder.message
    assert unknown.kind == "tns_config" and "'OUTRO'" in unknown.message and "DPY-4000" in unknown.message
