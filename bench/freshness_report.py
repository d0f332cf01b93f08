"""The freshness bench's figures as Markdown tables (docs/desempenho.md's and docs/operacao.md's)."""

from __future__ import annotations

from typing import Any

NAMES = {"poll": "agenda 30 s (hoje)", "probe": "sonda 2 s + leitura completa a cada 5 min"}


def _s(value: float) -> str:
    return "—" if value != value else f"{value:.1f} s"  # NaN: no sample


def _n(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.1f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} mil"
    return f"{value:.0f}"


def freshness_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| fornecedor | modo | mudanças | p50 | p95 | máx | leituras completas | sondas |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, mode in results["modes"].items():
        vendor, name = key.split("/")
        found, counters = mode["freshness"], mode["counters"]
        cycles = sum(v for k, v in counters.items() if k.startswith("hoteleitos_cycles_total"))
        probes = sum(v for k, v in counters.items() if k.startswith("hoteleitos_probes_total"))
        lines.append(
            f"| {vendor} | {NAMES[name]} | {found['samples']} | {_s(found['p50_s'])} | {_s(found['p95_s'])} | "
            f"{_s(found['max_s'])} | {cycles:.0f} | {probes:.0f} |"
        )
    for name, found in results["pooled"].items():
        lines.append(
            f"| **todos** | {NAMES[name]} | {found['samples']} | {_s(found['p50_s'])} | **{_s(found['p95_s'])}** | "
            f"{_s(found['max_s'])} | | |"
        )
    return lines


def load_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| fornecedor | tabela | linhas lidas/h (agenda) | linhas lidas/h (sonda) | buffers/h (agenda) | "
        "buffers/h (sonda) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    vendors = sorted({key.split("/")[0] for key in results["modes"]})
    for vendor in vendors:
        poll, probe = results["modes"][f"{vendor}/poll"], results["modes"][f"{vendor}/probe"]
        for table in sorted(set(poll["load_per_hour"]) | set(probe["load_per_hour"])):
            a, b = poll["load_per_hour"].get(table, {}), probe["load_per_hour"].get(table, {})
            lines.append(
                f"| {vendor} | `{table}` | {_n(_rows(a))} | {_n(_rows(b))} | {_n(_buffers(a))} | {_n(_buffers(b))} |"
            )
        ta, tb = poll["total_per_hour"], probe["total_per_hour"]
        lines.append(
            f"| **{vendor}** | **total** (sonda/agenda: linhas {tb['rows'] / ta['rows']:.2f}×, buffers "
            f"{tb['buffers'] / ta['buffers']:.2f}×) | {_n(ta['rows'])} | {_n(tb['rows'])} | {_n(ta['buffers'])} | "
            f"{_n(tb['buffers'])} |"
        )
    return lines


def _rows(load: dict[str, float]) -> float:
    return load.get("seq_rows", 0) + load.get("idx_rows", 0)


def _buffers(load: dict[str, float]) -> float:
    return load.get("heap_buffers", 0) + load.get("idx_buffers", 0)


def tables(results: dict[str, Any]) -> str:
    settings = results["settings"]
    averages = results["load_average"]
    machine = f"carga média da máquina {sum(averages) / len(averages):.2f}" if averages else ""
    head = (
        f"{settings['minutes']:g} min de mudanças, {settings['events_per_hour']:g} mudanças de leito/h e "
        f"{settings['others_per_hour']:g} atendimentos sem leito/h por fornecedor, "
        f"{settings['encounters']:,} atendimentos passados, {settings['admitted']} internados em {settings['beds']} "
        f"leitos; janela de carga {results['window_s']:.0f} s; {results['cpus']} CPUs, {machine}."
    )
    return "\n".join([head, "", *freshness_table(results), "", *load_table(results)])
