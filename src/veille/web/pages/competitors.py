"""Competitors by tier and threat, and one competitor's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from veille.store.competitors import sync
from veille.web import kbview
from veille.web.cache import CachedRoute
from veille.web.data import events, notes, offers, signals
from veille.web.deps import PageViewer, db
from veille.web.i18n import request_locale
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
LIVE_ROWS = 40  # the cheapest current offers shown (filter by category for more)
CHART_LINES = 4


@router.get("/competitors")
def competitors(request: Request, user: PageViewer) -> Response:
    sync(request.app.state.store)  # records changed from the command line show at once
    with db(request) as session:
        kb = kbview.current(session, request_locale(request))
        live = offers.live_counts(session)
    return render(request, "competitors.html", {"groups": kbview.by_tier(kb), "live": live})


@router.get("/competitors/{competitor_id}")
def competitor(
    request: Request, competitor_id: str, user: PageViewer, category: str | None = Query(None, max_length=20)
) -> Response:
    sync(request.app.state.store)
    with db(request) as session:
        kb = kbview.current(session, request_locale(request))
        profile = kbview.competitor(kb, competitor_id)  # the analysis's sheet, or the record's facts
        live = offers.live(session, competitor_id, category=category or None, limit=LIVE_ROWS)
        context = {
            "c": profile,
            "offers": live,
            "category": category or "",
            "chart": any(o.monthly_eur is not None for o in live),
            "incidents": signals.incidents_page(session, competitor=competitor_id, limit=8).items,
            "ratings": signals.latest_ratings(session, competitor_id),
            "reviews": signals.reviews(session, competitor_id, limit=5),
            "jobs": signals.jobs(session, competitor_id),
            "news": signals.news(session, competitor_id, limit=10),
            "events": events.page(session, competitor=competitor_id, limit=10).items,
            "notes": notes.page(session, competitor=competitor_id, limit=5).items,
            "matrix": kb.get("matrix") or {},
            "kb_prices": _kb_prices(kb, competitor_id),
            "claims": _against(session, competitor_id),
        }
    return render(request, "competitor.html", context)


def _against(session: Any, competitor_id: str) -> list[dict[str, Any]]:
    """The claims about this competitor the live data contradicts or weakens (docs/claims.md)."""
    from veille.analysis.claims import stored

    found = stored(session, competitor=competitor_id)
    return [c for c in found if c["verdict"] in ("contradicted", "weakened") and c["status"] != "dismissed"]


def _kb_prices(kb: dict[str, Any], competitor_id: str) -> list[tuple[str, Any]]:
    table = kb.get("price_table") or {}
    out = []
    for product in table.get("products", []):
        cell = ((table.get("prices") or {}).get(product.get("id")) or {}).get(competitor_id, "absent")
        if cell != "absent":
            out.append((str(product.get("label") or product.get("id")), cell))
    return out


@router.get("/competitors/{competitor_id}/prices.json")
def price_history(
    request: Request, competitor_id: str, user: PageViewer, category: str | None = Query(None, max_length=20)
) -> JSONResponse:
    """Chart series (JSON) of the price history of the competitor's cheapest current offers."""
    with db(request) as session:
        live = offers.live(session, competitor_id, category=category or None, limit=CHART_LINES * 3)
        return JSONResponse(offers.chart_for(session, competitor_id, live, most=CHART_LINES))
