"""Firebird without a server: the URL the connector completes, and the watchdog that bounds a statement."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from firebird.driver import DatabaseError

from connector.commands.cli import main
from connector.settings.urls import check_url, source_url
from connector.source.firebird import Watchdog


class FakeAttachment:
    """Says "nothing to cancel" `idle_answers` times (the client is between two fetches), then cancels."""

    def __init__(self, idle_answers: int) -> None:
        self.idle_answers = idle_answers
        self.calls = 0

    def cancel_operation(self, _option: object) -> None:
        self.calls += 1
        if self.calls <= self.idle_answers:
            raise DatabaseError("nothing to cancel")


class FakeConnection:
    def __init__(self, attachment: FakeAttachment | None) -> None:
        self._att = attachment


def wait_for(condition: object, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_watchdog_keeps_trying_until_a_fetch_is_caught() -> None:
    """Between fetches there is nothing to cancel: the watchdog tries again until the server takes the cancel."""
    attachment = FakeAttachment(idle_answers=3)
    watchdog = Watchdog(FakeConnection(attachment), seconds=0.05)
    wait_for(lambda: watchdog.fired)
    assert watchdog.fired and attachment.calls == 4


def test_watchdog_stopped_in_time_cancels_nothing() -> None:
    """A statement that ends before the bound (its transaction closed) is never cancelled."""
    attachment = FakeAttachment(idle_answers=0)
    watchdog = Watchdog(FakeConnection(attachment), seconds=0.2)
    watchdog.stop()
    time.sleep(0.3)
    assert attachment.calls == 0 and not watchdog.fired


def test_watchdog_gives_up_when_the_read_ends_or_the_connection_is_gone() -> None:
    """A closed connection (no attachment) is not an error in the watchdog; stopping it ends the retries."""
    watchdog = Watchdog(FakeConnection(None), seconds=0.01)
    time.sleep(0.1)
    watchdog.stop()
    assert not watchdog.fired


def test_firebird_url_gets_the_driver_and_a_utf8_charset() -> None:
    """`firebird://` becomes firebird+firebird with charset UTF8; a charset the hospital chose is kept."""
    url = source_url("firebird://leitor:s%40nha@10.0.0.9:3050//dados/spdata.fdb")
    assert url.drivername == "firebird+firebird" and url.query["charset"] == "UTF8"
    assert url.database == "/dados/spdata.fdb" and url.password == "s@nha"
    assert source_url("firebird+firebird://u:p@h/spdata?charset=WIN1252").query["charset"] == "WIN1252"
    assert check_url("firebird://u:p@h//dados/spdata.fdb") is None


def test_unknown_dialect_message_lists_firebird() -> None:
    """The list of dialects the operator can use names Firebird's."""
    assert "firebird+firebird" in (check_url("db2://u:p@h/x") or "")


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("command", [["run", "--once"], ["check"]])
def test_a_missing_firebird_client_library_says_which_package_provides_it(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A connector installed with pip on a server without libfbclient (the image has it): the read fails with the
    package to install, not an unexpected failure, and the reads pause instead of failing the same way each cycle."""
    from firebird.driver import driver_config, fbapi

    monkeypatch.setattr(fbapi, "api", None)  # not loaded yet, as in a fresh process
    option = driver_config.fb_client_library
    monkeypatch.setattr(option, "_value", None, raising=False)
    option.set_value(str(tmp_path / "libfbclient.so.2"))  # a library that is not there
    monkeypatch.setenv("HOTELEITOS_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HOTELEITOS_API_TOKEN", "t0ken")
    monkeypatch.setenv("HOTELEITOS_SOURCE_VENDOR", "spdata")
    monkeypatch.setenv("HOTELEITOS_SOURCE_URL", "firebird://leitor:senha@127.0.0.1:3050//dados/spdata.fdb")
    monkeypatch.setenv("HOTELEITOS_STATE_DIR", str(tmp_path / "estado"))
    try:
        status = main(command)
    finally:
        option.set_value(None)
    output = capsys.readouterr()
    text = output.out + output.err
    assert status == 1, text
    assert "libfbclient" in text and "apt-get install libfbclient2" in text, text
    assert "inesperada" not in text and "Traceback" not in text and "recusou" not in text, text
    if command == ["run", "--once"]:
        assert "Próxima tentativa em 60s" in text  # paused like a refused login: nothing heals it but a fix
