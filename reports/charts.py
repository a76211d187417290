"""Inline SVG charts drawn from the data: line charts and bar charts.

Each function returns a `Chart` whose `svg` is markup marked safe (every piece
of text in it escaped here) and whose `legend` lists (swatch SVG, label). Values
come in display units (percent numbers, 억원, people); `tick` formats the
y-axis numbers. Series differ by colour *and* by dash pattern, marker shape or
hatching, so a chart still reads in greyscale. No ids collide between charts:
every id is prefixed with the chart's own `key`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from reports.filters import format_number

WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 84, 124, 20, 64
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
HATCHES = ("", "diagonal", "dots", "cross", "horizontal", "vertical")
TARGET_COLOUR = "#333333"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per category (year), display units
    forecast: tuple[int, float, int, float] | None = None  # (x0, y0, x1, y1) in years


@dataclass(frozen=True)
class Target:
    label: str
    value: float


@dataclass
class Chart:
    key: str
    title: str
    svg: Markup
    legend: list[tuple[Markup, str]] = field(default_factory=list)


def nice_ceiling(value: float, whole: bool = False) -> tuple[float, float]:
    """(top, step) of a y axis from 0 that holds `value` in about five round
    steps; `whole`: steps of 1 or more (a count has no 0.25 of an evaluation)."""
    if value <= 0:
        return (1.0, 1.0) if whole else (1.0, 0.2)
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw:
            break
    if whole and not float(step).is_integer():
        step = float(math.ceil(step))
    top = math.ceil(value / step - 1e-9) * step
    return top, step


def tick_digits(step: float) -> int:
    """Decimals needed to print ticks of this step without repeating labels."""
    digits = 0
    while digits < 4 and abs(step * 10**digits - round(step * 10**digits)) > 1e-9:
        digits += 1
    return digits


class Frame:
    """The plot area and the mapping of categories and values to pixels."""

    def __init__(self, categories: Sequence[int], top: float) -> None:
        self.categories = list(categories)
        self.top = top
        self.x0, self.x1 = LEFT, WIDTH - RIGHT
        self.y0, self.y1 = HEIGHT - BOTTOM, TOP
        self.slot = (self.x1 - self.x0) / max(1, len(self.categories))

    def x(self, category: float) -> float:
        index = category - self.categories[0]
        return self.x0 + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        return self.y0 - (self.y0 - self.y1) * (value / self.top if self.top else 0)


def axes(frame: Frame, step: float, x_label: str, y_label: str, tick: Callable) -> list[str]:
    parts = ['<g class="axis" font-size="15" fill="#222">']
    count = round(frame.top / step)
    for n in range(count + 1):
        value = n * step
        y = frame.y(value)
        parts.append(
            f'<line x1="{frame.x0}" y1="{y:.1f}" x2="{frame.x1}" y2="{y:.1f}" '
            f'stroke="{"#999" if n == 0 else "#e2e2e2"}" stroke-width="1"/>'
            f'<text x="{frame.x0 - 6}" y="{y + 5:.1f}" text-anchor="end">'
            f"{escape(tick(value))}</text>"
        )
    for category in frame.categories:
        x = frame.x(category)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.y0 + 22}" text-anchor="middle">'
            f"{escape(str(category))}</text>"
        )
    middle = (frame.y0 + frame.y1) / 2
    parts.append(
        f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
        f'font-weight="bold">{escape(x_label)}</text>'
        f'<text x="20" y="{middle:.1f}" text-anchor="middle" font-weight="bold" '
        f'transform="rotate(-90 20 {middle:.1f})">{escape(y_label)}</text></g>'
    )
    return parts


def target_lines(frame: Frame, targets: Sequence[Target], tick: Callable) -> list[str]:
    parts = []
    for target in targets:
        y = frame.y(target.value)
        label = f"{target.label} {tick(target.value)}"
        parts.append(
            f'<g class="target"><line x1="{frame.x0}" y1="{y:.1f}" x2="{frame.x1}" y2="{y:.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="3 3"/>'
            f'<text x="{frame.x1 + 6}" y="{y + 4:.1f}" font-size="15" fill="{TARGET_COLOUR}">'
            f"{escape(label)}</text></g>"
        )
    return parts


def marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    if shape == "square":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" fill="{colour}"/>'
        )
    if shape == "triangle":
        d = size + 1
        return polygon([(x, y - d), (x - d, y + size), (x + d, y + size)], colour)
    if shape == "diamond":
        d = size + 1
        return polygon([(x, y - d), (x + d, y), (x, y + d), (x - d, y)], colour)
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'


def polygon(points: Sequence[tuple[float, float]], colour: str) -> str:
    text = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polygon points="{text}" fill="{colour}"/>'


def svg_open(key: str, title: str, description: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>'
    )


def line_swatch(index: int) -> Markup:
    colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(
        f'<svg class="swatch" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true">'
        f'<line x1="2" y1="7" x2="34" y2="7" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        f"{marker(MARKERS[index % len(MARKERS)], 18, 7, colour, 4)}</svg>"
    )


def target_swatch() -> Markup:
    return Markup(
        '<svg class="swatch" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true">'
        f'<line x1="2" y1="7" x2="34" y2="7" stroke="{TARGET_COLOUR}" stroke-width="1.5" '
        'stroke-dasharray="3 3"/></svg>'
    )


def forecast_swatch() -> Markup:
    return Markup(
        '<svg class="swatch" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true">'
        '<line x1="2" y1="7" x2="34" y2="7" stroke="#666" stroke-width="1.5" '
        'stroke-dasharray="1 3"/><circle cx="30" cy="7" r="4" fill="#fff" stroke="#666" '
        'stroke-width="1.5"/></svg>'
    )


def scale_top(
    values: Sequence[float | None], targets: Sequence[Target], extra: Sequence[float] = ()
) -> float:
    numbers = [v for v in values if v is not None] + [t.value for t in targets] + list(extra)
    highest = max(numbers, default=0)
    return highest * 1.05 if highest > 0 else 0


def line_chart(
    key: str,
    title: str,
    categories: Sequence[int],
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    tick: Callable[[float], str] | None = None,
    targets: Sequence[Target] = (),
    forecast_label: str = "",
    description: str = "",
    suffix: str = "",
    whole: bool = False,
) -> Chart:
    """Lines over years, gaps where a value is null, dashed target lines, dotted forecasts."""
    everything = [v for s in series for v in s.values]
    forecasts = [f[3] for s in series if s.forecast for f in [s.forecast]]
    top, step = nice_ceiling(scale_top(everything or [0], targets, forecasts), whole)
    tick = tick or default_tick(step, suffix)
    frame = Frame(categories, top)
    parts = [svg_open(key, title, description or title)]
    parts += axes(frame, step, x_label, y_label, tick)
    parts += target_lines(frame, targets, tick)
    legend = []
    for index, one in enumerate(series):
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [(c, v) for c, v in zip(categories, one.values, strict=True)]
        parts.append(f'<g class="series" data-series="{index}">')
        for run in runs(points):
            path = " ".join(f"{frame.x(c):.1f},{frame.y(v):.1f}" for c, v in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5"{dash_attr}/>'
            )
        for c, v in points:
            if v is not None:
                parts.append(marker(MARKERS[index % len(MARKERS)], frame.x(c), frame.y(v), colour))
        if one.forecast:
            x0, y0, x1, y1 = one.forecast
            parts.append(
                f'<line x1="{frame.x(x0):.1f}" y1="{frame.y(y0):.1f}" x2="{frame.x(x1):.1f}" '
                f'y2="{frame.y(y1):.1f}" stroke="{colour}" stroke-width="1.5" '
                f'stroke-dasharray="1 3"/><circle cx="{frame.x(x1):.1f}" cy="{frame.y(y1):.1f}" '
                f'r="4.5" fill="#fff" stroke="{colour}" stroke-width="1.5"/>'
            )
        parts.append("</g>")
        legend.append((line_swatch(index), one.label))
    if targets:
        legend.append((target_swatch(), targets[0].label))
    if forecast_label and any(s.forecast for s in series):
        legend.append((forecast_swatch(), forecast_label))
    parts.append("</svg>")
    return Chart(key, title, Markup("".join(parts)), legend)


def runs(points: list[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Consecutive non-null points; a lone point makes a run of one (drawn as a marker)."""
    found: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for c, v in points:
        if v is None:
            if current:
                found.append(current)
            current = []
        else:
            current.append((c, v))
    if current:
        found.append(current)
    return [run for run in found if len(run) > 1]


def hatch_defs(key: str, count: int) -> str:
    parts = ["<defs>"]
    for index in range(count):
        colour, hatch = COLOURS[index % len(COLOURS)], HATCHES[index % len(HATCHES)]
        lines = {
            "diagonal": '<path d="M0,8 L8,0" stroke="#fff" stroke-width="1.6"/>',
            "dots": '<circle cx="4" cy="4" r="1.4" fill="#fff"/>',
            "cross": '<path d="M0,4 H8 M4,0 V8" stroke="#fff" stroke-width="1.2"/>',
            "horizontal": '<path d="M0,4 H8" stroke="#fff" stroke-width="1.6"/>',
            "vertical": '<path d="M4,0 V8" stroke="#fff" stroke-width="1.6"/>',
        }.get(hatch, "")
        parts.append(
            f'<pattern id="{key}-p{index}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{lines}</pattern>'
        )
    parts.append("</defs>")
    return "".join(parts)


def bar_swatch(key: str, index: int) -> Markup:
    colour, hatch = COLOURS[index % len(COLOURS)], HATCHES[index % len(HATCHES)]
    marks = {
        "diagonal": '<path d="M0,14 L14,0 M10,14 L24,0 M20,14 L34,0" '
        'stroke="#fff" stroke-width="1.6"/>',
        "dots": "".join(f'<circle cx="{x}" cy="7" r="1.4" fill="#fff"/>' for x in (5, 13, 21, 29)),
        "cross": '<path d="M2,7 H34 M10,0 V14 M18,0 V14 M26,0 V14" '
        'stroke="#fff" stroke-width="1.2"/>',
        "horizontal": '<path d="M2,4 H34 M2,10 H34" stroke="#fff" stroke-width="1.6"/>',
        "vertical": '<path d="M8,0 V14 M16,0 V14 M24,0 V14" stroke="#fff" stroke-width="1.6"/>',
    }.get(hatch, "")
    return Markup(
        f'<svg class="swatch" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true">'
        f'<rect x="2" y="0" width="32" height="14" fill="{colour}"/>{marks}</svg>'
    )


def bar_chart(
    key: str,
    title: str,
    categories: Sequence[int],
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    tick: Callable[[float], str] | None = None,
    targets: Sequence[Target] = (),
    stacked: bool = False,
    description: str = "",
    suffix: str = "",
    whole: bool = False,
) -> Chart:
    """Bars per year: one series, several side by side, or stacked; nulls leave a gap."""
    if stacked:
        columns = zip(*(s.values for s in series), strict=True)
        totals = [sum(v or 0 for v in column) for column in columns]
        highest = totals or [0]
    else:
        highest = [v for s in series for v in s.values] or [0]
    top, step = nice_ceiling(scale_top(highest, targets), whole)
    tick = tick or default_tick(step, suffix)
    frame = Frame(categories, top)
    parts = [svg_open(key, title, description or title), hatch_defs(key, len(series))]
    parts += axes(frame, step, x_label, y_label, tick)
    width = frame.slot * 0.7
    each = width if stacked else width / max(1, len(series))
    base = [0.0] * len(categories)
    legend = []
    for index, one in enumerate(series):
        parts.append(f'<g class="series" data-series="{index}" fill="url(#{key}-p{index})">')
        for position, (category, value) in enumerate(zip(categories, one.values, strict=True)):
            if value is None or value <= 0:
                continue
            left = frame.x(category) - width / 2 + (0 if stacked else index * each)
            bottom = base[position] if stacked else 0.0
            y_top, y_bottom = frame.y(bottom + value), frame.y(bottom)
            parts.append(
                f'<rect x="{left:.1f}" y="{y_top:.1f}" width="{each:.1f}" '
                f'height="{max(0.5, y_bottom - y_top):.1f}" stroke="#fff" stroke-width="0.5"/>'
            )
            if stacked:
                base[position] += value
        parts.append("</g>")
        legend.append((bar_swatch(key, index), one.label))
    parts += target_lines(frame, targets, tick)
    if targets:
        legend.append((target_swatch(), targets[0].label))
    parts.append("</svg>")
    return Chart(key, title, Markup("".join(parts)), legend)


def default_tick(step: float, suffix: str = "") -> Callable[[float], str]:
    """Tick labels with just the decimals the step needs, and a unit suffix ('%')."""
    digits = tick_digits(step)
    return lambda value: f"{format_number(value, digits)}{suffix}"
