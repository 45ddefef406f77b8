"""Competitors by tier and threat, and one competitor's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from veille.errors import NotFoundError
from veille.kb.competitors import sync
from veille.web import analysis_doc
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
        kb = analysis_doc.current(session, request_locale(request))
        live = offers.live_counts(session)
    return render(request, "competitors.html", {"groups": analysis_doc.by_tier(kb), "live": live})


@router.get("/competitors/{competitor_id}")
def competitor(
    request: Request, competitor_id: str, user: PageViewer, category: str | None = Query(None, max_length=20)
) -> Response:
    sync(request.app.state.store)
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        if competitor_id == analysis_doc.self_id(kb):
            return render(request, "ours.html", _ours(session, kb, competitor_id))
        profile = analysis_doc.competitor(kb, competitor_id)  # the analysis's sheet, or the record's facts
        live = offers.live(session, competitor_id, category=category or None, limit=LIVE_ROWS)
        context = {
            "c": profile,
            "offers": live,
            "category": category or "",
            "chart_categories": [
                c for c in offers.priced_categories(session, competitor_id) if not category or c == category
            ],
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


def _ours(session: Any, kb: dict[str, Any], self_id: str) -> dict[str, Any]:
    """VMCloud's own page: our prices against the market, our differentiators and moat, the claims
    about us, and the competitors' recent moves on what sets us apart (docs/claims.md)."""
    from datetime import UTC, datetime

    from veille.analysis.claims import ours, stored
    from veille.analysis.positioning import positioning

    now = datetime.now(UTC)
    try:
        document = positioning(session, at=now)
    except NotFoundError:
        document = {"products": [], "rows": [], "own_basis": None}
    differentiators = kb.get("differentiators") or []
    moat = kb.get("moat") or {}
    themes = ours.our_themes(differentiators, moat)
    try:
        profile = analysis_doc.competitor(kb, self_id)
    except NotFoundError:
        profile = {"id": self_id, "name": "VMCloud"}
    return {
        "c": profile,
        "standing": ours.standing(document),
        "own_basis": document.get("own_basis"),
        "differentiators": differentiators,
        "moat": moat,
        "themes": themes,
        "theme_labels": {t: {"fr": ours.THEMES[t][0], "en": ours.THEMES[t][1]} for t in ours.THEMES},
        "moves": ours.moves(session, now, themes),
        "claims": sorted(stored(session, competitor=self_id), key=_by_verdict),
        "offers": offers.live(session, self_id, limit=LIVE_ROWS),
        "names": analysis_doc.names(kb),
        "move_days": ours.MOVE_DAYS,
    }


def _by_verdict(claim: dict[str, Any]) -> int:
    """Contradicted first, then weakened, stale, cannot be checked, holds."""
    order = ("contradicted", "weakened", "stale", "unverifiable", "holds")
    return order.index(claim["verdict"]) if claim["verdict"] in order else len(order)


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
