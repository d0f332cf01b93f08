"""The push's classification of answers and its retry policy (contract §2), on a fake transport."""

from __future__ import annotations

import ssl
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from connector.delivery.sink import ApiSink, classify, retry_after_seconds, tls_verification
from connector.delivery.snapshot import Snapshot
from connector.errors import AuthSinkError, FatalSinkError, RejectedSnapshotError, RetriableSinkError
from connector.settings import ApiSettings

SNAPSHOT = Snapshot.of("snap-1", "2026-11-26T10:00:00-03:00", 0, b"[]")


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("POST", "https://api.test/x"))


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_success(status: int) -> None:
    """Any 2xx."""
    classify(answer(status))


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_retriable_statuses(status: int) -> None:
    """408, 425, 429 and 5xx are worth another try."""
    with pytest.raises(RetriableSinkError):
        classify(answer(status))


@pytest.mark.parametrize("status", [401, 403])
def test_auth_statuses_keep_the_snapshot(status: int) -> None:
    """A wrong token is its own error (the snapshot is kept, the operator told)."""
    with pytest.raises(AuthSinkError, match="token"):
        classify(answer(status))


@pytest.mark.parametrize("status", [400, 404, 409, 413, 422])
def test_other_4xx_reject_the_snapshot(status: int) -> None:
    """Another 4xx sets this snapshot aside."""
    with pytest.raises(RejectedSnapshotError):
        classify(answer(status))


def test_redirect_is_a_configuration_problem() -> None:
    """A 3xx is not followed (a POST must not turn into a GET): the URL must be fixed."""
    with pytest.raises(FatalSinkError, match="HOTELEITOS_API_URL"):
        classify(answer(301, Location="https://elsewhere.test/"))


def test_retry_after_in_seconds_and_as_http_date() -> None:
    """Both forms of Retry-After."""
    assert retry_after_seconds("7") == 7
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now=now.timestamp()) == pytest.approx(30)
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def sink_with(handler, **api: object) -> ApiSink:  # type: ignore[no-untyped-def]
    settings = ApiSettings.model_validate({"url": "https://api.test", "token": "tok", **api})
    sink = ApiSink(settings)
    sink.client = httpx.Client(transport=httpx.MockTransport(handler))
    return sink


def test_retries_until_success_within_the_deadline() -> None:
    """Two 503s then a 200: three attempts, one delivery."""
    answers = iter([503, 503, 200])
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(next(answers))

    sink = sink_with(handler)
    sink.stop = threading.Event()
    delivery = sink.push(SNAPSHOT, deadline=30)
    assert (delivery.status, delivery.attempts) == (200, 3)
    assert {c.headers["idempotency-key"] for c in calls} == {"snap-1"}
    assert [c.read() for c in calls] == [b"[]"] * 3  # every attempt carries the whole body
    assert calls[0].headers["content-length"] == "2" and "transfer-encoding" not in calls[0].headers


def test_stops_at_the_deadline_with_the_last_error() -> None:
    """When retries would pass the deadline, the last retriable error is raised (the snapshot waits)."""
    sink = sink_with(lambda _request: httpx.Response(503))
    with pytest.raises(RetriableSinkError):
        sink.push(SNAPSHOT, deadline=0.5)


def test_retry_after_beyond_the_deadline_is_not_waited_in_this_cycle() -> None:
    """A Retry-After longer than the deadline stops now and holds the next push until it passes."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "120"})

    sink = sink_with(handler)
    with pytest.raises(RetriableSinkError):
        sink.push(SNAPSHOT, deadline=5)
    with pytest.raises(RetriableSinkError, match="Retry-After"):
        sink.push(SNAPSHOT, deadline=5)
    assert len(calls) == 1


def test_auth_header_name_and_scheme_are_configurable() -> None:
    """x-api-key with the bare token."""
    seen = []
    sink = sink_with(lambda r: seen.append(r) or httpx.Response(200), auth_header="x-api-key", auth_scheme="")
    sink.push(SNAPSHOT, deadline=1)
    assert seen[0].headers["x-api-key"] == "tok"
    assert "authorization" not in seen[0].headers


def test_transport_errors_are_retriable_and_stop_event_interrupts() -> None:
    """A refused connection is retried; setting `stop` ends the retries at once."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 2:
            sink.stop.set()
        raise httpx.ConnectError("refused", request=request)

    sink = sink_with(handler)
    with pytest.raises(RetriableSinkError):
        sink.push(SNAPSHOT, deadline=60)
    assert len(calls) == 2


def test_retry_after_is_capped_at_the_schedule_interval() -> None:
    """A huge Retry-After pauses the pushes for at most `max_pause`: backoff never outlives the next cycle."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429 if len(calls) == 1 else 200, headers={"Retry-After": "99999999"})

    sink = sink_with(handler)
    sink.max_pause = 0.3
    with pytest.raises(RetriableSinkError):
        sink.push(SNAPSHOT, deadline=0.2)
    threading.Event().wait(0.4)
    assert sink.push(SNAPSHOT, deadline=5).status == 200
    assert len(calls) == 2


def test_undecodable_answer_is_a_retriable_failure_not_a_crash() -> None:
    """An answer httpx cannot decode (a broken gzip body) is reported like a network failure."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

    sink = sink_with(handler)
    with pytest.raises(RetriableSinkError, match="falha de rede"):
        sink.send(SNAPSHOT)


def _api(url: str) -> ApiSettings:
    return ApiSettings(url=url, token="t0k3n-de-teste")  # type: ignore[arg-type]


def test_plain_http_api_parses_no_ca_bundle() -> None:
    """An http:// API gets a TLS context without a single CA (nothing to parse; any TLS would fail closed)."""
    context = tls_verification(_api("http://api.local"), environ={})
    assert isinstance(context, ssl.SSLContext)
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_https_api_or_https_proxy_keeps_the_default_verification() -> None:
    """An https:// API, or an http:// one behind an https:// proxy, keeps the usual CA verification."""
    assert tls_verification(_api("https://api.hoteleitos.com.br"), environ={}) is True
    assert tls_verification(_api("http://api.local"), environ={"HTTP_PROXY": "https://proxy:3128"}) is True
    assert isinstance(tls_verification(_api("http://api.local"), environ={"HTTP_PROXY": "http://proxy:3128"}),
                      ssl.SSLContext)  # fmt: skip
