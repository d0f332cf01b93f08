"""The HOTELEITOS API: one POST per snapshot, classified as contract §2 says, retried with tenacity."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_any,
    stop_before_delay,
    stop_when_event_set,
    wait_exponential_jitter,
)

from connector import __version__
from connector.errors import (
    AuthSinkError,
    FatalSinkError,
    RejectedSnapshotError,
    RetriableSinkError,
    SinkError,
)
from connector.settings import ApiSettings
from connector.snapshot import Snapshot

RETRIABLE_STATUSES = {408, 425, 429}
MAX_BODY_KEPT = 64 * 1024
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Delivery:
    """A snapshot the API took: its status, how many attempts it needed and the last attempt's latency."""

    status: int
    attempts: int
    latency: float


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def classify(response: httpx.Response) -> None:
    """Raise the `SinkError` this response means; return quietly on 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    body = response.text[:MAX_BODY_KEPT]
    if status in (401, 403):
        raise AuthSinkError(
            f"a API recusou o token (HTTP {status}): confira API_TOKEN (ou HOTELEITOS_API_TOKEN) com a equipe "
            "HOTELEITOS; os censos ficam guardados e serão enviados quando o token for aceito.",
            status=status,
            body=body,
        )
    if status in RETRIABLE_STATUSES or status >= 500:
        raise RetriableSinkError(
            f"a API respondeu HTTP {status} (falha passageira); o censo fica na fila.",
            status=status,
            body=body,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        raise FatalSinkError(
            f"a API redirecionou (HTTP {status}) para {response.headers.get('Location', '?')}; ajuste "
            "HOTELEITOS_API_URL/HOTELEITOS_API_PATH para o endereço final.",
            status=status,
        )
    raise RejectedSnapshotError(
        f"a API recusou este censo (HTTP {status}); ele foi separado (fila de rejeitados) e os próximos seguem. "
        "Veja `hoteleitos-connector outbox show <id>` para a resposta da API.",
        status=status,
        body=body,
    )


def _transport_error(error: httpx.HTTPError) -> SinkError:
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return FatalSinkError(
            "o certificado TLS da API não foi verificado; se a rede do hospital inspeciona TLS, informe a CA "
            "em HOTELEITOS_API_CA_BUNDLE.",
            detail=type(error).__name__,
        )
    return RetriableSinkError(
        f"falha de rede ao enviar à API ({type(error).__name__}); o censo fica na fila.",
        detail=type(error).__name__,
    )


class ApiSink:
    """Pushes snapshots; `stop` interrupts retries at once (graceful shutdown). A Retry-After is honoured for at
    most `max_pause` seconds (the schedule interval): backoff never carries over beyond the next cycle."""

    def __init__(
        self,
        api: ApiSettings,
        *,
        stop: threading.Event | None = None,
        on_attempt: Callable[[Snapshot, int | None, SinkError | None, float], None] | None = None,
        max_pause: float = 60.0,
    ) -> None:
        self.api = api
        self.stop = stop or threading.Event()
        self.on_attempt = on_attempt
        self.max_pause = max_pause
        self.not_before = 0.0  # monotonic time before which the API asked not to be called (Retry-After)
        verify: Any = str(api.ca_bundle) if api.ca_bundle else api.verify_tls
        self.client = httpx.Client(
            timeout=httpx.Timeout(api.read_timeout, connect=api.connect_timeout),
            verify=verify,
            trust_env=True,
            follow_redirects=False,
            headers={"User-Agent": f"hoteleitos-connector/{__version__}"},
        )

    def close(self) -> None:
        self.client.close()

    @property
    def url(self) -> str:
        return self.api.url + self.api.path

    def authorization(self) -> dict[str, str]:
        """The header that carries the token (`Authorization: Bearer ...` unless configured otherwise)."""
        assert self.api.token is not None
        token = self.api.token.get_secret_value()
        return {self.api.auth_header: f"{self.api.auth_scheme} {token}" if self.api.auth_scheme else token}

    def _headers(self, snapshot: Snapshot) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(snapshot.size),  # the parts are streamed, not sent chunked
            "Idempotency-Key": snapshot.id,
            **self.authorization(),
        }

    def send(self, snapshot: Snapshot) -> Delivery:
        """One attempt, no retry."""
        started = time.perf_counter()
        try:
            response = self.client.post(self.url, content=snapshot.parts, headers=self._headers(snapshot))
            classify(response)
        except httpx.HTTPError as error:  # transport failures, and answers that cannot even be decoded
            failure = _transport_error(error)
            self._report(snapshot, None, failure, started)
            raise failure from None
        except SinkError as error:
            if isinstance(error, RetriableSinkError) and error.retry_after:
                self.not_before = time.monotonic() + min(error.retry_after, self.max_pause)
            self._report(snapshot, error.status, error, started)
            raise
        latency = time.perf_counter() - started
        self._report(snapshot, response.status_code, None, started)
        return Delivery(status=response.status_code, attempts=1, latency=latency)

    def _report(self, snapshot: Snapshot, status: int | None, error: SinkError | None, started: float) -> None:
        if self.on_attempt is not None:
            self.on_attempt(snapshot, status, error, time.perf_counter() - started)

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def push(self, snapshot: Snapshot, deadline: float) -> Delivery:
        """Send with retries for up to `deadline` seconds; raise the last `SinkError` if it never got through."""
        waiting = self.not_before - time.monotonic()
        if waiting > 0:
            if waiting >= deadline or self.stop.wait(waiting):
                raise RetriableSinkError(f"a API pediu para aguardar {waiting:.0f}s (Retry-After).")
            deadline -= waiting
        retrying = Retrying(
            retry=retry_if_exception_type(RetriableSinkError),
            wait=_wait_backoff_or_retry_after,
            stop=stop_any(stop_before_delay(deadline), stop_when_event_set(self.stop)),
            sleep=self._sleep,
            reraise=True,
        )
        attempts = 0
        for attempt in retrying:
            with attempt:
                attempts += 1
                delivery = self.send(snapshot)
        return Delivery(status=delivery.status, attempts=attempts, latency=delivery.latency)


_backoff = wait_exponential_jitter(max=MAX_BACKOFF, jitter=1)


def _wait_backoff_or_retry_after(state: RetryCallState) -> float:
    """Exponential backoff with jitter, but never sooner than the API's Retry-After."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RetriableSinkError) and error.retry_after is not None:
        return max(error.retry_after, 0.1)  # beyond the deadline, stop_before_delay ends the cycle's retries
    return float(_backoff(state))
