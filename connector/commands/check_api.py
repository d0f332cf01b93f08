"""`check`'s API item: is the API reachable, and does it take this token?

Nothing is sent that changes anything: a GET on the push path with the token. A 2xx there proves the token only if
the API looks at it, so the same GET goes once more without the token: refused without it and answered with it, the
token was verified; answered both ways, the verdict says "não verificado" (the first census sent verifies it). The
agent notes in the state folder when the API refuses its token (`TOKEN_REFUSAL`): `check` says so, with when.
"""

from __future__ import annotations

import time

import httpx

from connector import clock
from connector.commands.verdict import Verdict
from connector.delivery.courier import TOKEN_REFUSAL, token_fingerprint
from connector.delivery.http_exchange import Answer, Interrupted, Undecodable
from connector.delivery.outbox import peek_state
from connector.delivery.refusals import is_html_page
from connector.delivery.sink import HTML_TYPES, ApiSink
from connector.settings import Settings

ITEM = "API HOTELEITOS"


def check_api(settings: Settings) -> Verdict:
    """The live answer to the token, then what the agent saw of it."""
    sink = ApiSink(settings.api)
    try:
        started = time.perf_counter()
        answer = sink.exchange("GET")
        latency = (time.perf_counter() - started) * 1000
        anonymous = sink.exchange("GET", token=False) if _plain_success(answer) else None
    except (httpx.HTTPError, Interrupted, Undecodable) as error:
        return Verdict(
            ITEM,
            False,
            f"{sink.url} inacessível ({type(error).__name__}); confira a URL, o DNS, "
            "o proxy (HTTPS_PROXY) e o firewall. Se for erro de certificado, HOTELEITOS_API_CA_BUNDLE.",
        )
    finally:
        sink.close()
    return _with_refusal(_live(sink.url, answer, anonymous, latency), settings)


def _plain_success(answer: Answer) -> bool:
    return 200 <= answer.status < 300 and not _html(answer)


def _html(answer: Answer) -> bool:
    """A web page, not the API: told by its type or by its body (a captive portal may call it anything)."""
    return answer.media_type in HTML_TYPES or is_html_page(answer.body)


def _live(url: str, answer: Answer, anonymous: Answer | None, latency: float) -> Verdict:
    status = answer.status
    if 200 <= status < 300 and _html(answer):
        return Verdict(
            ITEM,
            False,
            f"{url} respondeu HTTP {status} com uma página HTML: não foi a API HOTELEITOS, algo entre o "
            "conector e a API respondeu (portal de rede, proxy ou firewall). O token não foi verificado; confira "
            "HOTELEITOS_API_URL e o proxy (HTTPS_PROXY) com a equipe de rede.",
        )
    if status in (401, 403):
        return Verdict(
            ITEM,
            False,
            f"{url} respondeu HTTP {status}: o token foi recusado; confira HOTELEITOS_API_TOKEN (ou API_TOKEN).",
        )
    if anonymous is not None and anonymous.status in (401, 403):
        return Verdict(
            ITEM,
            True,
            f"{url} respondeu HTTP {status} em {latency:.0f} ms com o token e HTTP {anonymous.status} sem ele: "
            "token aceito.",
        )
    if anonymous is not None:
        return Verdict(
            ITEM,
            None,
            f"{url} acessível (HTTP {status} em {latency:.0f} ms; TLS e rede OK), mas responde HTTP "
            f"{anonymous.status} também sem o token: token não verificado. Ele é verificado no primeiro censo "
            "enviado (um token recusado aparece nos logs, em `hoteleitos-connector outbox`, em /readyz e aqui).",
        )
    if 300 <= status < 400:
        return Verdict(
            ITEM,
            False,
            f"{url} redirecionou (HTTP {status}) para {answer.headers.get('Location', '?')}; o envio não segue "
            "redirecionamentos: ajuste HOTELEITOS_API_URL/HOTELEITOS_API_PATH para o endereço final.",
        )
    return Verdict(
        ITEM,
        None,
        f"{url} acessível (HTTP {status} em {latency:.0f} ms; TLS e rede OK), mas a API não confirma o token sem "
        "um envio: token não verificado. Ele é verificado no primeiro censo enviado.",
    )


def last_refusal(settings: Settings) -> tuple[float, str, bool] | None:
    """When the API last refused the agent's token, with what status, and whether it was this same token; None
    when it has not since the last delivery (or there is no readable outbox). Read only: `check` changes nothing
    in the state folder."""
    state = peek_state(settings.state_dir, TOKEN_REFUSAL)
    if not state:
        return None
    at, status, fingerprint = (state.get(key) for key in TOKEN_REFUSAL)
    if at is None:
        return None
    return float(at), status or "?", fingerprint == token_fingerprint(settings)


def _with_refusal(live: Verdict, settings: Settings) -> Verdict:
    refusal = last_refusal(settings)
    if refusal is None:
        return live
    at, status, same = refusal
    when = clock.stamp(at, settings.tz)
    if not same:
        return Verdict(
            live.item,
            live.ok,
            f"{live.text} Antes, a API recusou outro token (HTTP {status}, em {when}): se o agente ainda roda com "
            "ele, recrie o container para que use este (docker compose up -d --force-recreate).",
        )
    if live.ok:
        return Verdict(
            live.item,
            True,
            f"{live.text} A API tinha recusado este mesmo token ao receber um censo (HTTP {status}, em {when}); "
            "o agente tenta de novo ao fim da pausa (HOTELEITOS_API_AUTH_RETRY_INTERVAL).",
        )
    return Verdict(
        live.item,
        False,
        f"a API recusou este token (HTTP {status}) ao receber um censo do agente, em {when}; os censos esperam na "
        f"fila. Confira HOTELEITOS_API_TOKEN (ou API_TOKEN) com a HOTELEITOS. Teste agora: {live.text}",
    )
