"""Small inline SVG charts for the status page: a line over the last 24 hours and bars per hour.

Plain SVG elements, no script, no external file: the page renders in any browser, offline. Each chart carries a
text summary (`aria-label`, `<title>`) so that what it shows can also be read (and tested) as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 560, 120
LEFT, BOTTOM, TOP = 44, 18, 8  # room for the axis labels


def number(value: float, decimals: int = 0) -> str:
    """`50.000`, `0,25`: numbers as a Brazilian reader writes them."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _ceiling(value: float) -> float:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def _frame(label: str, top: float, unit: str, decimals: int, body: str) -> str:
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    decimals = max(decimals, 0 if top >= 1 else math.ceil(-math.log10(top)))  # 0,01 s, not 0,0 s
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" class="axis"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH}" y2="{TOP + plot_h}" class="axis"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{number(top, decimals)}{unit}</text>'
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 4}">−24 h</text>'
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" text-anchor="middle">−12 h</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 4}" text-anchor="end">agora</text>'
        f"{body}</svg>"
    )


def line(values: Sequence[float | None], *, label: str, unit: str = "", decimals: int = 0) -> str:
    """A line over equally spaced points, broken where a value is missing; `label` summarises it."""
    known = [v for v in values if v is not None]
    top = _ceiling(max(known, default=0.0))
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(values) - 1, 1)
    runs: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{LEFT + i * step:.1f},{TOP + plot_h - value / top * plot_h:.1f}")
    body = "".join(
        f'<polyline points="{" ".join(run)}" class="line"/>'
        if len(run) > 1
        else f'<circle cx="{run[0].split(",")[0]}" cy="{run[0].split(",")[1]}" r="2" class="dot"/>'
        for run in runs
        if run
    )
    if not known:
        body = f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">sem dados</text>'
    return _frame(label, top, unit, decimals, body)


def bars(groups: Sequence[Sequence[int]], *, label: str, classes: Sequence[str]) -> str:
    """Bars side by side for each group (one group an hour), one class (colour) per position in a group."""
    top = _ceiling(max((v for group in groups for v in group), default=0))
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(groups), 1)
    width = max((slot - 2) / max(len(classes), 1), 1)
    body = []
    for g, group in enumerate(groups):
        for k, value in enumerate(group):
            if value:
                high = value / top * plot_h
                body.append(
                    f'<rect x="{LEFT + 1 + g * slot + k * width:.1f}" y="{TOP + plot_h - high:.1f}" '
                    f'width="{width:.1f}" height="{high:.1f}" class="{classes[k]}"/>'
                )
    return _frame(label, top, "", 0, "".join(body))
