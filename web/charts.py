"""Small server-rendered SVG charts for the dashboard: no JavaScript, no chart library, no CDN.

Charts use presentation attributes and CSS classes only (the console's CSP forbids inline styles),
scale to their container through ``viewBox`` and carry a <title> per bar for a hover tooltip.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colour-blind-safe palette (Okabe–Ito), first colour is the console's accent.
PALETTE = ("#0f6cbd", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#999999", "#f0e442")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]
    color: str = ""


def _nice_max(value: float) -> float:
    """Round the axis maximum up to 1, 2 or 5 × 10ⁿ so grid lines fall on round numbers."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _grid_steps(vmax: float) -> int:
    """Grid lines on whole numbers: 1 → 1 step, 2 → 2, 5 → 5, 10 → 5, 20 → 4, 50 → 5 …"""
    if vmax in (1, 2, 5):
        return int(vmax)
    return 5 if vmax % 5 == 0 and (vmax / 5) % 2 == 0 else 4


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def empty(message: str = "暂无数据") -> Markup:
    return Markup(f'<div class="chart-empty">{escape(message)}</div>')


def column_chart(labels: list[str], series: list[Series], *, stacked: bool = True, height: int = 180,
                 title: str = "") -> Markup:
    """Vertical bars per label (e.g. per day), one colour per series, stacked or side by side."""
    if not labels or not series or not any(v for s in series for v in s.values):
        return empty()
    width = 360  # one width for every chart, so text comes out the same size on the page
    left, bottom, top = 38, 26, 10
    plot_h = height - bottom - top
    plot_w = width - left - 8
    totals = [sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series)
              for i in range(len(labels))]
    vmax = _nice_max(max(totals))
    slot = plot_w / len(labels)
    bar_w = slot * 0.7 / (1 if stacked else len(series))
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           f'xmlns="http://www.w3.org/2000/svg">']
    steps = _grid_steps(vmax)
    for k in range(steps + 1):
        y = top + plot_h * k / steps
        out.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}"/>')
        tick = _fmt(vmax * (steps - k) / steps)
        out.append(f'<text class="axis" x="{left - 4}" y="{y + 5:.1f}" text-anchor="end">{tick}</text>')
    label_every = -(-len(labels) // 7)
    for i, label in enumerate(labels):
        x0 = left + slot * i + slot * 0.15
        base: float = top + plot_h
        for j, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / vmax
            color = s.color or PALETTE[j % len(PALETTE)]
            x = x0 if stacked else x0 + bar_w * j
            y = base - h
            if value:
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}" rx="2">'
                           f'<title>{escape(label)} {escape(s.name)}: {_fmt(value)}</title></rect>')
            if stacked:
                base = y
        if i % label_every == 0:
            out.append(f'<text class="axis" x="{left + slot * i + slot / 2:.1f}" y="{height - 6}" '
                       f'text-anchor="middle">{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out)) + legend(series)


def bar_chart(pairs: Sequence[tuple[str, float]], *, color: str = PALETTE[0], title: str = "",
              colors: list[str] | None = None) -> Markup:
    """Horizontal bars, largest first as given (top topics, subscribers by topic, …); ``colors`` per bar."""
    if not pairs or not any(v for _, v in pairs):
        return empty()
    row_h, label_w, width = 28, 104, 360
    height = row_h * len(pairs) + 4
    vmax = max(v for _, v in pairs) or 1
    plot_w = width - label_w - 48
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(pairs):
        y = i * row_h + 4
        w = max(2.0, plot_w * value / vmax) if value else 0
        short = label if len(label) <= 7 else label[:6] + "…"
        out.append(f'<text class="label" x="{label_w - 6}" y="{y + 18}" text-anchor="end">{escape(short)}</text>')
        fill = colors[i] if colors and i < len(colors) else color
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 10}" fill="{fill}" rx="3">'
                   f'<title>{escape(label)}: {_fmt(value)}</title></rect>')
        out.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 18}">{_fmt(value)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def legend(series: list[Series]) -> Markup:
    if not series:
        return Markup("")
    items = "".join(
        f'<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" rx="2" '
        f'fill="{s.color or PALETTE[j % len(PALETTE)]}"/></svg>{escape(s.name)}</li>'
        for j, s in enumerate(series)
    )
    return Markup(f'<ul class="legend">{items}</ul>')


def progress_bar(done: int, total: int) -> Markup:
    """A thin progress bar (SVG so it needs no inline style)."""
    ratio = done / total if total else 0
    return Markup(
        f'<svg class="progress" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" '
        f'aria-label="{done}/{total}"><rect width="100" height="6" rx="3" class="track"/>'
        f'<rect width="{100 * ratio:.1f}" height="6" rx="3" class="fill"/></svg>'
    )
