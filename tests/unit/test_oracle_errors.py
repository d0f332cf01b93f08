"""Oracle's refusals through python-oracledb's own exceptions (its classes, codes and wording, built by its error
module as it builds them when a server answers): each gets its cause, its remedy and every driver code, and none
blames the network when the listener answered."""

from __future__ import annotations

import re
from typing import Any

import oracledb
import pytest
from oracledb import errors as driver
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from connector.source.errors import translate
from connector.source.login_backoff import AuthPause

SQL = "SELECT 1 FROM DBAMV.ATENDIME a"
ORACLE = make_url("oracle+oracledb://hoteleitos:segredo@10.0.0.10:1521/?service_name=PROD")
ALIAS = make_url("oracle+oracledb://hoteleitos:segredo@PRODHIS")
# As python-oracledb words DPI-1047 when the library at lib_dir does not load (captured from the driver).
DPI_1047 = (
    'DPI-1047: Cannot locate a 64-bit Oracle Client library: "/opt/oracle/instantclient/libclntsh.so: cannot open '
    'shared object file: No such file or directory". See https://python-oracledb.readthedocs.io/en/latest/user_guide/'
    "initialization.html for help"
)


def server(message: str, code: int) -> Exception:
    """An error the database sent, as python-oracledb raises it (help link, class, mapped driver code)."""
    error = driver._Error(message, code=code)
    return error.exc_type(error)


def own(number: int, **arguments: Any) -> Exception:
    """One of python-oracledb's own errors (DPY-nnnn)."""
    return driver._create_exception(number, **arguments)


def connecting(inner: Exception) -> Exception:
    """What thin mode raises when connecting fails: DPY-6005 with the inner error's text under it."""
    return driver._create_exception(driver.ERR_CONNECTION_FAILED, cause=inner, connection_id="aBc=")


def refused(code: int) -> Exception:
    """A listener's REFUSE packet, as thin mode reports it."""
    return connecting(own(driver.ERR_LISTENER_REFUSED_CONNECTION, error_code=code))


CASES: list[tuple[str, Exception, str, str, list[str]]] = [
    ("11.2", connecting(own(driver.ERR_SERVER_VERSION_NOT_SUPPORTED)), "server_version", "Oracle Client",
     ["DPY-6005", "DPY-3010"]),
    ("NNE", connecting(own(driver.ERR_FEATURE_NOT_SUPPORTED, feature="Native Network Encryption and Data Integrity",
                           driver_type="thick")), "encryption_required", "TLS", ["DPY-6005", "DPY-3001"]),
    ("NNE, older listener", refused(12660), "encryption_required", "Oracle Client", ["DPY-6000", "ORA-12660"]),
    ("NNE, thick client refuses", server("ORA-12660: Encryption or crypto-checksumming parameters incompatible",
                                         12660), "encryption_required", "SQLNET.ENCRYPTION_CLIENT", ["ORA-12660"]),
    ("10G verifier", own(driver.ERR_UNSUPPORTED_VERIFIER_TYPE, verifier_type=0x939), "password_verifier",
     "ALTER USER hoteleitos IDENTIFIED BY", ["DPY-3015"]),
    ("alias, no folder", own(driver.ERR_NO_CONFIG_DIR), "tns_config", "HOTELEITOS_ORACLE_CONFIG_DIR", ["DPY-4027"]),
    ("alias unknown", own(driver.ERR_TNS_ENTRY_NOT_FOUND, name="PRODHIS", file_name="/tns/tnsnames.ora"),
     "tns_config", "tnsnames.ora", ["DPY-4000"]),
    ("expired", server("ORA-28001: the password has expired", 28001), "password_expired",
     "PASSWORD_LIFE_TIME UNLIMITED", ["ORA-28001"]),
    ("locked", server("ORA-28000: The account is locked.", 28000), "account_locked", "ACCOUNT UNLOCK",
     ["ORA-28000"]),
    ("no session", server("ORA-01045: user HOTELEITOS lacks CREATE SESSION privilege; logon denied", 1045),
     "no_create_session", "GRANT CREATE SESSION TO hoteleitos", ["ORA-01045"]),
    ("trigger", server("ORA-04088: error during execution of trigger 'SYS.BLOQUEIA'\nORA-00604: error occurred at "
                       "recursive SQL level 1\nORA-20001: acesso negado fora do horário\nORA-06512: at line 9", 4088),
     "logon_trigger", "V$SESSION.PROGRAM", ["ORA-04088", "ORA-00604", "ORA-20001", "ORA-06512"]),
    ("trigger alone", server("ORA-20010: programa não autorizado", 20010), "logon_trigger", "DBA", ["ORA-20010"]),
    ("no handler", refused(12519), "listener_busy", "passar", ["DPY-6000", "ORA-12519"]),
    ("no handler, blocked", refused(12516), "listener_busy", "passar", ["ORA-12516"]),
    ("no handler, thick", server("ORA-12520: TNS:listener could not find available handler for requested type of "
                                 "server", 12520), "listener_busy", "passar", ["ORA-12520"]),
    ("starting", server("ORA-01033: ORACLE initialization or shutdown in progress", 1033), "database_down",
     "iniciando", ["ORA-01033"]),
    ("starting, listener", refused(1033), "database_down", "iniciando", ["DPY-6000", "ORA-01033"]),
    ("down", server("ORA-01034: ORACLE not available", 1034), "database_down", "não está no ar", ["ORA-01034"]),
    ("sessions", server("ORA-00018: maximum number of sessions exceeded", 18), "database_full", "SESSIONS",
     ["ORA-00018"]),
    ("processes", server("ORA-00020: maximum number of processes (300) exceeded", 20), "database_full", "PROCESSES",
     ["ORA-00020"]),
    ("no client", server(DPI_1047, 0), "client_missing", "/opt/oracle/instantclient", ["DPI-1047"]),
    ("basic light", server("ORA-12737: Instant Client Light: unsupported server character set WE8ISO8859P15", 12737),
     "client_charset", "Basic (completo)", ["ORA-12737"]),
    ("auth protocol", server("ORA-28040: No matching authentication protocol", 28040), "auth_protocol",
     "ALLOWED_LOGON_VERSION_SERVER", ["ORA-28040"]),
    ("weak crypto", connecting(own(driver.ERR_CONNECTION_CLOSED, cause=ConnectionResetError(104, "reset by peer"))),
     "handshake_reset", "ALLOW_WEAK_CRYPTO_CLIENTS", ["DPY-6005", "DPY-4011"]),
    ("other refusal", refused(12500), "listener_refused", "lsnrctl", ["DPY-6000", "ORA-12500"]),
]  # fmt: skip


@pytest.mark.parametrize(("label", "raised", "kind", "remedy", "codes"), CASES, ids=[c[0] for c in CASES])
def test_each_refusal_names_its_cause_remedy_and_codes(
    label: str, raised: Exception, kind: str, remedy: str, codes: list[str]
) -> None:
    """The kind, a message with the remedy and the driver's codes, every code in `detail`; no password, no driver
    text; and the network is not blamed (except for a cut handshake, where an inspecting firewall is one cause)."""
    assert isinstance(raised, oracledb.Error)
    url = ALIAS if kind == "tns_config" else ORACLE
    error = translate(DatabaseError(SQL, {}, raised), url, SQL)
    assert error.kind == kind, (label, error.kind)
    assert remedy in error.message
    assert all(code in (error.detail or "") for code in codes), error.detail
    assert f"código do driver: {codes[0]}" in error.message or codes[0] in error.message
    assert "segredo" not in error.message and str(raised).splitlines()[0] not in error.message
    if kind != "handshake_reset":
        assert "firewall" not in error.message and "DB_HOST/DB_PORT" not in error.message


def test_the_listeners_silence_is_still_the_network() -> None:
    """No listener at all (ORA-12541 under DPY-6005) keeps the message about host, port and firewall."""
    inner = server("ORA-12541: TNS:no listener", 12541)
    error = translate(DatabaseError(SQL, {}, connecting(inner)), ORACLE, SQL)
    assert error.kind == "unreachable" and "firewall" in error.message


def test_a_thick_failure_after_a_thin_refusal_says_both() -> None:
    """`auto` tried the Oracle Client because thin mode was refused, and the client did not load: the message says
    why the client was needed and why it failed, with every code of both."""
    thin = connecting(own(driver.ERR_SERVER_VERSION_NOT_SUPPORTED))
    thick = server(DPI_1047, 0)
    thick.__cause__ = thin
    error = translate(DatabaseError(SQL, {}, thick), ORACLE, SQL)
    assert error.kind == "client_missing"
    assert "anterior à 12.1" in error.message and "não pôde ser carregada" in error.message
    assert "DPY-6005, DPY-3010, DPI-1047" in error.message
    assert {"DPI-1047", "DPY-3010", "DPY-6005"} <= set((error.detail or "").split())


@pytest.mark.parametrize(
    ("kind", "paused"),
    [("server_version", True), ("encryption_required", True), ("password_verifier", True),
     ("password_expired", True), ("account_locked", True), ("client_missing", True), ("listener_busy", False),
     ("database_down", False), ("handshake_reset", False), ("unreachable", False)],
)  # fmt: skip
def test_refusals_no_retry_can_heal_pause_the_reads(kind: str, paused: bool) -> None:
    """Only the refusals that wait for an operator pause the reads; passing ones are tried every cycle."""
    from connector.errors import SourceError

    assert AuthPause.pauses(SourceError("x", kind=kind)) is paused


def test_a_paused_read_repeats_the_cause_and_keeps_the_codes() -> None:
    """While paused after DPY-3010, each cycle says it is paused, until when, and why, with the driver's codes."""
    error = translate(DatabaseError(SQL, {}, connecting(own(driver.ERR_SERVER_VERSION_NOT_SUPPORTED))), ORACLE, SQL)
    pause = AuthPause(interval=30, ceiling=900)
    first = pause.refused(error, now=0.0)
    assert "Próxima tentativa em 60s" in first.message and "DPY-3010" in first.message
    waiting = pause.waiting(now=10.0)
    assert waiting is not None and waiting.kind == "server_version_paused"
    assert "em pausa" in waiting.message and "nova tentativa em 50s" in waiting.message
    assert "Oracle Client" in waiting.message and waiting.detail == error.detail
    assert pause.refused(error, now=60.0).message.count("Próxima tentativa em 120s") == 1
    assert pause.waiting(now=181.0) is None


def test_the_oracle_page_lists_every_code_the_connector_names() -> None:
    """docs/oracle.md's table has every code the error module maps (its docstring lists them), so the page the
    messages point to stays true."""
    from pathlib import Path

    from connector.source import oracle_errors

    page = (Path(__file__).resolve().parents[2] / "docs" / "oracle.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"(?:DPY|DPI|ORA)-\d{4,5}", oracle_errors.__doc__ or ""))
    assert len(mapped) >= 25
    assert {code for code in mapped if code not in page} == set()
