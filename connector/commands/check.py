"""`check`: is it working? One verdict per item: configuration, state folder, read permissions (the tables and
columns the vendor's query needs, from the database's catalog), database and census query, API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from adapters.base import Adapter
from connector.commands.check_api import check_api
from connector.commands.check_source import SourceSession, no_session, session_of
from connector.commands.pacing import Budget
from connector.commands.verdict import Verdict
from connector.errors import SourceError
from connector.ops.unexpected import unexpected
from connector.settings import Settings
from connector.settings.exposure import api_warnings
from connector.settings.oracle import describe
from connector.settings.urls import safe_url, source_url
from connector.source.catalog import Access, Gap, access
from connector.source.engine import oracle_name_used, oracle_status
from connector.source.grants import grant_statements, qualified
from connector.source.oracle_connect import OracleStatus

CHECK_ROWS = 20


def check_database(settings: Settings, shared: SourceSession | None = None) -> list[Verdict]:
    """The census query, with a row limit; on Oracle, the driver's mode in use and the password's expiry too. A
    session refused to an earlier item is said here, with the fix, without a second login."""
    source = settings.source
    assert source.url is not None
    url = source_url(source.url.get_secret_value())
    today = datetime.now(settings.tz).date()
    with session_of(settings, shared) as session:
        adapter = session.adapter
        try:
            engine = session.engine()  # SourceError: an earlier refusal, or thick mode's Oracle Client did not load
            reading = adapter.read(engine, today, limit=CHECK_ROWS, tz=settings.tz)
        except SourceError as error:
            return [Verdict("Banco e consulta do censo", False, session.failed(error).message)]
    name_kind = oracle_name_used(engine)
    oracle = oracle_status(engine, today)
    verdict = Verdict(
        "Banco e consulta do censo",
        True,
        f"{safe_url(url)}: consulta do {source.vendor} executada em {reading.duration * 1000:.0f} ms, "
        f"{reading.census.rows_read} linha(s) lidas (limite {CHECK_ROWS}), 15 colunas canônicas presentes"
        f"{_layout_note(adapter)}."
        + (f" O listener Oracle aceitou DB_NAME como {name_kind}." if name_kind else "")
        + (f" Driver Oracle em modo {oracle.mode_text()}." if oracle else ""),
    )
    return [verdict, *_password(oracle)]


def _password(oracle: OracleStatus | None) -> list[Verdict]:
    """The Oracle account's password: a warning within 14 days of its expiry."""
    if oracle is None:
        return []
    item = "Senha do usuário Oracle"
    if oracle.password_warning:
        return [Verdict(item, None, oracle.password_warning)]
    return [Verdict(item, True, "não expira nos próximos 14 dias (USER_USERS.EXPIRY_DATE).")]


def check_probe(settings: Settings, shared: SourceSession | None = None) -> Verdict | None:
    """With the change probe on: run it once, as `run` will (None when it is off: nothing to say)."""
    if settings.change_probe is None:
        return None
    item = "Sonda de mudança"
    with session_of(settings, shared) as session:
        origin = session.adapter.origin("probe")
        unseen = _unseen(settings, session.adapter)
        if session.refused is not None:
            return Verdict(item, None, f"{origin}: não verificada, sem sessão com o banco (veja o item acima).{unseen}")
        try:
            reading = session.adapter.probe(session.engine(), datetime.now(settings.tz).date())
        except SourceError as error:
            return Verdict(
                item,
                False,
                f"{origin}: {session.failed(error).message} Sem ela, o censo é lido na agenda ({settings.schedule}).",
            )
    return Verdict(
        item,
        True,
        f"{origin} executada em {reading.duration * 1000:.0f} ms, {reading.rows} linha(s) resumidas; a cada "
        f"{settings.change_probe}, e o censo inteiro quando ela muda e pelo menos a cada {settings.full_read_every}."
        f"{unseen}",
    )


def _unseen(settings: Settings, adapter: Adapter) -> str:
    """The line under the probe's item: what it cannot see, and when that arrives (the next full read)."""
    spots = () if settings.source.probe_file is not None else adapter.probe_blind_spots
    what = f"A sonda não vê {'; '.join(spots)}: isso" if spots else "O que a sonda não vê"
    return (
        f"\n        {what} chega na próxima leitura completa, no máximo {settings.full_read_every} depois "
        "(HOTELEITOS_FULL_READ_EVERY)."
    )


def check_access(settings: Settings, shared: SourceSession | None = None) -> Verdict:
    """Every table and column the vendor's query reads, asked of the catalog: readable by the configured user?"""
    item = "Permissões de leitura"
    probing = settings.change_probe is not None
    with session_of(settings, shared) as session:
        adapter = session.adapter
        if not adapter.needed(probe=probing):
            origin = "do arquivo HOTELEITOS_SOURCE_QUERY_FILE" if settings.source.query_file else "do hospital"
            return Verdict(
                item, None, f"não verificadas coluna a coluna: a consulta vem {origin}; o item seguinte a roda."
            )
        try:
            engine = session.engine()
            layout = adapter.discover(engine)  # the schema the catalog shows holding the tables, optional columns
            found = access(engine, unquoted(layout.schema), adapter.needed(probe=probing))
        except SourceError as error:
            return _unverified(item, session.failed(error))
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


def _unverified(item: str, error: SourceError) -> Verdict:
    """Permissions not verified: a session that did not open is said by the next item, with the fix; and the network
    is blamed only when the server did not answer at all."""
    if error.kind == "unreachable":
        return Verdict(item, None, "não verificadas: o banco não respondeu (veja o item seguinte).")
    if error.kind == "client_missing":
        return Verdict(item, None, "não verificadas: falta o cliente do banco neste servidor (veja o item seguinte).")
    if no_session(error):
        return Verdict(item, None, "não verificadas: o banco recusou a sessão (veja o item seguinte).")
    return Verdict(item, None, f"não verificadas: {error.message}")


def unquoted(schema: str | None) -> str | None:
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
    """Print one verdict per item; 0 when nothing failed. The items on the database share one engine: one login
    per `check`, whatever the database answers."""
    with SourceSession(settings) as session:
        verdicts = _configuration(settings, session.adapter)
        for verdict in verdicts:
            print(verdict.line(), flush=True)
        items: list[tuple[str, Callable[[], Verdict | list[Verdict] | None]]] = [
            ("Pasta de estado", lambda: check_state(settings)),
            ("Permissões de leitura", lambda: check_access(settings, session)),
            ("Banco e consulta do censo", lambda: check_database(settings, session)),
            ("Sonda de mudança", lambda: check_probe(settings, session)),
            ("API HOTELEITOS", lambda: check_api(settings)),
        ]
        for item, check in items:
            try:
                found = check()
            except Exception as error:  # noqa: BLE001 - a defect is one failed item, never a traceback
                found = Verdict(item, False, unexpected(error))
            for verdict in found if isinstance(found, list) else [] if found is None else [found]:
                verdicts.append(verdict)
                print(verdict.line(), flush=True)
    failed = [v for v in verdicts if v.ok is False]
    print("Resultado: " + ("tudo certo." if not failed else f"{len(failed)} item(ns) com falha."))
    return 1 if failed else 0


def _configuration(settings: Settings, adapter: Adapter) -> list[Verdict]:
    """The items read from the configuration alone: the vendor and its query, the schedule, the Oracle driver, how
    the census travels."""
    probe = settings.change_probe
    budget = Budget.of(settings.schedule).per_hour
    paced = (
        f", sonda de mudança a cada {probe} (censo inteiro ao menos a cada {settings.full_read_every} e no máximo "
        f"{budget} vezes por hora, o orçamento da agenda)"
        if probe
        else ""
    )
    verdicts = [
        Verdict(
            "Configuração",
            True,
            f"fornecedor {adapter.name} — {adapter.title} (consulta {adapter.origin()}), agenda "
            f"{settings.schedule}{paced}.",
        )
    ]
    if source_url(settings.source.url.get_secret_value()).get_backend_name() == "oracle":  # type: ignore[union-attr]
        verdicts.append(Verdict("Driver Oracle", True, describe(settings.oracle)))
    return verdicts + [Verdict("Segurança do envio", None, warning) for warning in api_warnings(settings.api)]
