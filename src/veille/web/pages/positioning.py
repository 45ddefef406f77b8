"""Price positioning: the table, the segmentation map and each product's price history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from veille.reports.charts import competitor_colour
from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import offers
from veille.web.data import positioning as pos
from veille.web.deps import PageViewer, db
from veille.web.i18n import request_locale
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
SERVICE_CRITERIA = ("support", "ux", "flexibility", "performance")
MAX_LINES = 8


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def segmentation(kb: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points of the map: price level (median ratio to us) against the mean matrix score."""
    ratios: dict[str, list[Decimal]] = {}
    for row in rows:
        ratio = _dec(row.get("ratio_to_self"))
        if ratio is not None:
            ratios.setdefault(row["competitor"], []).append(ratio)
    scores = (kb.get("matrix") or {}).get("scores") or {}
    names = analysis_doc.names(kb)
    points = []
    for competitor_id, values in ratios.items():
        own = [v for v in (scores.get(competitor_id) or {}).values() if isinstance(v, int | float)]
        if not own:
            continue
        points.append(
            {
                "label": names.get(competitor_id, competitor_id),
                "color": competitor_colour(competitor_id),
                "x": float(median(values)),
                "y": round(sum(own) / len(own), 2),
            }
        )
    return points


def compared(row: dict[str, Any]) -> bool:
    """Whether ``row`` is the one compared for its product and competitor (on demand, else the
    shortest commitment); a table cached before rows said so: its on-demand rows."""
    return bool(row.get("compared", row.get("billing", "on_demand") == "on_demand"))


def _live_offers(data: dict[str, Any], product_id: str) -> list[dict[str, Any]]:
    """The compared live rows of one product (at most MAX_LINES), cheapest first."""
    rows = [
        r
        for r in data.get("rows", [])
        if r.get("product") == product_id and r.get("basis") == "live" and r.get("offer") and compared(r)
    ]
    return rows[:MAX_LINES]


@router.get("/positioning")
def positioning(request: Request, user: PageViewer) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        data = pos.table(session)
    grid: dict[str, dict[str, dict[str, Any]]] = {}
    competitors: list[str] = []
    for row in data.get("rows", []):
        if not compared(row):
            continue
        grid.setdefault(row["product"], {}).setdefault(row["competitor"], row)
        if row["competitor"] not in competitors:
            competitors.append(row["competitor"])
    me = analysis_doc.self_id(kb)
    order = {c.get("id"): i for i, c in enumerate(analysis_doc.competitors(kb))}
    competitors.sort(key=lambda c: (c != me, order.get(c, 999), c))
    placements: dict[tuple[str, str], list[str]] = {}
    names = analysis_doc.names(kb)
    for place in (kb.get("segmentation") or {}).get("placements", []):
        cid = place.get("competitor")
        placements.setdefault((place.get("price"), place.get("scope")), []).append(names.get(cid, cid))
    context = {
        "placements": placements,
        "data": data,
        "grid": grid,
        "competitors": competitors,
        "names": names,
        "me": me,
        "map": segmentation(kb, data.get("rows", [])),
        "with_history": [p for p in data.get("products", []) if _live_offers(data, p.get("id"))],
    }
    return render(request, "positioning.html", context)


@router.get("/positioning/history/{product_id}")
def product_history(request: Request, product_id: str, user: PageViewer) -> JSONResponse:
    """Chart series (JSON) of the live offers standing for one reference product: one line per competitor."""
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        data = pos.table(session)
        names = analysis_doc.names(kb)
        as_of = datetime.fromisoformat(data["as_of"]) if data.get("as_of") else None
        live = [
            (row["competitor"], row["offer"]["sku"], row["offer"].get("region"))
            for row in _live_offers(data, product_id)
        ]

        def chart() -> list[dict[str, Any]]:
            found = offers.histories(session, live, limit=200)
            return [
                {
                    "label": names.get(key[0], key[0]),
                    "color": competitor_colour(key[0]),
                    "points": offers.series(session, found[key], as_of),
                }
                for key in live
            ]

        # the table's rows seen at its as_of: kept until a write changes the table's inputs
        what = ("history", product_id, data.get("as_of"), tuple(live), tuple(names.items()))
        lines = pos.derived(session, what, chart)
    return JSONResponse(lines)
