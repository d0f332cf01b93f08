"""The connector's errors.

    ConnectorError
     ├── ConfigError                a setting that cannot work (one problem per line)
     ├── SourceError                the HIS database could not give a census
     └── SinkError                  the HOTELEITOS API did not take a snapshot
          ├── RetriableSinkError    408, 425, 429, 5xx, transport failures: try again
          ├── InterceptedSinkError  a 2xx that is an HTML page: something between us and the API answered
          └── FatalSinkError        the API refused; trying again now would not help
               ├── AuthSinkError            401/403: wrong token, the snapshot is kept
               └── RejectedSnapshotError    any other 4xx: the snapshot is set aside

`message` is for the operator (Portuguese, points at a fix); `detail` is internal context for the logs.
Neither ever holds a secret or a patient's data: callers build both from codes, names of settings and
names of tables, never from row values or credentials.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error the connector reports to its operator."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigError(ConnectorError):
    """The configuration cannot work; `problems` holds one operator line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class SourceError(ConnectorError):
    """The census could not be read; `kind` names the cause (`auth`, `unreachable`, `timeout`...)."""

    def __init__(self, message: str, *, kind: str, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.kind = kind


class SinkError(ConnectorError):
    """The API did not accept a snapshot."""

    def __init__(
        self, message: str, *, status: int | None = None, body: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message, detail=detail)
        self.status = status
        self.body = body


class RetriableSinkError(SinkError):
    """A failure that may pass: retry with backoff, honouring `retry_after` (seconds) when the API gave one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, detail=detail)
        self.retry_after = retry_after


class InterceptedSinkError(SinkError):
    """A 2xx in HTML (a captive portal, a proxy's page): not a delivery. The snapshot stays pending and the round
    stops (sending it again at once would hand the census to the same intermediary), without a long pause."""


class FatalSinkError(SinkError):
    """The API refused the request; retrying at once would get the same answer."""


class AuthSinkError(FatalSinkError):
    """401/403: the token is wrong or lacks permission; the snapshot stays in the outbox."""


class RejectedSnapshotError(FatalSinkError):
    """Another 4xx: the API refused this snapshot; it goes to the dead letter and newer ones go on."""
