"""What the push makes of odd answers: Retry-After that would shorten the backoff, HTML pages from whatever sits
between us and the API, answers that echo the token, bombs of compressed bytes."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest
from tenacity import RetryCallState

from connector.delivery.http_exchange import MAX_BODY, Undecodable, decode
from connector.delivery.sink import ApiSink, _wait_backoff_or_retry_after, classify
from connector.delivery.snapshot import Snapshot
from connector.errors import InterceptedSinkError, RejectedSnapshotError, RetriableSinkError
from connector.settings import ApiSettings

SNAPSHOT = Snapshot(id="snap-1", captured_at="2026-11-26T10:00:00-03:00", count=0, parts=(b"[", b"]"))
TOKEN = "tok-segredo-123/+="


def sink_with(handler, **api: object) -> ApiSink:  # type: ignore[no-untyped-def]
    settings = ApiSettings.model_validate({"url": "https://api.test", "token": TOKEN, **api})
    sink = ApiSink(settings)
    sink.client = httpx.Client(transport=httpx.MockTransport(handler))
    return sink


def waits_after(retry_after: float | None, attempts: int) -> float:
    """The pause tenacity would take after `attempts` failed attempts that asked for `retry_after`."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempts
    state.set_exception((RetriableSinkError, RetriableSinkError("x", retry_after=retry_after), None))
    return _wait_backoff_or_retry_after(state)


@pytest.mark.parametrize("retry_after", [0.0, 0.001, None])
def test_retry_after_zero_never_shortens_the_exponential_backoff(retry_after: float | None) -> None:
    """`Retry-After: 0` (or a date in the past, which parses to 0) waits as long as no Retry-After would."""
    for attempts in (1, 3, 5):
        assert waits_after(retry_after, attempts) >= 2 ** (attempts - 1)


def test_retry_after_lengthens_the_backoff() -> None:
    """A Retry-After longer than the backoff is honoured."""
    assert waits_after(25, 1) >= 25


def test_retry_after_zero_does_not_flood_the_api() -> None:
    """A 503 with Retry-After: 0 for three seconds of deadline: a handful of attempts, not dozens."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, headers={"Retry-After": "0"})

    with pytest.raises(RetriableSinkError):
        sink_with(handler).push(SNAPSHOT, deadline=3)
    assert 1 <= len(calls) <= 3


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=iso-8859-1", "application/xhtml+xml"])
def test_a_2xx_in_html_is_not_a_delivery(content_type: str) -> None:
    """A captive portal's or a proxy's page: the census stays, and the message says who answered."""
    answer = httpx.Response(200, headers={"Content-Type": content_type}, text="<html>Login Wi-Fi</html>")
    with pytest.raises(InterceptedSinkError, match="algo entre o conector e a API"):
        classify(answer)


def test_an_html_2xx_stops_the_round_without_a_retry_storm() -> None:
    """One attempt per cycle: retrying at once would hand the census to the same intermediary again."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, text="<html>portal</html>")

    with pytest.raises(InterceptedSinkError):
        sink_with(handler).push(SNAPSHOT, deadline=30)
    assert len(calls) == 1


def test_json_and_empty_2xx_are_deliveries() -> None:
    """The API's own 2xx answers (JSON, or nothing) are deliveries."""
    classify(httpx.Response(200, headers={"Content-Type": "application/json"}, text="{}"))
    classify(httpx.Response(204))


def test_an_answer_that_echoes_the_token_is_kept_redacted() -> None:
    """A 400 quoting the request's headers: the stored body has no token, plain or percent-encoded."""
    echoed = f'{{"headers":{{"authorization":"Bearer {TOKEN}"}},"q":"tok-segredo-123%2F%2B%3D"}}'
    sink = sink_with(lambda _r: httpx.Response(400, text=echoed))
    with pytest.raises(RejectedSnapshotError) as caught:
        sink.send(SNAPSHOT)
    body = caught.value.body or ""
    assert TOKEN not in body and "tok-segredo-123%2F" not in body
    assert "Bearer ***" in body


def test_a_gzip_bomb_is_never_decompressed_beyond_the_cap() -> None:
    """100 MB of zeros in 100 KB of gzip: at most MAX_BODY bytes come out."""
    bomb = gzip.compress(b"0" * (100 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200 * 1024
    text = decode(bomb[:MAX_BODY], "gzip", None)
    assert len(text) <= MAX_BODY


def test_deflate_with_and_without_its_header_and_broken_gzip() -> None:
    """Both deflate forms decode; a broken gzip body is an `Undecodable`, not a crash."""
    assert decode(zlib.compress(b"ok"), "deflate", None) == "ok"
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decode(raw.compress(b"ok") + raw.flush(), "deflate", None) == "ok"
    with pytest.raises(Undecodable):
        decode(b"not gzip", "gzip", None)
    assert "não lida" in decode(b"\x00\x01", "br", None)
    assert decode("ação".encode("latin-1"), "", "latin-1") == "ação"
    assert decode(b"ok", "", "no-such-charset") == "ok"
