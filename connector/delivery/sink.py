"""The HOTELEITOS API: one POST per snapshot, classified as contract §2 says, retried with tenacity."""

from __future__ import annotations

import email.utils
import os
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import structlog
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
from connector.delivery.http_exchange import MAX_BODY, SOCKETS_KEPT, Answer, Interrupted, Undecodable, exchange
from connector.delivery.refusals import is_html_page, megabytes, too_large
from connector.delivery.snapshot import Snapshot
from connector.errors import (
    AuthSinkError,
    FatalSinkError,
    InterceptedSinkError,
    RejectedSnapshotError,
    RetriableSinkError,
    SinkError,
)
from connector.settings import ApiSettings

RETRIABLE_STATUSES = {408, 425, 429}
MAX_BODY_KEPT = MAX_BODY
MAX_BACKOFF = 30.0
STOP_GRACE = 3.0  # seconds a push in flight may still finish after SIGTERM (docker waits 30 s in all)
KEEPALIVE_MARGIN = 30.0  # seconds an idle connection is kept beyond the schedule's interval
MIN_UPLOAD_RATE = 100 * 1024  # bytes/s: an attempt's deadline grows with the census it uploads
HTML_TYPES = {"text/html", "application/xhtml+xml"}
MAX_RETRY_AFTER = 86400.0  # seconds: a longer ask is taken as a day (it is capped at the schedule anyway)
log = structlog.get_logger("hoteleitos.sink")


@dataclass(frozen=True)
class Delivery:
    """A snapshot the API took: its status, how many attempts it needed and the last attempt's latency."""

    status: int
    attempts: int
    latency: float


class Sink(Protocol):
    """Where the courier sends snapshots: `ApiSink` (the HOTELEITOS API), or a fake in the cycle's unit tests."""

    def push(self, snapshot: Snapshot, deadline: float) -> Delivery:
        """Send one snapshot, retrying until `deadline` (monotonic seconds); a `SinkError` when it did not go."""
        ...

    def close(self) -> None:
        """Let go of connections."""
        ...


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP date), or None for anything else (`²` is a
    digit to Python, not to HTTP)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def classify(response: httpx.Response | Answer) -> None:
    """Raise the `SinkError` this answer means; return quietly on a 2xx from the API itself."""
    if isinstance(response, httpx.Response):
        response = Answer(response.status_code, response.headers, response.text[:MAX_BODY_KEPT])
    status, body = response.status, response.body
    if 200 <= status < 300:
        if response.media_type in HTML_TYPES or is_html_page(body):
            kind = response.media_type or "sem Content-Type"
            raise InterceptedSinkError(
                f"a resposta (HTTP {status}, página HTML, {kind}) não veio da API HOTELEITOS: algo entre o conector "
                "e a API respondeu (portal de rede, proxy ou firewall). O censo fica na fila; confira "
                "HOTELEITOS_API_URL e o proxy (HTTPS_PROXY) com a equipe de rede.",
                status=status,
                detail="html_answer",
            )
        return
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
            f"a API redirecionou (HTTP {status}) para {response.headers.get('Location', '?')[:200]}; ajuste "
            "HOTELEITOS_API_URL/HOTELEITOS_API_PATH para o endereço final.",
            status=status,
        )
    raise RejectedSnapshotError(
        f"a API recusou este censo (HTTP {status}); ele foi separado (fila de rejeitados) e os próximos seguem. "
        "Veja `hoteleitos-connector outbox show <id>` para a resposta da API.",
        status=status,
        body=body,
    )


def _transport_error(error: Exception, deadline: float) -> SinkError:
    if isinstance(error, Interrupted) and error.reason == "stop":
        return RetriableSinkError(
            "envio interrompido pela parada do conector; o censo fica na fila e vai no próximo início.",
            detail="stopped",
        )
    if isinstance(error, Interrupted):
        return RetriableSinkError(
            f"a API não completou a resposta em {deadline:.0f}s (HOTELEITOS_API_CONNECT_TIMEOUT + "
            "HOTELEITOS_API_READ_TIMEOUT); a tentativa foi cortada e o censo segue na fila.",
            detail="deadline",
        )
    if isinstance(error, Undecodable):
        error = httpx.DecodingError(f"corpo {error} corrompido")
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


def tls_verification(api: ApiSettings, environ: Mapping[str, str] = os.environ) -> Any:
    """httpx's `verify` for this API: the CA bundle configured, or the default one; for a plain `http://` API
    reached without an `https://` proxy nothing speaks TLS, so no CA bundle is parsed (a few hundred certificates,
    tens of milliseconds and a megabyte or two): a context that trusts no one, should TLS ever come up."""
    proxies = (environ.get(name, "") for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"))
    if api.url.lower().startswith("http://") and not any(p.lower().startswith("https://") for p in proxies):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return str(api.ca_bundle) if api.ca_bundle else api.verify_tls


class ApiSink:
    """Pushes snapshots; `stop` interrupts retries at once (graceful shutdown). A Retry-After is honoured for at
    most `max_pause` seconds (the schedule interval): backoff never carries over beyond the next cycle."""

    def __init__(
        self,
        api: ApiSettings,
        *,
        stop: threading.Event | None = None,
        on_attempt: Callable[[Snapshot, int | None, SinkError | None, float], None] | None = None,
        on_retry: Callable[[Snapshot, int, SinkError, float], None] | None = None,
        max_pause: float = 60.0,
    ) -> None:
        self.api = api
        self.stop = stop or threading.Event()
        self.on_attempt = on_attempt
        self.on_retry = on_retry  # told before each wait for a retry: the attempt that failed, why, and the wait
        self.max_pause = max_pause
        self.not_before = 0.0  # monotonic time before which the API asked not to be called (Retry-After)
        self.compress = api.gzip  # also once the API refused a census for its size and took it compressed
        self.sockets: deque[socket.socket] = deque(maxlen=SOCKETS_KEPT)  # the client's connections, for the watch
        self.client = httpx.Client(
            timeout=httpx.Timeout(api.read_timeout, connect=api.connect_timeout),
            verify=tls_verification(api),
            trust_env=True,
            follow_redirects=False,
            # The connection outlives the schedule's interval (httpx's default drops it after 5 s idle): one TCP and
            # TLS handshake per run, not per cycle. Its socket stays known to the deadline's watch (see wire).
            limits=httpx.Limits(max_keepalive_connections=1, keepalive_expiry=max_pause + KEEPALIVE_MARGIN),
            headers={"User-Agent": f"hoteleitos-connector/{__version__}", "Accept-Encoding": "identity"},
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

    def wire_body(self, snapshot: Snapshot) -> tuple[Iterable[bytes], int]:
        """The request body as it is sent, and its length: the gzip form the outbox stores, or the census decompressed
        as it goes."""
        return (snapshot.packed, snapshot.packed_size) if self.compress else (snapshot.parts(), snapshot.size)

    def _headers(self, snapshot: Snapshot, size: int) -> dict[str, str]:
        encoding = {"Content-Encoding": "gzip"} if self.compress else {}
        return {
            "Content-Type": "application/json; charset=utf-8",
            **encoding,
            "Content-Length": str(size),  # the parts are streamed, not sent chunked
            "Idempotency-Key": snapshot.id,
            **self.authorization(),
        }

    def attempt_deadline(self, size: int = 0) -> float:
        """Seconds one attempt may take in all: connect, upload (at a slow link's pace) and the whole answer."""
        return self.api.connect_timeout + self.api.read_timeout + size / MIN_UPLOAD_RATE

    def redact(self, text: str) -> str:
        """An answer's text without the token (some APIs and proxies echo the request's headers)."""
        assert self.api.token is not None
        token = self.api.token.get_secret_value()
        for form in {token, quote(token, safe="")}:
            text = text.replace(form, "***")
        return text

    def exchange(self, method: str, snapshot: Snapshot | None = None, *, token: bool = True) -> Answer:
        """One bounded request to the push URL (see `connector.delivery.http_exchange`); the answer's body without the
        token. `token=False` leaves the token out (`check` asks whether the API looks at it at all)."""
        body, size = self.wire_body(snapshot) if snapshot is not None else ((), 0)
        headers = self._headers(snapshot, size) if snapshot is not None else (self.authorization() if token else {})
        answer = exchange(
            self.client,
            method,
            self.url,
            # An iterator lets go of the body once sent: httpx keeps the request, in a reference cycle, until
            # the next collection, and a large census would still be held while the next one is read.
            content=iter(body) if snapshot is not None else None,
            headers=headers,
            deadline=self.attempt_deadline(size),
            stop=self.stop,
            grace=STOP_GRACE if snapshot is not None else 0.0,
            sockets=self.sockets,
        )
        return Answer(answer.status, answer.headers, self.redact(answer.body))

    def send(self, snapshot: Snapshot) -> Delivery:
        """One attempt, no retry."""
        started = time.perf_counter()
        try:
            answer = self.exchange("POST", snapshot)
            if answer.status == 413 and not self.compress:
                answer = self._compressed_after_413(snapshot)
            elif answer.status == 415 and self.compress and not self.api.gzip:  # took gzip after a 413, no more
                self.compress = False
                answer = self.exchange("POST", snapshot)
            elif self.api.gzip and answer.status == 415:  # not this census's fault: every one would be refused
                raise FatalSinkError(
                    "a API não aceita o censo comprimido (HTTP 415); desligue HOTELEITOS_API_GZIP. O censo fica na "
                    "fila e vai assim que a configuração mudar.",
                    status=415,
                )
            classify(answer)
        except (httpx.HTTPError, Interrupted, Undecodable) as error:  # the network, a cut, a broken answer
            failure = _transport_error(error, self.attempt_deadline(self.wire_body(snapshot)[1]))
            self._report(snapshot, None, failure, started)
            raise failure from None
        except SinkError as error:
            if isinstance(error, RetriableSinkError) and error.retry_after:
                self.not_before = time.monotonic() + min(error.retry_after, self.max_pause)
            self._report(snapshot, error.status, error, started)
            raise
        latency = time.perf_counter() - started
        self._report(snapshot, answer.status, None, started)
        return Delivery(status=answer.status, attempts=1, latency=latency)

    def _compressed_after_413(self, snapshot: Snapshot) -> Answer:
        """The census again, gzip-compressed, once: an API (or a proxy) that limits the body's size may take it so.
        Taken: the next ones go compressed too, and the log says so. Refused again for its size: a clear reason."""
        plain = snapshot.size
        self.compress = True
        try:
            answer = self.exchange("POST", snapshot)
        finally:
            self.compress = False
        if answer.status in (413, 415):
            raise too_large(snapshot, plain, answer)
        if 200 <= answer.status < 300:
            self.compress = True
            log.warning(
                "push_compressed_after_413",
                snapshot_id=snapshot.id,
                bytes=plain,
                compressed_bytes=snapshot.packed_size,
                message=f"a API recusou o censo por tamanho (HTTP 413, {megabytes(plain)}) e o aceitou comprimido "
                f"em gzip ({megabytes(snapshot.packed_size)}); os próximos vão comprimidos. Para começar assim, "
                "defina HOTELEITOS_API_GZIP=true.",
            )
        return answer

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
            before_sleep=lambda state: self._retrying(snapshot, state),
            reraise=True,
        )
        attempts = 0
        for attempt in retrying:
            with attempt:
                attempts += 1
                delivery = self.send(snapshot)
        return Delivery(status=delivery.status, attempts=attempts, latency=delivery.latency)

    def _retrying(self, snapshot: Snapshot, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if self.on_retry is not None and isinstance(error, SinkError) and state.next_action is not None:
            self.on_retry(snapshot, state.attempt_number, error, state.next_action.sleep)


_backoff = wait_exponential_jitter(max=MAX_BACKOFF, jitter=1)


def _wait_backoff_or_retry_after(state: RetryCallState) -> float:
    """Exponential backoff with jitter; a Retry-After only lengthens it (`0` or a past date never shortens it)."""
    error = state.outcome.exception() if state.outcome else None
    backoff = float(_backoff(state))
    if isinstance(error, RetriableSinkError) and error.retry_after is not None:
        return max(error.retry_after, backoff)  # beyond the deadline, stop_before_delay ends the cycle's retries
    return backoff
