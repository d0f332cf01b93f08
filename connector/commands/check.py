"""`check`: is it working? One verdict per item: configuration, state folder, read permissions (the tables and
columns the vendor's query needs, from the database's catalog), database and census query, API."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import httpx

from adapters import adapter_for
from adapters.base import Adapter
from connector.delivery.http_exchange import Interrupted, Undecodable
from connector.delivery.refusals import is_html_page
from connector.delivery.sink import HTML_TYPES, ApiSink
from connector.errors import SourceError
from connector.ops.unexpected import unexpected
from connector.settings import Settings
from connector.settings.exposure import api_warnings
from connector.settings.urls import safe_url, source_url
from connector.source.catalog import Access, Gap, access
from connector.source.engine import engine_for, oracle_name_used
from connector.source.grants import grant_statements, qualified

CHECK_ROWS = 20
_NO_CONNECTION = {"auth", "unreachable", "unknown_database", "unknown_service", "connection_lost"}


@dataclass(frozen=True)
class Verdict:
    item: str
    ok: bool | None  # None: could not be verified
    text: str

    def line(self) -> str:
        mark = {True: "OK   ", False: "FALHA", None: "AVISO"}[self.ok]
        return f"[{mark}] {self.item}: {self.text}"


def check_database(settings: Settings) -> Verdict:
    source = settings.source
    assert source.url is not None
    url = source_url(source.url.get_secret_value())
    engine = engine_for(source, settings.timezone)
    adapter = adapter_for(source)
    try:
        today = datetime.now(settings.tz).date()
        reading = adapter.read(engine, today, limit=CHECK_ROWS, tz=settings.tz)
    except SourceError as error:
        return Verdict("Banco e consulta do censo", False, error.message)
    finally:
        engine.dispose()
    name_kind = oracle_name_used(engine)
    return Verdict(
        "Banco e consulta do censo",
        True,
        f"{safe_url(url)}: consulta do {source.vendor} executada em {reading.duration * 1000:.0f} ms, "
        f"{reading.census.rows_read} linha(s) lidas (limite {CHECK_ROWS}), 15 colunas canônicas presentes"
        f"{_layout_note(adapter)}." + (f" O listener Oracle aceitou DB_NAME como {name_kind}." if name_kind else ""),
    )


def check_probe(settings: Settings) -> Verdict | None:
    """With the change probe on: run it once, as `run` will (None when it is off: nothing to say)."""
    if settings.change_probe is None:
        return None
    item = "Sonda de mudança"
    engine = engine_for(settings.source, settings.timezone)
    adapter = adapter_for(settings.source)
    origin = settings.source.probe_file or f"adapters/{adapter.name}/probe.sql"
    try:
        reading = adapter.probe(engine)
    except SourceError as error:
        return Verdict(
            item, False, f"{origin}: {error.message} Sem ela, o censo é lido na agenda ({settings.schedule})."
        )
    finally:
        engine.dispose()
    return Verdict(
        item,
        True,
        f"{origin} executada em {reading.duration * 1000:.0f} ms, {reading.rows} linha(s) resumidas; a cada "
        f"{settings.change_probe}, e o censo inteiro quando ela muda e pelo menos a cada {settings.full_read_every}.",
    )


def check_access(settings: Settings) -> Verdict:
    """Every table and column the vendor's query reads, asked of the catalog: readable by the configured user?"""
    item = "Permissões de leitura"
    adapter = adapter_for(settings.source)
    probing = settings.change_probe is not None
    needs = adapter.needed(probe=probing)
    if not needs:
        origin = "do arquivo HOTELEITOS_SOURCE_QUERY_FILE" if settings.source.query_file else "do hospital"
        return Verdict(item, None, f"não verificadas coluna a coluna: a consulta vem {origin}; o item seguinte a roda.")
    engine = engine_for(settings.source, settings.timezone)
    try:
        layout = adapter.discover(engine)  # the schema the catalog shows holding the tables, optional columns
        found = access(engine, _unquoted(layout.schema), adapter.needed(probe=probing))
    except SourceError as error:
        if error.kind in _NO_CONNECTION:  # the next item says it, with the fix
            return Verdict(item, None, "não verificadas: o banco não respondeu (veja o item seguinte).")
        return Verdict(item, None, f"não verificadas: {error.message}")
    finally:
        engine.dispose()
    who = f"'{found.user}'" if found.user else "o conector"
    if not found.gaps and found.schema_usable:
        return Verdict(
            item,
            True,
            f"{who} lê as {found.tables} tabela(s) e {found.columns} coluna(s) que a consulta do {adapter.name} usa.",
        )
    problems = "; ".join(_gap_text(found, gap) for gap in found.gaps) or f"sem USAGE no schema {found.schema}"
    text = f"{who} não lê tudo o que a consulta do {adapter.name} usa: {problems}."
    if any(gap.kind == "absent" for gap in found.gaps):
        text += (
            f" Confira o schema (HOTELEITOS_SOURCE_SCHEMA, agora {found.schema or 'nenhum'}); se a versão do sistema "
            f"for outra, ajuste a consulta (HOTELEITOS_SOURCE_QUERY_FILE; veja {adapter.guide})."
        )
    statements = grant_statements(found)
    if statements:
        text += " Peça ao DBA:\n" + "\n".join(f"        {statement}" for statement in statements)
    return Verdict(item, False, text)


def _unquoted(schema: str | None) -> str | None:
    """`"PACIENTE"` as SQL spells it -> `PACIENTE` as the catalog does."""
    return schema[1:-1].replace('""', '"') if schema and schema.startswith('"') else schema


def _gap_text(found: Access, gap: Gap) -> str:
    target = qualified(found.backend, found.schema, gap.table)
    columns = "" if gap.whole_table else f" (colunas {', '.join(gap.columns)})"
    return {
        "grant": f"sem SELECT em {target}{columns}",
        "hidden": f"{target}{columns} inexistente ou sem permissão",
        "absent": f"{target}{columns} não existe",
    }[gap.kind]


def _layout_note(adapter: Adapter) -> str:
    """What the catalog showed: the schema used and how it was chosen, the optional columns found."""
    layout = adapter.layout
    if layout is None:
        return ""
    note = f"; schema {layout.schema} ({layout.found})" if layout.schema else ""
    found = [name for name, present in layout.columns.items() if present]
    missing = [name for name, present in layout.columns.items() if not present]
    if found:
        note += f"; colunas opcionais presentes: {', '.join(found)}"
    if missing:
        note += f"; ausentes (usada a alternativa): {', '.join(missing)}"
    return note


def check_api(settings: Settings) -> Verdict:
    """An authenticated GET on the push path: it changes nothing, and 401/403 tell a wrong token."""
    sink = ApiSink(settings.api)
    item = "API HOTELEITOS"
    try:
        started = time.perf_counter()
        response = sink.exchange("GET")
        latency = (time.perf_counter() - started) * 1000
    except (httpx.HTTPError, Interrupted, Undecodable) as error:
        return Verdict(
            item,
            False,
            f"{sink.url} inacessível ({type(error).__name__}); confira a URL, o DNS, "
            "o proxy (HTTPS_PROXY) e o firewall. Se for erro de certificado, HOTELEITOS_API_CA_BUNDLE.",
        )
    finally:
        sink.close()
    status = response.status
    if 200 <= status < 300 and (response.media_type in HTML_TYPES or is_html_page(response.body)):
        return Verdict(
            item,
            False,
            f"{sink.url} respondeu HTTP {status} com uma página HTML: não foi a API HOTELEITOS, algo entre o "
            "conector e a API respondeu (portal de rede, proxy ou firewall). O token não foi verificado; confira "
            "HOTELEITOS_API_URL e o proxy (HTTPS_PROXY) com a equipe de rede.",
        )
    if status in (401, 403):
        return Verdict(
            item,
            False,
            f"{sink.url} respondeu HTTP {status}: o token foi recusado; confira HOTELEITOS_API_TOKEN (ou API_TOKEN).",
        )
    if 200 <= status < 300:
        return Verdict(item, True, f"{sink.url} respondeu HTTP {status} em {latency:.0f} ms; token aceito.")
    if 300 <= status < 400:
        return Verdict(
            item,
            False,
            f"{sink.url} redirecionou (HTTP {status}) para {response.headers.get('Location', '?')}; o envio não segue "
            "redirecionamentos: ajuste HOTELEITOS_API_URL/HOTELEITOS_API_PATH para o endereço final.",
        )
    return Verdict(
        item,
        None,
        f"{sink.url} acessível (HTTP {status} em {latency:.0f} ms; TLS e rede OK), mas a "
        "API não confirma o token sem um envio: ele será verificado no primeiro censo enviado.",
    )


def check_state(settings: Settings) -> Verdict:
    folder = settings.state_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Verdict(
            "Pasta de estado",
            False,
            f"{folder} sem permissão de escrita ({error.strerror}); "
            "ajuste HOTELEITOS_STATE_DIR ou as permissões do volume.",
        )
    return Verdict("Pasta de estado", True, f"{folder} gravável (fila de envio e estado).")


def run_checks(settings: Settings) -> int:
    """Print one verdict per item; 0 when nothing failed."""
    adapter = adapter_for(settings.source)
    query = settings.source.query_file or f"adapters/{adapter.name}/census.sql"
    probe = settings.change_probe
    paced = (
        f", sonda de mudança a cada {probe} (censo inteiro ao menos a cada {settings.full_read_every})" if probe else ""
    )
    verdicts = [
        Verdict(
            "Configuração",
            True,
            f"fornecedor {adapter.name} — {adapter.title} (consulta {query}), agenda {settings.schedule}{paced}.",
        )
    ]
    verdicts += [Verdict("Segurança do envio", None, warning) for warning in api_warnings(settings.api)]
    for verdict in verdicts:
        print(verdict.line(), flush=True)
    for check in (check_state, check_access, check_database, check_probe, check_api):
        try:
            found = check(settings)
        except Exception as error:  # noqa: BLE001 - a defect is one failed item, never a traceback
            found = Verdict(_ITEMS.get(check, check.__name__), False, unexpected(error))
        if found is None:
            continue
        verdicts.append(found)
        print(found.line(), flush=True)
    failed = [v for v in verdicts if v.ok is False]
    print("Resultado: " + ("tudo certo." if not failed else f"{len(failed)} item(ns) com falha."))
    return 1 if failed else 0


_ITEMS = {
    check_state: "Pasta de estado",
    check_access: "Permissões de leitura",
    check_database: "Banco e consulta do censo",
    check_probe: "Sonda de mudança",
    check_api: "API HOTELEITOS",
}
