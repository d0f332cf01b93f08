"""/readyz's judgement: what is held and why, kept across a cycle whose read failed."""

from __future__ import annotations

from pathlib import Path

from connector.config import settings_from_values
from connector.health import Readiness


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
