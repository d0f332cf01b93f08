"""Logging: JSON facts with a cycle id, secrets redacted even inside a library's traceback."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import structlog

from connector.ops.logs import configure, get_logger
from connector.settings import LogSettings


@pytest.fixture(autouse=True)
def _restore_logging():  # type: ignore[no-untyped-def]
    yield
    structlog.reset_defaults()
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)
        handler.close()


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_events_carry_bound_cycle_id(capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON object per event, with level, timestamp and the cycle id bound by the caller."""
    configure(LogSettings(format="json"))
    with structlog.contextvars.bound_contextvars(cycle_id="abc123"):
        get_logger().info("census_extracted", rows=3)
    event = lines(capsys.readouterr().err)[0]
    assert event["event"] == "census_extracted" and event["rows"] == 3 and event["cycle_id"] == "abc123"
    assert event["level"] == "info" and str(event["timestamp"]).endswith("+00:00")


def test_events_are_stamped_in_the_hospitals_time_zone(capsys: pytest.CaptureFixture[str]) -> None:
    """With the hospital's zone, the timestamp carries its offset (the same clock as outbox and /readyz)."""
    configure(LogSettings(format="json"), tz=ZoneInfo("America/Sao_Paulo"))
    get_logger().info("census_extracted", rows=3)
    stamp = str(lines(capsys.readouterr().err)[0]["timestamp"])
    assert stamp.endswith("-03:00")
    assert abs(datetime.fromisoformat(stamp).timestamp() - time.time()) < 60


def test_secrets_are_redacted_in_messages_and_library_tracebacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A token inside a message or inside another library's exception never reaches stderr or the log file."""
    configure(LogSettings(format="json", dir=tmp_path), secrets=["supersecret-token"])
    get_logger().error("push_failed", message="token supersecret-token recusado")
    try:
        raise RuntimeError("boom supersecret-token")
    except RuntimeError:
        logging.getLogger("apscheduler.executors").exception("Job raised")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = capsys.readouterr().err + (tmp_path / "hoteleitos-connector.log").read_text(encoding="utf-8")
    assert "supersecret-token" not in written
    assert "RuntimeError" in written and "***" in written


def test_unwritable_log_folder_falls_back_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A log folder that cannot be created is reported once; logging goes on."""
    blocker = tmp_path / "arquivo"
    blocker.write_text("x", encoding="utf-8")
    configure(LogSettings(format="json", dir=blocker / "log"))
    get_logger().info("cycle_finished")
    events = [e["event"] for e in lines(capsys.readouterr().err)]
    assert events == ["log_dir_unwritable", "cycle_finished"]


def test_a_url_with_a_raw_at_in_its_password_is_redacted_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """The configured URL's every possible password (`Senha@2024!Seguro`: SQLAlchemy takes `Senha`) and any URL's
    credentials up to its last `@` never reach the log, whatever echoes them."""
    from connector.settings.urls import url_secrets

    configure(LogSettings(format="json"), secrets=url_secrets("postgresql://leitor:Senha@2024!Seguro@db/mv"))
    get_logger().error("census_failed", message="login falhou para leitor com senha Senha@2024!Seguro")
    get_logger().error("census_failed", message="conectando a mysql://outro:p@ss@w0rd@10.1.1.1/x falhou")
    err = capsys.readouterr().err
    for piece in ("Senha", "2024", "Seguro", "p@ss", "w0rd", "outro"):
        assert piece not in err, err
    assert "mysql://***@10.1.1.1/x" in err
