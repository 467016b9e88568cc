"""Charts drawn on the server as SVG: no script, no chart library, printable, readable offline.

Each chart is an ``<svg role="img">`` with a title and a description; the page shows the same
numbers in a table next to it, which is what screen readers and spreadsheets use. Colours are
presentation attributes, not inline styles, so the Content-Security-Policy stays strict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#e8a33d", "#4e79a7", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#bab0ac")
WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 48


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def _ticks(top: int) -> list[int]:
    if top <= 0:
        return [0]
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if top / candidate <= 5:
            break
    return list(range(0, top + step, step))


def grouped_bars(
    *, chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Vertical bars, one group per category (a year), one colour per series (a stage)."""
    top = max((v for s in series for v in s.values), default=0)
    ticks = _ticks(top)
    scale_top = ticks[-1] or 1
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(categories))
    bar_w = max(2.0, min(28.0, (slot * 0.8) / max(1, len(series))))
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} '
        f'{HEIGHT + 22 * ((len(series) + 2) // 3)}" aria-labelledby="{escape(chart_id)}-t" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
    ]
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / scale_top
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{tick}</text>'
        )
    for c, category in enumerate(categories):
        group_left = LEFT + slot * c + (slot - bar_w * len(series)) / 2
        for s, one in enumerate(series):
            value = one.values[c] if c < len(one.values) else 0
            height = plot_h * value / scale_top
            x = group_left + s * bar_w
            y = TOP + plot_h - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(category)} · '
                f"{escape(one.label)}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{LEFT + slot * c + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
            f'text-anchor="middle" font-size="12" fill="#222">{escape(category)}</text>'
        )
    legend_y = HEIGHT - 12
    for s, one in enumerate(series):
        x = LEFT + (s % 3) * (plot_w / 3)
        y = legend_y + 22 * (s // 3)
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 16:.1f}" y="{y}" font-size="12" fill="#222">'
            f"{escape(_short(one.label))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label above went through escape())


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
