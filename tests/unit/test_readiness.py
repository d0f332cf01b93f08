"""/readyz's judgement: what is held and why, kept across a cycle whose read failed."""

from __future__ import annotations

from pathlib import Path

from connector.commands.configuration import settings_from_values
from connector.ops.health import Readiness


def readiness(tmp_path: Path) -> Readiness:
    return Readiness(
        settings_from_values(
            {
                "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
                "source": {"vendor": "mv", "url": "sqlite:///x.db"},
                "state_dir": str(tmp_path),
            }
        )
    )


def test_readyz_says_why_a_census_is_held_until_it_is_not(tmp_path: Path) -> None:
    """A held census: 503 with the guard's reason; a failed read keeps it; an accepted census clears it."""
    ready = readiness(tmp_path)
    ready.update(delivered=True, depth={"pending": 0, "held": 1, "dead": 0}, error=None, held_note="veio vazio")
    ok, body = ready.verdict()
    assert not ok and body["reasons"] == ["censo retido pela proteção contra altas em massa: veio vazio"]
    ready.update(delivered=False, depth={"pending": 0, "held": 1, "dead": 0}, error="banco fora", held_note=None)
    assert ready.verdict()[1]["reasons"][-1].endswith("veio vazio")
    ready.update(delivered=True, depth={"pending": 0, "held": 0, "dead": 0}, error=None, held_note=None)
    assert ready.verdict() == (True, ready.verdict()[1])
    assert ready.held_note is None


def test_readyz_reports_an_outbox_that_started_over_for_a_while(tmp_path: Path) -> None:
    """A recovered outbox is a reason on /readyz during the readiness window, then no longer."""
    import time

    ready = readiness(tmp_path)
    depth = {"pending": 0, "held": 0, "dead": 0}
    ready.update(delivered=True, depth=depth, error=None, recovery=(time.time(), "a fila de envio estava danificada"))
    ok, body = ready.verdict()
    assert not ok and body["reasons"] == ["a fila de envio estava danificada"]
    ready.recovery = (time.time() - ready.window - 1, "a fila de envio estava danificada")
    assert ready.verdict()[0]
