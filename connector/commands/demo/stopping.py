"""How the demo stops: SIGTERM and Ctrl+C (SIGINT) alike, always through its clean-up.

A signal sets `event`, the agent's stop event (as in `run`): a cycle in progress cuts its read or push short and
returns, and the wait between cycles ends at once. Only inside `interruptible()` (building the synthetic hospital,
which takes seconds for a large one and has no stop of its own) does a signal also raise `Stopped`. Nowhere else is
an exception thrown into the program from outside, so the clean-up (`finally`) always runs to its end.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(BaseException):  # like KeyboardInterrupt: it passes every `except Exception` on its way
    """A signal arrived while the demo was building its hospital."""


class Stopper:
    """The demo's handler of SIGTERM and SIGINT while it runs (the previous handlers come back on exit)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: signal.Signals | None = None  # the first signal received
        self._interruptible = False
        self._previous: dict[signal.Signals, Callable[[int, FrameType | None], Any] | int | None] = {}

    def __enter__(self) -> Stopper:
        for number in SIGNALS:
            if signal.getsignal(number) is not signal.SIG_IGN:  # ignored (`nohup`, a shell's `&`) stays ignored
                self._previous[number] = signal.signal(number, self._received)
        return self

    def __exit__(self, *_: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds`, or less if a signal comes; True when it came."""
        return self.event.wait(seconds)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """A block a signal ends at once, with `Stopped` (also when it came just before the block)."""
        if self.stopped:
            raise Stopped
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    def _received(self, number: int, _frame: FrameType | None) -> None:
        if self.signal is None:
            self.signal = signal.Signals(number)
        self.event.set()
        if self._interruptible:
            self._interruptible = False  # a second signal must not interrupt the unwinding of the first
            raise Stopped
