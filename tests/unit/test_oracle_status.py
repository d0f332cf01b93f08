"""What the operator sees of the Oracle sessions after a cycle: the driver's mode and the password warning on
/readyz (a warning never makes the connector unready), as a metric label and gauge, and in the log once per change."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from prometheus_client import REGISTRY

from connector.commands.configuration import settings_from_values
from connector.ops import telemetry
from connector.ops.health import Readiness
from connector.source.oracle_connect import OracleStatus

WARNING = "a senha do usuário do banco Oracle expira em 9 dia(s), em 05/12/2026; ..."
THICK = OracleStatus("thick", "19.25.0.0.0", "server_version", WARNING)
THIN = OracleStatus("thin", None, None, None)
DEPTH = {"pending": 0, "held": 0, "dead": 0}


def readiness(tmp_path: Path) -> Readiness:
    return Readiness(
        settings_from_values(
            {
                "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
                "source": {"vendor": "mv", "url": "oracle+oracledb://u:p@h:1521/?service_name=P"},
                "state_dir": str(tmp_path),
            }
        )
    )


def test_readyz_shows_the_mode_and_the_password_warning_without_turning_unready(tmp_path: Path) -> None:
    """Ready after a delivery even with the warning; the mode says why thick; a failed read keeps what was known."""
    ready = readiness(tmp_path)
    ready.update(delivered=True, depth=DEPTH, error=None, oracle=THICK)
    ok, body = ready.verdict()
    assert ok and body["warnings"] == [WARNING]
    assert body["oracle_client"].startswith("thick (Oracle Client 19.25.0.0.0; em uso porque o servidor Oracle é")
    ready.update(delivered=False, depth=DEPTH, error="leitura: listener_busy", oracle=None)
    assert ready.verdict()[1]["warnings"] == [WARNING]
    ready.update(delivered=True, depth=DEPTH, error=None, oracle=THIN)
    assert ready.verdict()[1]["warnings"] == [] and ready.verdict()[1]["oracle_client"] == "thin (sem Oracle Client)"


def test_other_databases_add_nothing_to_readyz(tmp_path: Path) -> None:
    """No Oracle status, no Oracle keys."""
    ready = readiness(tmp_path)
    ready.update(delivered=True, depth=DEPTH, error=None)
    assert "oracle_client" not in ready.verdict()[1]


def test_metrics_carry_the_mode_and_the_warning_logged_once_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mode is a label of hoteleitos_oracle_client_info; the gauge is 1 while warned; the same warning is not
    logged again every cycle."""
    monkeypatch.setitem(telemetry._SAID, "password", None)
    with structlog.testing.capture_logs() as logs:
        for status in (THICK, THICK, THIN):
            telemetry.oracle_sessions(status)
            if status is THICK:
                info = {"mode": "thick", "client_version": "19.25.0.0.0"}
                assert REGISTRY.get_sample_value("hoteleitos_oracle_client_info", info) == 1
                assert REGISTRY.get_sample_value("hoteleitos_source_password_expiring") == 1
    assert REGISTRY.get_sample_value("hoteleitos_source_password_expiring") == 0
    assert REGISTRY.get_sample_value("hoteleitos_oracle_client_info", {"mode": "thin", "client_version": ""}) == 1
    assert [e["event"] for e in logs] == ["password_expiring"]
