"""The status page (`/` on the health port): one server-rendered HTML document, in Portuguese, for a person.

No script, no external file (styles and charts are inline), so it renders offline in any browser on the
hospital's network; a `<meta refresh>` reloads it. Read-only: it has no form and no button. Counts only: the
`StatusView` it is drawn from holds no patient data and no secret (see `connector.ops.status`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from html import escape
from typing import Literal

from connector import clock
from connector.ops import status_charts as charts
from connector.ops.history import Bucket, Delivery
from connector.ops.status_problems import Problem

Health = Literal["ok", "atencao", "falha"]
_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
header{padding:18px 24px;color:#fff}header h1{margin:0;font-size:22px}header p{margin:4px 0 0}
.ok{background:#1e7b4a}.atencao{background:#a86500}.falha{background:#b3261e}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;padding:16px 24px}
section{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px #0002}
section.wide{grid-column:1/-1}h2{font-size:17px;margin:4px 0 10px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}dt{color:#5a6775}dd{margin:0}
code{background:#eef1f4;padding:1px 5px;border-radius:4px}.num{font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:8px 16px}
.chart text{font-size:10px;fill:#5a6775}.axis{stroke:#b8c2cc}.line{fill:none;stroke:#1f5fa8;stroke-width:1.5}
.dot{fill:#1f5fa8}.adm{fill:#1e7b4a}.alta{fill:#1f5fa8}.transf{fill:#a86500}.fail{fill:#b3261e}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.legend .adm{background:#1e7b4a}.legend .alta{background:#1f5fa8}.legend .transf{background:#a86500}
ul.problems{list-style:none;padding:0;margin:0}ul.problems li{border-left:4px solid #a86500;padding:4px 10px;
margin:0 0 10px}ul.problems li.now{border-color:#b3261e}.muted{color:#5a6775}
"""


@dataclass(frozen=True)
class SourceFacts:
    """The HIS database as the page shows it: never its user, password or query string."""

    vendor: str
    kind: str
    host: str
    driver: str
    probe: str


@dataclass(frozen=True)
class LastRead:
    """The last census read: when, how many rows and patients, how long it took."""

    at: float
    rows: int
    patients: int
    seconds: float


@dataclass
class StatusView:
    """Everything the page shows, gathered from what the agent already keeps."""

    now: float
    tz: tzinfo
    health: Health
    headline: str
    reasons: list[str]
    last_delivery: Delivery | None
    window: float
    next_try: float | None
    schedule: str
    depth: dict[str, int]
    held_note: str | None
    source: SourceFacts
    last_read: LastRead | None
    version: str
    origin: str
    started: float
    state_dir: str
    refresh: int
    series: list[Bucket] = field(default_factory=list)
    hourly: list[Bucket] = field(default_factory=list)
    current: list[Problem] = field(default_factory=list)
    recent: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    next_read: float | None = None  # while reads wait after a refused login: when the next one comes


def prose(text: str) -> str:
    """Escaped text whose `commands` become <code>."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escape(text))


def duration(seconds: float) -> str:
    """`38 ms`, `2,4 s`."""
    return f"{round(seconds * 1000)} ms" if seconds < 1 else f"{charts.number(seconds, 1)} s"


def ago(seconds: float) -> str:
    """`há 12 s`, `há 4 min`, `há 2 h 05 min`."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"há {seconds} s"
    if seconds < 3600:
        return f"há {round(seconds / 60)} min"
    return f"há {seconds // 3600} h {seconds % 3600 // 60:02d} min"


def render(view: StatusView) -> str:
    """The whole page."""
    return (
        '<!DOCTYPE html><html lang="pt-BR"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{view.refresh}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Conector HOTELEITOS: {escape(view.headline)}</title><style>{_STYLE}</style></head><body>"
        f'<header class="{view.health}" id="situacao"><h1>{escape(view.headline)}</h1>'
        f"{_cause(view)}<p>{escape(_subline(view))}</p></header><main>"
        f"{_delivery(view)}{_queue(view)}{_problems(view)}{_history(view)}{_source(view)}{_about(view)}"
        "</main></body></html>"
    )


def _cause(view: StatusView) -> str:
    """The first trouble of the last cycle, under the headline, when the page is not green."""
    if view.health == "ok" or not view.current or view.depth.get("held", 0):
        return ""  # a held census: the headline says it, the queue says why
    return f'<p class="cause"><strong>{escape(view.current[0].title)}</strong></p>'


def _subline(view: StatusView) -> str:
    when = clock.hour(view.now, view.tz)
    return f"Situação às {when}; esta página se atualiza a cada {view.refresh} s e não muda nada no conector."


def _items(rows: list[tuple[str, str]]) -> str:
    """A definition list; values are HTML already escaped by the caller."""
    return "<dl>" + "".join(f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in rows) + "</dl>"


def _delivery(view: StatusView) -> str:
    last = view.last_delivery
    if last is None:
        delivered = "nenhum censo entregue ainda (nem antes da última partida)"
    else:
        delivered = (
            f'<span class="num" id="entregues">{charts.number(last.patients)}</span> pacientes às '
            f"{clock.hour(last.at, view.tz)} "
            f"({ago(view.now - last.at)}; resposta da API em {duration(last.latency)})"
        )
    if view.next_try is None:
        upcoming = "não agendado"
    else:
        upcoming = f"às {clock.hour(view.next_try, view.tz)} (em {max(0, round(view.next_try - view.now))} s)"
    rows = [
        ("Último censo entregue", delivered),
        ("Próxima tentativa de entrega", escape(upcoming)),
        ("Agenda", escape(view.schedule)),
        ("Prontidão (/readyz)", "pronto" if not view.reasons else prose("; ".join(view.reasons))),
    ]
    return f'<section id="entrega"><h2>O censo está chegando ao HOTELEITOS?</h2>{_items(rows)}</section>'


def _queue(view: StatusView) -> str:
    depth = view.depth
    held = depth.get("held", 0)
    rows = [
        (
            "Pendentes (aguardando envio)",
            f'<span class="num" id="pendentes">{charts.number(depth.get("pending", 0))}</span>',
        ),
        ("Retidos pela proteção", f'<span class="num" id="retidos">{charts.number(held)}</span>'),
        ("Rejeitados pela API", f'<span class="num" id="rejeitados">{charts.number(depth.get("dead", 0))}</span>'),
    ]
    if depth.get("quarantined", 0):
        rows.append(("Em quarentena (danificados)", f'<span class="num">{charts.number(depth["quarantined"])}</span>'))
    extra = ""
    if held:
        why = prose(view.held_note or "o censo encolheu demais de uma vez.")
        extra = (
            f"<p>Motivo: {why}</p><p>Para enviar o mais novo dos retidos, no servidor do conector: "
            "<code>hoteleitos-connector release</code> (num contêiner: <code>docker exec &lt;contêiner&gt; "
            "hoteleitos-connector release</code>). Antes, confira no sistema hospitalar se o número de internados "
            "está certo.</p>"
        )
    if depth.get("dead", 0):
        extra += (
            "<p>Os rejeitados: <code>hoteleitos-connector outbox</code> lista, <code>outbox show</code> explica.</p>"
        )
    return f'<section id="fila"><h2>Fila de envio</h2>{_items(rows)}{extra}</section>'


def _problem(problem: Problem, view: StatusView, now: bool) -> str:
    seen = f"desde {clock.hour(problem.first, view.tz)}, {problem.count} ciclo(s)"
    if not now:
        seen += f"; último {ago(view.now - problem.last)}"
    command = f"<br>Comando: <code>{escape(problem.command)}</code>" if problem.command else ""
    return (
        f'<li class="{"now" if now else "past"}"><strong>{escape(problem.title)}</strong><br>'
        f"O que fazer: {prose(problem.advice)}{command}<br><span class='muted'>{escape(seen)}</span></li>"
    )


def _problems(view: StatusView) -> str:
    current = "".join(_problem(p, view, now=True) for p in view.current)
    past = "".join(_problem(p, view, now=False) for p in view.recent)
    if not current and not past:
        body = "<p>Nenhum problema desde a partida do conector.</p>"
    else:
        body = (f"<h3>Agora</h3><ul class='problems'>{current}</ul>" if current else "") + (
            f"<h3>Antes</h3><ul class='problems'>{past}</ul>" if past else ""
        )
    notes = "".join(f"<p class='muted'>{escape(note)}</p>" for note in view.notes)
    return f'<section id="problemas" class="wide"><h2>Problemas recentes</h2>{body}{notes}</section>'


def _history(view: StatusView) -> str:
    series, hourly = view.series, view.hourly
    sizes = [b.patients for b in series]
    last_size = next((s for s in reversed(sizes) if s is not None), None)
    latencies = [b.latency for b in series]
    slowest = max((v for v in latencies if v is not None), default=None)
    moves = [[h.admissions, h.discharges, h.transfers] for h in hourly]
    totals = [sum(m[k] for m in moves) for k in range(3)]
    failed, cycles = sum(h.failed for h in hourly), sum(h.cycles for h in hourly)
    size_label = "Pacientes no censo, últimas 24 h" + (
        f": agora {charts.number(last_size)}" if last_size is not None else ": sem leituras"
    )
    moves_label = (
        f"Admissões, altas e transferências por hora: {charts.number(totals[0])} admissões, "
        f"{charts.number(totals[1])} altas, {charts.number(totals[2])} transferências em 24 h"
    )
    latency_label = "Tempo de resposta da API por entrega" + (
        f": a mais lenta {duration(slowest)}" if slowest is not None else ": nenhuma entrega"
    )
    failed_label = f"Ciclos com falha por hora: {charts.number(failed)} de {charts.number(cycles)} ciclos em 24 h"
    legend = (
        '<p class="legend muted"><span class="adm"></span>admissões<span class="alta"></span>altas'
        '<span class="transf"></span>transferências</p>'
    )
    return (
        '<section id="historico" class="wide"><h2>Últimas 24 horas</h2><div class="charts">'
        f"<figure><figcaption>{escape(size_label)}</figcaption>{charts.line(sizes, label=size_label)}</figure>"
        f"<figure><figcaption>{escape(moves_label)}</figcaption>"
        f"{charts.bars(moves, label=moves_label, classes=('adm', 'alta', 'transf'))}{legend}</figure>"
        f"<figure><figcaption>{escape(latency_label)}</figcaption>"
        f"{charts.line(latencies, label=latency_label, unit=' s', decimals=1)}</figure>"
        f"<figure><figcaption>{escape(failed_label)}</figcaption>"
        f"{charts.bars([[h.failed] for h in hourly], label=failed_label, classes=('fail',))}</figure>"
        "</div></section>"
    )


def _source(view: StatusView) -> str:
    source, read = view.source, view.last_read
    if read is None:
        last = "nenhuma leitura bem-sucedida desde a partida"
    else:
        last = (
            f"às {clock.hour(read.at, view.tz)} ({ago(view.now - read.at)}): {charts.number(read.rows)} linhas, "
            f"{charts.number(read.patients)} pacientes, em {duration(read.seconds)}"
        )
    rows = [
        ("Fornecedor", source.vendor),
        ("Banco", f"{source.kind} em {source.host}"),
        ("Driver", source.driver),
        ("Sonda de mudança", source.probe),
        ("Última leitura", last),
    ]
    if view.next_read is not None and view.next_read > view.now:
        when = f"às {clock.hour(view.next_read, view.tz)} (em {round(view.next_read - view.now)} s)"
        rows.append(("Próxima leitura", f"em pausa depois de um login recusado; {when}"))
    return f'<section id="origem"><h2>Origem: o banco do sistema hospitalar</h2>{_items(_escaped(rows))}</section>'


def _about(view: StatusView) -> str:
    rows = [
        ("Versão", f"hoteleitos-connector {view.version}"),
        ("Configuração", view.origin),
        ("Pasta de estado", view.state_dir),
        ("Em execução desde", f"{clock.hour(view.started, view.tz)} ({ago(view.now - view.started)})"),
    ]
    return f'<section id="versao"><h2>Versão e configuração</h2>{_items(_escaped(rows))}</section>'


def _escaped(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, escape(value)) for name, value in rows]
