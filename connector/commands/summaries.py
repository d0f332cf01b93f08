"""Operator-facing summaries, in Portuguese, of a cycle and of the effective configuration."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from adapters import adapter_for, registry
from connector.ops.cycle_report import CycleReport
from connector.ops.telemetry import recovery_message
from connector.settings import Settings
from connector.settings.exposure import api_warnings
from connector.settings.loader import Layers, flatten
from connector.settings.oracle import describe
from connector.settings.urls import oracle_name_kind, safe_url


def describe_cycle(report: CycleReport) -> str:
    """A few lines: what was read, what went out, what is still waiting and why."""
    lines = []
    if report.patients is not None and report.cycle_id != "release":
        lines.append(
            f"Ciclo {report.cycle_id}: {report.patients} pacientes no censo "
            f"({report.rows} linhas lidas em {report.extract_seconds * 1000:.0f} ms)."
        )
    elif report.patients is None:
        lines.append(f"Ciclo {report.cycle_id}: o censo não foi lido; nenhum censo novo foi gerado.")
    if report.guard_note:
        lines.append(f"Censo RETIDO pela proteção contra altas em massa: {report.guard_note}")
    elif report.decision is not None and report.decision.confirmed:
        lines.append(
            f"Censo confirmado pela proteção contra altas em massa ({report.decision.confirmations} ciclos seguidos "
            "com o mesmo tamanho): enviado; os retidos mais antigos foram descartados."
        )
    for delivered in report.delivered:
        lines.append(
            f"Entregue: censo {delivered.snapshot_id} ({delivered.count} pacientes), HTTP {delivered.status}, "
            f"{delivered.latency * 1000:.0f} ms, {delivered.attempts} tentativa(s)."
        )
    for refused in report.rejected:
        lines.append(
            f"A API recusou este censo (HTTP {refused.status}): {refused.snapshot_id}. Ele foi separado e os "
            "próximos seguem; detalhes em `hoteleitos-connector outbox`."
        )
    lines.extend(f"Atenção: {recovery_message(recovery)}" for recovery in report.recoveries)
    lines.extend(
        f"Censo {snapshot_id} danificado no disco: posto em quarentena (não é enviado)."
        for snapshot_id in report.round.quarantined
    )
    lines.extend(f"Erro: {message}" for message in dict.fromkeys(report.errors))
    depth = report.depth
    lines.append(
        f"Na fila: {depth.get('pending', 0)} pendente(s), {depth.get('held', 0)} retido(s), "
        f"{depth.get('dead', 0)} rejeitado(s)"
        + (f", {depth['quarantined']} em quarentena." if depth.get("quarantined") else ".")
    )
    return "\n".join(lines)


def _shown(path: tuple[str, ...], value: Any) -> str:
    if isinstance(value, SecretStr):
        if path == ("source", "url"):
            return safe_url(value.get_secret_value())
        return "***"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "(vazio)"
    return "(vazio)" if value is None else str(value)


def describe_config(settings: Settings, layers: Layers) -> str:
    """Every setting, its effective value (secrets masked) and where it came from; the configured vendor's own
    options with theirs; and the vendors this installation knows."""
    values = settings.model_dump(by_alias=True)
    for key in settings.source.options:  # shown below, validated, with the vendor's defaults
        values["source"].pop(key, None)
    values["schedule"] = str(settings.schedule)
    adapter = adapter_for(settings.source)
    lines = ["Configuração efetiva (valor — origem):"]
    for path, value in flatten(values):
        if path in (("api", "token_file"), ("source", "url_file")) and value is None:
            continue
        original = _attribute(settings, path)
        lines.append(f"  {'.'.join(path)} = {_shown(path, original)} — {layers.origin(path)}")
    own = adapter.options.model_dump()
    if own:
        lines.append(f"Opções do fornecedor {adapter.name} — {adapter.title}:")
        for key, value in own.items():
            lines.append(f"  source.{key} = {_shown(('source', key), value)} — {layers.origin(('source', key))}")
    query = adapter.origin()
    lines.append(f"Consulta do censo: {query} (guia: {adapter.guide}).")
    if settings.change_probe is not None:
        probe = adapter.origin("probe")
        lines.append(f"Sonda de mudança: {probe} a cada {settings.change_probe}; censo inteiro quando ela muda e pelo "
                     f"menos a cada {settings.full_read_every} (docs/operacao.md).")  # fmt: skip
    oracle = oracle_name_kind(settings.source.url.get_secret_value()) if settings.source.url else None
    lines += [f"Oracle: {oracle}", f"Driver Oracle: {describe(settings.oracle)}"] if oracle else []
    lines += [f"Atenção: {warning}" for warning in (*api_warnings(settings.api), *layers.warnings)]
    known = "; ".join(f"{name} — {other.title}" for name, other in registry().items())
    lines.append(f"Fornecedores disponíveis (HOTELEITOS_SOURCE_VENDOR): {known}.")
    return "\n".join(lines)


def _attribute(settings: Settings, path: tuple[str, ...]) -> Any:
    node: Any = settings
    for key in path:
        node = getattr(node, "db_schema" if key == "schema" else key)
    return node
