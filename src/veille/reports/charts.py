"""Charts as self-contained SVG: no JavaScript, safe to embed in HTML and PDF reports.

Every label is escaped: titles and names may come from scraped sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563", "#65a30d")
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
        f"role='img' aria-label='{escape(title)}'><title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    size: int = 11,
    anchor: str = "start",
    fill: str = "#111827",
    weight: str = "normal",
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' fill='{fill}' "
        f"font-weight='{weight}' {FONT}>{escape(text)}</text>"
    )


@dataclass(frozen=True)
class MapPoint:
    """A player on the segmentation map: price from -1 (premium) to 1 (low-cost), scope from -1 (specialist) to 1 (generalist)."""

    label: str
    price: float
    scope: float
    highlight: bool = False


def segmentation_map(points: Sequence[MapPoint], *, title: str, axis_labels: Mapping[str, str]) -> str:
    """The seed's price x scope map. ``axis_labels`` keys: premium, low_cost, specialist, generalist."""
    w, h, pad = 560, 420, 40
    cx, cy = w / 2, h / 2
    body = [
        f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
        f"<line x1='{pad}' y1='{cy}' x2='{w - pad}' y2='{cy}' stroke='#9ca3af'/>",
        f"<line x1='{cx}' y1='{pad}' x2='{cx}' y2='{h - pad}' stroke='#9ca3af'/>",
        _text(pad, cy - 6, axis_labels.get("specialist", ""), 11, "start", "#4b5563"),
        _text(w - pad, cy - 6, axis_labels.get("generalist", ""), 11, "end", "#4b5563"),
        _text(cx, pad - 12, axis_labels.get("premium", ""), 11, "middle", "#4b5563"),
        _text(cx, h - pad + 24, axis_labels.get("low_cost", ""), 11, "middle", "#4b5563"),
    ]
    for i, p in enumerate(points):
        x = cx + p.scope * (cx - pad - 30)
        y = cy + p.price * (cy - pad - 20)
        color = "#dc2626" if p.highlight else PALETTE[i % len(PALETTE)]
        radius = 8 if p.highlight else 6
        body.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{radius}' fill='{color}' opacity='0.85'/>")
        body.append(
            _text(
                x + 10,
                y + 4,
                p.label,
                12 if p.highlight else 11,
                "start",
                "#111827",
                "bold" if p.highlight else "normal",
            )
        )
    return _svg(w, h, body, title)


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        top = magnitude * step
        if top >= value:
            return top
    return magnitude * 10


def line_chart(
    series: Mapping[str, Sequence[tuple[datetime, Decimal]]],
    *,
    title: str,
    unit: str = "€",
    end: datetime | None = None,
) -> str:
    """Price history: one step line per series (a price holds until it changes, up to ``end``)."""
    w, h, left, right, top, bottom = 640, 300, 56, 150, 30, 40
    points = [pt for values in series.values() for pt in values]
    if not points:
        return _svg(w, 80, [_text(10, 40, title + " — no data", 12)], title)
    t0 = min(t for t, _ in points).timestamp()
    t1 = max([t for t, _ in points] + ([end] if end else [])).timestamp()
    span = max(t1 - t0, 1.0)
    vmax = _nice_max(max(v for _, v in points))
    plot_w, plot_h = w - left - right, h - top - bottom

    def xy(t: datetime, v: Decimal) -> tuple[float, float]:
        return left + (t.timestamp() - t0) / span * plot_w, top + plot_h - float(v / vmax) * plot_h

    body = [
        f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
        _text(left, 18, title, 13, weight="bold"),
    ]
    for i in range(5):
        value = vmax * i / 4
        y = top + plot_h - plot_h * i / 4
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#e5e7eb'/>")
        body.append(_text(left - 6, y + 4, f"{value:.0f} {unit}", 10, "end", "#6b7280"))
    body.append(_text(left, h - 12, datetime.fromtimestamp(t0).strftime("%Y-%m-%d"), 10, "start", "#6b7280"))
    body.append(
        _text(left + plot_w, h - 12, datetime.fromtimestamp(t1).strftime("%Y-%m-%d"), 10, "end", "#6b7280")
    )
    for i, (name, values) in enumerate(series.items()):
        if not values:
            continue
        color = PALETTE[i % len(PALETTE)]
        ordered = sorted(values)
        path: list[str] = []
        for j, (t, v) in enumerate(ordered):
            x, y = xy(t, v)
            path.append(f"M{x:.1f},{y:.1f}" if j == 0 else f"H{x:.1f} V{y:.1f}")
        last_x, last_y = xy(ordered[-1][0], ordered[-1][1])
        path.append(f"H{left + plot_w:.1f}")
        body.append(f"<path d='{' '.join(path)}' fill='none' stroke='{color}' stroke-width='2'/>")
        body.append(f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='3' fill='{color}'/>")
        ly = top + 14 + i * 16
        body.append(f"<rect x='{left + plot_w + 12}' y='{ly - 9}' width='10' height='10' fill='{color}'/>")
        body.append(_text(left + plot_w + 28, ly, name, 11))
    return _svg(w, h, body, title)


def bar_chart(bars: Sequence[tuple[str, int]], *, title: str, color: str = "#2563eb") -> str:
    """Counts per label (incidents per month, postings per function...)."""
    w, h, left, top, bottom = 640, 240, 40, 30, 46
    body = [
        f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
        _text(left, 18, title, 13, weight="bold"),
    ]
    if not bars:
        body.append(_text(left, 60, "—", 12))
        return _svg(w, h, body, title)
    vmax = max(max(v for _, v in bars), 1)
    plot_w, plot_h = w - left - 20, h - top - bottom
    slot = plot_w / len(bars)
    for i, (label, value) in enumerate(bars):
        bh = plot_h * value / vmax
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bh
        body.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{slot * 0.7:.1f}' height='{bh:.1f}' fill='{color}'/>"
        )
        body.append(_text(x + slot * 0.35, y - 4, str(value), 10, "middle", "#374151"))
        body.append(_text(x + slot * 0.35, top + plot_h + 16, label, 10, "middle", "#4b5563"))
    return _svg(w, h, body, title)


def matrix_heatmap(
    criteria: Sequence[str],
    providers: Sequence[str],
    scores: Mapping[str, Sequence[int | None]],
    *,
    title: str,
) -> str:
    """The comparison matrix: criteria as rows, providers as columns, 0-5 as colour and dots."""
    cell_w, cell_h, left, top = 92, 26, 150, 50
    w, h = left + cell_w * len(providers) + 10, top + cell_h * len(criteria) + 10
    body = [
        f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
        _text(10, 18, title, 13, weight="bold"),
    ]
    for j, provider in enumerate(providers):
        body.append(_text(left + j * cell_w + cell_w / 2, top - 8, provider, 11, "middle", weight="bold"))
    shades = ("#f3f4f6", "#fee2e2", "#fef3c7", "#fef9c3", "#dcfce7", "#bbf7d0")
    for i, criterion in enumerate(criteria):
        y = top + i * cell_h
        body.append(_text(left - 8, y + 17, criterion, 11, "end"))
        row = scores.get(criterion, ())
        for j in range(len(providers)):
            value = row[j] if j < len(row) else None
            fill = shades[value] if isinstance(value, int) and 0 <= value <= 5 else "#ffffff"
            x = left + j * cell_w
            body.append(
                f"<rect x='{x + 1}' y='{y + 1}' width='{cell_w - 2}' height='{cell_h - 2}' fill='{fill}'/>"
            )
            dots = "●" * value + "○" * (5 - value) if isinstance(value, int) else "—"
            body.append(_text(x + cell_w / 2, y + 17, dots, 11, "middle", "#374151"))
    return _svg(w, h, body, title)
