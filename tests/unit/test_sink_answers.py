"""What the push makes of odd answers: Retry-After that would shorten the backoff, HTML pages from whatever sits
between us and the API, answers that echo the token, bombs of compressed bytes."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest
from tenacity import RetryCallState

from connector.delivery.http_exchange import MAX_BODY, Answer, Undecodable, decode
from connector.delivery.sink import ApiSink, _wait_backoff_or_retry_after, classify, retry_after_seconds
from connector.delivery.snapshot import Snapshot
from connector.errors import InterceptedSinkError, RejectedSnapshotError, RetriableSinkError
from connector.settings import ApiSettings

SNAPSHOT = Snapshot.of("snap-1", "2026-11-26T10:00:00-03:00", 0, b"[]")
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


@pytest.mark.parametrize("value", ["²", "١٢", "3²", "½", "1e3", "-5"])
def test_a_retry_after_that_is_not_ascii_digits_is_ignored_not_a_crash(value: str) -> None:
    """`Retry-After: ²` is a digit to Python's `isdigit` and not a number to `float`: it is ignored, and the 503
    is an ordinary retriable failure (it used to crash every cycle)."""
    assert retry_after_seconds(value) is None
    sink = sink_with(lambda _r: httpx.Response(503, headers={"Retry-After": value.encode()}))
    with pytest.raises(RetriableSinkError, match="HTTP 503"):
        sink.push(SNAPSHOT, deadline=0.5)


def test_a_huge_retry_after_is_a_day_at_most() -> None:
    """Four hundred nines parse to infinity: capped (the sink then caps it at the schedule)."""
    assert retry_after_seconds("9" * 400) == 86400.0


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json", "application/octet-stream"])
@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html><html><body>Login Wi-Fi</body></html>",
        "\ufeff\n  <html lang='pt-br'><head><title>Bloqueado</title></head></html>",
        "<?xml version='1.0'?>\n<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN'><html></html>",
        "<!-- proxy --><HTML><BODY>Acesso negado</BODY></HTML>",
    ],
)
def test_a_2xx_html_page_is_not_a_delivery_whatever_its_content_type(content_type: str | None, page: str) -> None:
    """A portal's page labelled text/plain, JSON, or not labelled at all: judged by its body, not a delivery."""
    headers = {"Content-Type": content_type} if content_type else {}
    answer = Answer(200, httpx.Headers(headers), page)
    with pytest.raises(InterceptedSinkError, match="página HTML"):
        classify(answer)


def test_json_that_mentions_html_is_a_delivery() -> None:
    """The API's JSON may quote markup inside a string: only a body that is a page counts as one."""
    classify(Answer(200, httpx.Headers({"Content-Type": "application/json"}), '{"note": "<html> aceito"}'))
    classify(Answer(201, httpx.Headers(), "aceito: <html>"))


def test_compression_taken_up_after_a_413_is_dropped_on_a_415() -> None:
    """An API that took a census compressed after a 413 and later refuses gzip (415): the census goes plain at
    once, not to the rejected queue."""
    seen: list[str | None] = []
    answers = iter([413, 200, 415, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("content-encoding"))
        return httpx.Response(next(answers))

    sink = sink_with(handler)
    assert sink.send(SNAPSHOT).status == 200
    assert sink.send(SNAPSHOT).status == 200
    assert seen == [None, "gzip", "gzip", None]
