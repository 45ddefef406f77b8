"""One colour per competitor in every chart: the report's map and its price histories, and the
dashboard's chart series, all take it from ``competitor_colour``. Price lines step after the day a
price was seen, never before."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from veille.reports.charts import COMPETITOR_COLOURS, competitor_colour, line_chart

SVG = "{http://www.w3.org/2000/svg}"
DAY0 = datetime(2026, 11, 23)


def _legend(svg: str) -> dict[str, str]:
    """Name -> colour of a line chart's legend (a square then the name)."""
    items = list(ET.fromstring(svg))
    out = {}
    for square, text in pairwise(items):
        if square.tag == f"{SVG}rect" and square.attrib.get("width") == "10" and text.tag == f"{SVG}text":
            out[str(text.text)] = square.attrib["fill"]
    return out


def _map_colours(svg: str) -> dict[str, str]:
    """Name -> colour of the segmentation map's points (a circle then the name)."""
    items = list(ET.fromstring(svg))
    return {
        str(text.text): circle.attrib["fill"]
        for circle, text in pairwise(items)
        if circle.tag == f"{SVG}circle" and text.tag == f"{SVG}text"
    }


def test_a_competitor_keeps_its_colour_across_the_reports_charts() -> None:
    from veille.kb.store import bundled
    from veille.reports.document import Document
    from veille.reports.sections import price_history_charts, segmentation_chart

    kb = bundled()
    names = {c.id: c.name for c in kb.competitors}
    doc = Document("t", "en", "t")
    week = timedelta(days=7)
    history = {  # two products whose competitors differ: a palette by position would shift
        "vps_entry": {
            "hetzner": [(DAY0, Decimal("3.79"))],
            "scaleway": [(DAY0, Decimal("9.99"))],
            "ovhcloud": [(DAY0, Decimal("6"))],
        },
        "gpu_t4": {"scaleway": [(DAY0, Decimal("574"))], "ovhcloud": [(DAY0 + week, Decimal("730"))]},
    }
    price_history_charts(doc, history, kb, DAY0 + 2 * week)
    first, second = (_legend(block.svg) for block in doc.blocks)  # type: ignore[union-attr]
    mapped = _map_colours(segmentation_chart(kb, "en").svg)
    for cid in ("scaleway", "ovhcloud"):
        name = names[cid]
        assert first[name] == second[name] == mapped[name] == competitor_colour(cid), (cid, first, second)
    assert first[names["hetzner"]] == mapped[names["hetzner"]] == competitor_colour("hetzner")
    assert mapped[names["vmcloud"]] == competitor_colour("vmcloud")


def test_colours_are_distinct_and_stable() -> None:
    assert len(set(COMPETITOR_COLOURS.values())) == len(COMPETITOR_COLOURS)
    assert competitor_colour("newcomer") == competitor_colour("newcomer")
    assert re.fullmatch(r"#[0-9a-f]{6}", competitor_colour("newcomer"))
    assert competitor_colour("newcomer") != competitor_colour("vmcloud")


def _value_on(svg: str, day: datetime, start: datetime, end: datetime, vmax: Decimal) -> Decimal:
    """The price the first line of ``svg`` shows on ``day`` (its path read back into days and euros)."""
    path = ET.fromstring(svg).find(f"{SVG}path")
    assert path is not None
    left, plot_w, top, plot_h = 56, 640 - 56 - 150, 30, 300 - 30 - 40
    x_of_day = left + (day - start).total_seconds() / (end - start).total_seconds() * plot_w
    x = y = 0.0
    shown = None
    for op, a, b in re.findall(r"([MHV])([\d.]+)(?:,([\d.]+))?", path.attrib["d"]):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "H":
            if x <= x_of_day < float(a):
                shown = y
            x = float(a)
        else:
            y = float(a)
    assert shown is not None, "no horizontal run on that day"
    return (vmax * Decimal(str((top + plot_h - shown) / plot_h))).quantize(Decimal("0.01"))


def test_a_price_holds_until_the_day_its_change_was_seen() -> None:
    """CX22 at 3.79 from 23 Nov, 4.15 seen on 30 Nov: 3.79 shows until 30 Nov, 4.15 after."""
    end = DAY0 + timedelta(days=14)
    svg = line_chart(
        {"CX22": [(DAY0, Decimal("3.79")), (DAY0 + timedelta(days=7), Decimal("4.15"))]}, title="t", end=end
    )
    ticks = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text") if (t.text or "").endswith(" €")]
    vmax = max(Decimal(t.removesuffix(" €")) for t in ticks)  # the axis' round top
    for day, price in ((DAY0 + timedelta(days=1), "3.79"), (DAY0 + timedelta(days=6, hours=23), "3.79")):
        assert abs(_value_on(svg, day, DAY0, end, vmax) - Decimal(price)) < Decimal("0.02")
    for day in (DAY0 + timedelta(days=7, hours=1), DAY0 + timedelta(days=13)):
        assert abs(_value_on(svg, day, DAY0, end, vmax) - Decimal("4.15")) < Decimal("0.02")
