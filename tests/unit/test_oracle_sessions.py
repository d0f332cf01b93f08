"""Oracle sessions without a server: the driver mode (thin, auto's switch to thick, thick's arguments through
SQLAlchemy), the session's names, CLOB columns as text next to our TIMESTAMP WITH TIME ZONE handler, and the
password-expiry warning (fake DBAPI objects where a server would answer)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import oracledb
import pytest
import structlog
from oracledb import errors as driver
from sqlalchemy import create_engine

from connector import __version__
from connector.settings.oracle import OracleSettings, describe, oracle_problems
from connector.source import oracle_connect
from connector.source.driver_text import oracle_timestamp_tz_as_text
from connector.source.oracle_account import PasswordExpiry, expiry_warning, grace_days, read_expiry
from connector.source.oracle_connect import OracleConnect, connect_arguments, thick_arguments

SID_DSN = "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=PROD)))"


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    """An unzipped Instant Client's layout (the libraries are stand-ins: nothing here loads them)."""
    folder = tmp_path / "instantclient_19_25"
    folder.mkdir()
    (folder / "libclntsh.so.19.1").write_bytes(b"stand-in")
    (folder / "libclntsh.so").symlink_to("libclntsh.so.19.1")
    return folder


class Oracle11:
    """python-oracledb against an Oracle 11.2 that knows PROD only as an SID: thin mode is refused (DPY-3010) until
    `init_oracle_client` succeeds."""

    DatabaseError = oracledb.DatabaseError
    Error = oracledb.Error

    def __init__(self, *, client_loads: bool = True) -> None:
        self.thin, self.client_loads = True, client_loads
        self.dsns: list[str] = []
        self.initialised: list[dict[str, Any]] = []

    def is_thin_mode(self) -> bool:
        return self.thin

    def init_oracle_client(self, **arguments: Any) -> None:
        self.initialised.append(arguments)
        if not self.client_loads:
            raise driver._create_exception(driver.ERR_CONNECTION_FAILED, connection_id="x")  # any driver error
        self.thin = False

    def connect(self, *_args: Any, **params: Any) -> str:
        self.dsns.append(params["dsn"])
        if "SERVICE_NAME=PROD" in params["dsn"]:
            raise driver._create_exception(
                driver.ERR_INVALID_SERVICE_NAME, service_name="PROD", host="h", port=1521
            )  # as thin mode words ORA-12514
        if self.thin:
            inner = driver._create_exception(driver.ERR_SERVER_VERSION_NOT_SUPPORTED)
            raise driver._create_exception(driver.ERR_CONNECTION_FAILED, cause=inner, connection_id="x")
        return "thick connection"


def dialect(dbapi: Any) -> Any:
    return type("Dialect", (), {"dbapi": dbapi})()


@pytest.fixture(autouse=True)
def fresh_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts before any switch (the real one is process-wide)."""
    monkeypatch.setattr(oracle_connect, "SWITCH", oracle_connect.Switch())


def test_auto_switches_to_thick_once_when_thin_is_refused_and_the_client_is_there(client_dir: Path) -> None:
    """DPY-3010 with the client installed: init_oracle_client with SQLAlchemy's thick_mode arguments, the same
    connection again (straight to the SID the listener accepted), said once in the log; later connections go thick
    directly."""
    dbapi = Oracle11()
    connect = OracleConnect(OracleSettings(client="auto", client_dir=client_dir))
    with structlog.testing.capture_logs() as logs:
        assert connect(dialect(dbapi), None, (), {"dsn": SID_DSN}) == "thick connection"
        assert connect(dialect(dbapi), None, (), {"dsn": SID_DSN}) == "thick connection"
    assert dbapi.initialised == [{"lib_dir": str(client_dir), "driver_name": f"hoteleitos-connector : {__version__}"}]
    assert [d.count("SID=") for d in dbapi.dsns] == [0, 1, 1, 1]  # service refused, SID thin, SID thick, SID thick
    switched = [e for e in logs if e["event"] == "oracle_client_switched"]
    assert len(switched) == 1 and switched[0]["reason"] == "server_version"
    assert oracle_connect.SWITCH.reason == "server_version"


@pytest.mark.parametrize("setting", ["thin", "auto-without-client"])
def test_no_switch_without_auto_or_without_the_client(setting: str, tmp_path: Path) -> None:
    """`thin`, or `auto` with no library in the client folder: the refusal stands, in two attempts at most (the
    service name the listener does not know, then the SID)."""
    dbapi = Oracle11()
    oracle = OracleSettings(client="thin" if setting == "thin" else "auto", client_dir=tmp_path)
    with pytest.raises(oracledb.DatabaseError, match="DPY-3010"):
        OracleConnect(oracle)(dialect(dbapi), None, (), {"dsn": SID_DSN})
    assert dbapi.initialised == [] and len(dbapi.dsns) == 2


def test_a_client_that_does_not_load_fails_with_the_thin_refusal_as_its_cause(client_dir: Path) -> None:
    """The thick error is raised from the thin one, so the message can say both (see test_oracle_errors)."""
    dbapi = Oracle11(client_loads=False)
    connect = OracleConnect(OracleSettings(client_dir=client_dir))
    with pytest.raises(oracledb.DatabaseError) as raised:
        connect(dialect(dbapi), None, (), {"dsn": SID_DSN})
    assert "DPY-3010" in str(raised.value.__cause__)
    assert oracle_connect.SWITCH.reason is None


def test_thick_mode_goes_through_sqlalchemys_thick_mode(
    client_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`thick`: the engine passes lib_dir, config_dir (TNS_ADMIN when no setting) and the driver name to
    SQLAlchemy's thick_mode, which calls init_oracle_client; thin sessions name themselves in their arguments."""
    from connector.source.engine import create_source_engine

    monkeypatch.setenv("TNS_ADMIN", str(tmp_path))
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(oracledb, "init_oracle_client", lambda **kw: calls.append(kw))
    oracle = OracleSettings(client="thick", client_dir=client_dir)
    engine = create_source_engine(
        "oracle+oracledb://u:p@h:1521/?service_name=PROD", connect_timeout=1, query_timeout=1, oracle=oracle
    )
    engine.dispose()
    assert calls == [thick_arguments(oracle)]
    assert calls[0] == {
        "lib_dir": str(client_dir),
        "config_dir": str(tmp_path),
        "driver_name": f"hoteleitos-connector : {__version__}",
    }
    assert connect_arguments(oracle)["program"] == f"hoteleitos-connector/{__version__}"
    oracledb.ConnectParams(**connect_arguments(oracle))  # names thin mode accepts (no spaces in a program)


def test_clob_columns_stay_text_with_the_timestamp_handler() -> None:
    """SQLAlchemy's connection handler fetches CLOB as text; ours, set after it, hands it every column but
    TIMESTAMP WITH TIME ZONE (before, ours replaced it and CLOBs came back as LOB objects)."""
    engine = create_engine("oracle+oracledb://u:p@h/?service_name=PROD")
    sqlalchemy_handler = engine.dialect._generate_connection_outputtype_handler()  # type: ignore[attr-defined]
    connection = SimpleNamespace(outputtypehandler=sqlalchemy_handler)
    oracle_timestamp_tz_as_text(connection)
    cursor = Cursor()
    connection.outputtypehandler(cursor, "NOTA", oracledb.DB_TYPE_CLOB, 0, 0, 0)
    connection.outputtypehandler(cursor, "ALTA", oracledb.DB_TYPE_TIMESTAMP_TZ, 0, 0, 0)
    assert cursor.made == [oracledb.DB_TYPE_VARCHAR, str]


class Cursor:
    arraysize = 100

    def __init__(self) -> None:
        self.made: list[Any] = []

    def var(self, kind: Any, *_args: Any, **_kw: Any) -> str:
        self.made.append(kind)
        return "var"


TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("expiry", "warned"),
    [
        (None, False),
        (PasswordExpiry(expires=None, status="OPEN"), False),  # PASSWORD_LIFE_TIME UNLIMITED
        (PasswordExpiry(expires=date(2027, 5, 1), status="OPEN"), False),
        (PasswordExpiry(expires=date(2026, 12, 11), status="OPEN"), False),  # 15 days
        (PasswordExpiry(expires=date(2026, 12, 10), status="OPEN"), True),  # 14 days
        (PasswordExpiry(expires=date(2026, 11, 26), status="OPEN"), True),  # today
        (PasswordExpiry(expires=date(2026, 12, 3), status="EXPIRED(GRACE)"), True),
        (PasswordExpiry(expires=None, status=None, grace_days=5), True),  # ORA-28002 alone
    ],
)
def test_the_password_warning_starts_14_days_before_expiry(expiry: PasswordExpiry | None, warned: bool) -> None:
    """USER_USERS' date or ORA-28002's grace period within 14 days warns, with the days, the date and the fix."""
    text = expiry_warning(expiry, TODAY)
    assert (text is not None) is warned
    if text and expiry and expiry.expires:
        assert f"em {(expiry.expires - TODAY).days} dia(s)" in text and "PASSWORD_LIFE_TIME UNLIMITED" in text


def test_the_session_reads_user_users_and_the_login_warning() -> None:
    """The expiry query runs on the new session; ORA-28002's days come from the connection's warning."""
    warning = driver._Error("ORA-28002: the password will expire within 7 days", code=28002)

    class UserUsers:
        def __init__(self) -> None:
            self.statements: list[str] = []

        def execute(self, sql: str) -> None:
            self.statements.append(sql)

        def fetchone(self) -> tuple[datetime, str]:
            return datetime(2026, 12, 3, 10, 0), "EXPIRED(GRACE)"

    cursor = UserUsers()
    expiry = read_expiry(cursor, warning)
    assert expiry == PasswordExpiry(expires=date(2026, 12, 3), status="EXPIRED(GRACE)", grace_days=7)
    assert "FROM USER_USERS" in cursor.statements[0] and "--" not in cursor.statements[0]
    assert grace_days(None) is None


def test_thick_without_the_client_stops_at_start_with_where_to_mount_it(tmp_path: Path, client_dir: Path) -> None:
    """`thick` and no libclntsh: a configuration problem naming the folder and the mount; none for other databases,
    nor once the client is there; a configuration folder that does not exist is named too."""
    problems = oracle_problems(OracleSettings(client="thick", client_dir=tmp_path), "oracle")
    assert len(problems) == 1 and "HOTELEITOS_ORACLE_CLIENT" in problems[0]
    assert (
        str(tmp_path) in problems[0] and "-v /opt/oracle/instantclient_19_25:/opt/oracle/instantclient" in problems[0]
    )
    assert oracle_problems(OracleSettings(client="thick", client_dir=tmp_path), "postgresql") == []
    assert oracle_problems(OracleSettings(client="thick", client_dir=client_dir), "oracle") == []
    missing = oracle_problems(OracleSettings(config_dir=tmp_path / "network"), "oracle")
    assert len(missing) == 1 and "HOTELEITOS_ORACLE_CONFIG_DIR" in missing[0]


def test_config_says_what_each_mode_will_do(tmp_path: Path, client_dir: Path) -> None:
    """`config` and `check` say the mode and whether the client is there before any connection."""
    assert "não instalado" in describe(OracleSettings(client_dir=tmp_path))
    assert "encontrado" in describe(OracleSettings(client_dir=client_dir))
    assert "nunca" in describe(OracleSettings(client="thin"))
