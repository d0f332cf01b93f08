"""The bench's results as Markdown tables (as in docs/desempenho.md), each target with its verdict."""

from __future__ import annotations

from typing import Any

PROCESS_RATIO = {300: 2.0, 2000: 2.0, 50000: 1.25}  # `run --once` / script, whole processes
STEADY_RATIO = 1.1  # the daemon's cycle / the script's fetch + encode + POST, in-process
PEAK_50K_MB = 150.0
BETWEEN_CYCLES_50K_MB = 120.0
IDLE_300_MB = 60.0
HELP_S = 0.1


def _n(count: int) -> str:
    """A count as Portuguese writes it: 50.000."""
    return f"{count:,}".replace(",", ".")


def _verdict(value: float, limit: float) -> str:
    return "sim" if value <= limit else "**não**"


def _row(what: str, limit: str, value: str, met: str) -> str:
    return f"| {what} | {limit} | {value} | {met} |"


def targets(results: dict[str, Any]) -> list[str]:
    lines = ["| medida | alvo | medido | atingido |", "|---|---|---|---|"]
    for size in results["sizes"]:
        n, whole = size["size"], size["process"]
        if n in PROCESS_RATIO:
            limit = PROCESS_RATIO[n]
            for variant in ("httpx", "urllib"):
                ratio = whole[f"ratio_{variant}"]
                lines.append(_row(f"`run --once` / script ({variant}), {_n(n)} internados",
                                  f"≤ {limit:g}×", f"{ratio:.2f}×", _verdict(ratio, limit)))  # fmt: skip
        if "steady" in size:
            ratio = size["steady"]["ratio"]
            lines.append(_row(f"ciclo do `run` / script no mesmo processo, {_n(n)} internados",
                              f"≤ {STEADY_RATIO:g}×", f"{ratio:.2f}×", _verdict(ratio, STEADY_RATIO)))  # fmt: skip
        if "daemon" in size:
            peak = max(whole["peak_rss_mb"]["connector"], size["daemon"]["peak_rss_mb"])
            lines.append(_row(f"pico de memória, {_n(n)} internados", f"≤ {PEAK_50K_MB:g} MiB",
                              f"{peak:.0f} MiB", _verdict(peak, PEAK_50K_MB)))  # fmt: skip
            between = max(size["daemon"]["rss_between_cycles_mb"][1:])
            lines.append(_row(f"memória do `run` entre ciclos, {_n(n)} internados",
                              f"≤ {BETWEEN_CYCLES_50K_MB:g} MiB", f"{between:.0f} MiB",
                              _verdict(between, BETWEEN_CYCLES_50K_MB)))  # fmt: skip
        if "idle" in size:
            idle = max(size["idle"]["rss_between_cycles_mb"][1:])
            shown = f"{idle:.0f} MiB (CPU {size['idle']['cpu_percent']:.1f}%)"
            lines.append(_row(f"`run` ocioso, {_n(n)} internados (agenda de 5 s)", f"≤ {IDLE_300_MB:g} MiB",
                              shown, _verdict(idle, IDLE_300_MB)))  # fmt: skip
    help_s = results["help_s"]
    lines.append(_row("`--help`", f"≤ {HELP_S:g} s", f"{help_s:.3f} s", _verdict(help_s, HELP_S)))
    return lines


def processes(results: dict[str, Any]) -> list[str]:
    lines = [
        "| internados | `run --once` | script urllib | script httpx | pico `run --once` "
        "| pico script (urllib / httpx) |",
        "|---|---|---|---|---|---|",
    ]
    for size in results["sizes"]:
        median, peak = size["process"]["median_s"], size["process"]["peak_rss_mb"]
        lines.append(
            f"| {_n(size['size'])} | {median['connector']:.3f} s | {median['script_urllib']:.3f} s | "
            f"{median['script_httpx']:.3f} s | {peak['connector']:.0f} MiB | "
            f"{peak['script_urllib']:.0f} / {peak['script_httpx']:.0f} MiB |"
        )
    return lines


def table(results: dict[str, Any]) -> str:
    head = (f"{results['when']}, {results['cpus']} CPUs, Python {results['python']}, {results['pairs']} rodadas; "
            f"carga média antes {results['load_before']}, depois {results['load_after']}")  # fmt: skip
    return "\n".join([head, "", *targets(results), "", *processes(results)])
