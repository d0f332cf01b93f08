"""/readyz's judgement: what is held and why, kept across a cycle whose read failed."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from connector.commands.configuration import settings_from_values
from connector.ops.health import Readiness


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def readiness(tmp_path: Path, mono: FakeClock | None = None) -> Readiness:
    return Readiness(
        settings_from_values(
            {
                "api": {"url": "http://127.0.0.1:9", "token": "t0ken-de-teste"},
                "source": {"vendor": "mv", "url": "sqlite:///x.db"},
                "state_dir": str(tmp_path),
            }
        ),
        mono or FakeClock(),
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
    mono = FakeClock()
    ready = readiness(tmp_path, mono)
    depth = {"pending": 0, "held": 0, "dead": 0}
    ready.update(delivered=True, depth=depth, error=None, recovery=(1e9, "a fila de envio estava danificada"))
    ok, body = ready.verdict()
    assert not ok and body["reasons"] == ["a fila de envio estava danificada"]
    mono.now += ready.window / 2
    ready.update(delivered=True, depth=depth, error=None)
    assert not ready.verdict()[0]
    mono.now += ready.window / 2 + 1
    assert ready.verdict()[0]


def test_readiness_ages_are_monotonic_whatever_the_wall_clock_does(tmp_path: Path) -> None:
    """The last delivery's age grows with the monotonic clock only: a wall clock stepped back an hour after the
    delivery never makes it negative, and /readyz turns 503 once the window passes without another delivery."""
    mono = FakeClock()
    ready = readiness(tmp_path, mono)
    with patch("time.time", return_value=2_000_000_000.0):
        ready.update(delivered=True, depth={"pending": 0, "held": 0, "dead": 0}, error=None)
    mono.now += 5
    with patch("time.time", return_value=2_000_000_000.0 - 3600):
        ok, body = ready.verdict()
        assert ok and body["last_delivery_age_seconds"] == 5.0
        mono.now += ready.window + 1
        ok, body = ready.verdict()
    assert not ok and body["last_delivery_age_seconds"] == ready.window + 6
    assert body["reasons"][0].startswith("último ciclo entregue há")
