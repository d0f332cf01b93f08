"""The HIS database as `check` sees it: one adapter and one engine for every item, and a session the database
refused once not asked for again.

A wrong password costs one failed login per `check`, not one per item: each counts towards the account's lockout
policy, and an operator runs `check` again and again while fixing the configuration. The adapter is shared too,
so the catalog look-ups (the schema, the optional columns) run once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy.engine import Engine

from adapters import adapter_for
from adapters.base import Adapter
from connector.errors import SourceError
from connector.settings import Settings
from connector.source.engine import engine_for
from connector.source.login_backoff import AuthPause

# Failures to open a session: the item that reads the census says them, with the fix.
NO_CONNECTION = frozenset(
    {"auth", "unreachable", "unknown_database", "unknown_service", "connection_lost", "handshake_reset",
     "listener_busy", "listener_refused", "database_down", "database_full", "logon_trigger", "tns_config"}
)  # fmt: skip


def no_session(error: SourceError) -> bool:
    """Whether the database refused (or never answered) the session itself, rather than a statement in it."""
    return error.kind in NO_CONNECTION or AuthPause.pauses(error)


class SourceSession:
    """The adapter and the engine `check` shares between its items; closed at the end of the `check`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.adapter: Adapter = adapter_for(settings.source)
        self.refused: SourceError | None = None  # the session the database refused: said once, not tried again
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        """The engine (`SourceError`: the refusal an earlier item met, or thick mode's Oracle Client not loading)."""
        if self.refused is not None:
            raise self.refused
        if self._engine is None:
            try:
                self._engine = engine_for(self.settings.source, self.settings.timezone, self.settings.oracle)
            except SourceError as error:
                self.refused = error
                raise
        return self._engine

    def failed(self, error: SourceError) -> SourceError:
        """Note an item's failure: a refused session is not asked for again by the next items."""
        if no_session(error):
            self.refused = error
        return error

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> SourceSession:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


@contextmanager
def session_of(settings: Settings, given: SourceSession | None) -> Iterator[SourceSession]:
    """The session `check` shares, or one of this item's own when it runs alone."""
    if given is not None:
        yield given
        return
    with SourceSession(settings) as session:
        yield session
