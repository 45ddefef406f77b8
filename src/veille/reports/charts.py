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

# One colour per competitor in every chart (reports and dashboard): red is ours alone.
SELF_COLOUR = "#dc2626"
COMPETITOR_COLOURS = {
    "vmcloud": SELF_COLOUR,
    "ovhcloud": "#1e40af",
    "scaleway": "#7c3aed",
    "hetzner": "#ea580c",
    "infomaniak": "#059669",
    "digitalocean": "#0ea5e9",
    "hostinger": "#db2777",
    "contabo": "#65a30d",
    "vultr": "#854d0e",
    "lambda": "#0f766e",
    "coreweave": "#4b5563",
    "vastai": "#c026d3",
    "runpod": "#ca8a04",
    "paperspace": "#6366f1",
    "aws": "#111827",
    "gcp": "#14b8a6",
    "azure": "#9f1239",
}
_OTHER_COLOURS = ("#0369a1", "#a16207", "#4d7c0f", "#6d28d9", "#be185d", "#0e7490", "#57534e", "#b45309")
# Lines of one competitor (its offers) share its colour and differ by their dashes.
DASHES = ("", "6 3", "2 3", "9 3 2 3", "1 5")


def competitor_colour(competitor_id: str) -> str:
    """The colour of ``competitor_id`` in every chart: a fixed one for the analysis' players, a stable
    one (from the id alone) for a competitor added later."""
    if competitor_id in COMPETITOR_COLOURS:
        return COMPETITOR_COLOURS[competitor_id]
    digest = sum((i + 1) * ord(ch) for i, ch in enumerate(competitor_id))
    return _OTHER_COLOURS[digest % len(_OTHER_COLOURS)]


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
    colour: str = PALETTE[0]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of ``text``'s width in DejaVu Sans at ``size`` px (no font metrics needed)."""
    return len(text) * size * (0.68 if bold else 0.62)


def _cells(points: Sequence[MapPoint]) -> dict[tuple[int, int], list[MapPoint]]:
    """Points by (row, column) of the 3 x 3 map: row 0 premium .. 2 low-cost, column 0 specialist .. 2 generalist."""
    cells: dict[tuple[int, int], list[MapPoint]] = {}
    for p in points:
        row = min(max(round(p.price) + 1, 0), 2)
        column = min(max(round(p.scope) + 1, 0), 2)
        cells.setdefault((row, column), []).append(p)
    return cells


@dataclass(frozen=True)
class _Grid:
    """The map's geometry: the top-left corner of the 3 x 3 grid and the size of a cell."""

    left: float
    top: float
    cell_w: float
    cell_h: float

    @property
    def width(self) -> float:
        return self.left * 2 + 3 * self.cell_w

    @property
    def bottom(self) -> float:
        return self.top + 3 * self.cell_h


def _grid_frame(grid: _Grid, title: str, axis_labels: Mapping[str, str]) -> list[str]:
    """Background, title, axis names and the nine cells."""
    w, grey = grid.width, "#4b5563"
    body = [
        f"<rect x='0' y='0' width='{w:.0f}' height='{grid.bottom + 50:.0f}' fill='#ffffff'/>",
        _text(grid.left, 20, title, 13, weight="bold"),
        _text(w / 2, grid.top - 8, "▲ " + axis_labels.get("premium", ""), 11, "middle", grey, "bold"),
        _text(w / 2, grid.bottom + 18, "▼ " + axis_labels.get("low_cost", ""), 11, "middle", grey, "bold"),
        _text(
            grid.left, grid.bottom + 38, "◀ " + axis_labels.get("specialist", ""), 11, "start", grey, "bold"
        ),
        _text(
            w - grid.left, grid.bottom + 38, axis_labels.get("generalist", "") + " ▶", 11, "end", grey, "bold"
        ),
    ]
    for row in range(3):
        for column in range(3):
            body.append(
                f"<rect x='{grid.left + column * grid.cell_w:.1f}' y='{grid.top + row * grid.cell_h:.1f}' "
                f"width='{grid.cell_w:.1f}' height='{grid.cell_h:.1f}' "
                f"fill='{'#f8fafc' if (row + column) % 2 else '#ffffff'}' stroke='#e5e7eb'/>"
            )
    return body


def _cell_points(grid: _Grid, row: int, column: int, members: Sequence[MapPoint]) -> list[str]:
    """The players of one cell, one or two columns of points, each with its name beside it."""
    body = []
    columns = 1 if len(members) == 1 else 2
    rows = -(-len(members) // columns)
    x0, y0 = (
        grid.left + column * grid.cell_w,
        grid.top + row * grid.cell_h + (grid.cell_h - 22 * rows) / 2 + 11,
    )
    for k, p in enumerate(members):
        x = x0 + 14 + (k % columns) * (grid.cell_w / columns)
        if columns == 1:
            x = x0 + (grid.cell_w - text_width(p.label, 12, True) - 16) / 2
        y = y0 + (k // columns) * 22
        color = SELF_COLOUR if p.highlight else p.colour
        body.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{7 if p.highlight else 5.5}' fill='{color}'/>")
        size, weight = (12, "bold") if p.highlight else (11, "normal")
        body.append(_text(x + 11, y + 4, p.label, size, "start", "#111827", weight))
    return body


def segmentation_map(points: Sequence[MapPoint], *, title: str, axis_labels: Mapping[str, str]) -> str:
    """The seed's price x scope map as a 3 x 3 grid: every player a point with its name, inside the chart.

    ``axis_labels`` keys: premium, low_cost, specialist, generalist."""
    cells = _cells(points)
    widest = max((text_width(p.label, 12, True) for p in points), default=40.0)
    per_column = max((-(-len(members) // 2) for members in cells.values()), default=1)
    grid = _Grid(16.0, 52.0, max(180.0, 2 * (widest + 24)), max(84.0, 22.0 * per_column + 24))
    body = _grid_frame(grid, title, axis_labels)
    for (row, column), members in sorted(cells.items()):
        body += _cell_points(grid, row, column, members)
    return _svg(round(grid.width), round(grid.bottom + 50), body, title)


def _nice_max(value: Decimal) -> Decimal:
    """The top of a value axis of four steps: a round number at or above ``value`` whose quarter is
    round too (40, 60, 80, 100, 120, 160, 200...: ticks of 10, 15, 20, 25, 30, 40, 50)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in ("1", "1.2", "1.6", "2", "4", "6", "8", "10"):
        top = magnitude * Decimal(step)
        if top >= value:
            return top
    return magnitude * 10


@dataclass(frozen=True)
class _Plot:
    """A line chart's plot area (in px) and the time and value ranges it maps."""

    left: float
    top: float
    width: float
    height: float
    t0: float
    span: float
    vmax: Decimal

    def xy(self, t: datetime, v: Decimal) -> tuple[float, float]:
        x = self.left + (t.timestamp() - self.t0) / self.span * self.width
        return x, self.top + self.height - float(v / self.vmax) * self.height


def _value_axis(plot: _Plot, unit: str) -> list[str]:
    """Five grid lines and their values, 0 to the top of the axis."""
    body = []
    for i in range(5):
        value = plot.vmax * i / 4
        y = plot.top + plot.height - plot.height * i / 4
        body.append(
            f"<line x1='{plot.left}' y1='{y:.1f}' x2='{plot.left + plot.width}' y2='{y:.1f}' stroke='#e5e7eb'/>"
        )
        tick = f"{value:.0f}" if value == value.to_integral_value() else f"{value:.1f}"
        body.append(_text(plot.left - 6, y + 4, f"{tick} {unit}", 10, "end", "#6b7280"))
    return body


def _step_line(
    plot: _Plot, values: Sequence[tuple[datetime, Decimal]], colour: str, dash: str | None
) -> list[str]:
    """One series as steps: each price flat from the day it was seen to the next one's day, then up
    or down; the last one runs to the end of the plot."""
    ordered = sorted(values)
    path: list[str] = []
    for j, (t, v) in enumerate(ordered):
        x, y = plot.xy(t, v)
        path.append(f"M{x:.1f},{y:.1f}" if j == 0 else f"H{x:.1f} V{y:.1f}")
    last_x, last_y = plot.xy(*ordered[-1])
    path.append(f"H{plot.left + plot.width:.1f}")
    dashed = f" stroke-dasharray='{dash}'" if dash else ""
    return [
        f"<path d='{' '.join(path)}' fill='none' stroke='{colour}' stroke-width='2'{dashed}/>",
        f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='3' fill='{colour}'/>",
    ]


def line_chart(
    series: Mapping[str, Sequence[tuple[datetime, Decimal]]],
    *,
    title: str,
    unit: str = "€",
    end: datetime | None = None,
    colours: Mapping[str, str] | None = None,
    dashes: Mapping[str, str] | None = None,
) -> str:
    """Price history: one step line per series (a price holds until it changes, up to ``end``).

    ``colours`` and ``dashes`` give a series' colour and dash pattern by its name (one colour per
    competitor: ``competitor_colour``); a series without one takes the palette's next colour."""
    w, h, left, right, top, bottom = 640, 300, 56, 150, 30, 40
    points = [pt for values in series.values() for pt in values]
    if not points:
        return _svg(w, 80, [_text(10, 40, title + " — no data", 12)], title)
    t0 = min(t for t, _ in points).timestamp()
    t1 = max([t for t, _ in points] + ([end] if end else [])).timestamp()
    vmax = _nice_max(max(v for _, v in points))
    plot = _Plot(left, top, w - left - right, h - top - bottom, t0, max(t1 - t0, 1.0), vmax)
    grey = "#6b7280"
    body = [
        f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
        _text(left, 18, title, 13, weight="bold"),
        *_value_axis(plot, unit),
        _text(left, h - 12, datetime.fromtimestamp(t0).strftime("%Y-%m-%d"), 10, "start", grey),
        _text(left + plot.width, h - 12, datetime.fromtimestamp(t1).strftime("%Y-%m-%d"), 10, "end", grey),
    ]
    for i, (name, values) in enumerate(series.items()):
        if not values:
            continue
        colour = (colours or {}).get(name) or PALETTE[i % len(PALETTE)]
        body += _step_line(plot, values, colour, (dashes or {}).get(name))
        ly = top + 14 + i * 16
        body.append(
            f"<rect x='{left + plot.width + 12}' y='{ly - 9}' width='10' height='10' fill='{colour}'/>"
        )
        body.append(_text(left + plot.width + 28, ly, name, 11))
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
    slot = min(plot_w / len(bars), 90.0)  # one month is a bar, not a wall
    start = left + (plot_w - slot * len(bars)) / 2
    for i, (label, value) in enumerate(bars):
        bh = plot_h * value / vmax
        x = start + i * slot + slot * 0.15
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
