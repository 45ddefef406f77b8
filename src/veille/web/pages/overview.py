"""The overview (what changed since my last visit, open alerts, source health) and threats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import events, sources
from veille.web.deps import PageViewer, db
from veille.web.i18n import request_locale
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
DEFAULT_WINDOW = timedelta(days=7)


def _since(request: Request) -> datetime:
    raw = getattr(request.state, "since", None)
    if raw:
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    return datetime.now(UTC) - DEFAULT_WINDOW


@router.get("/")
def overview(request: Request, user: PageViewer) -> Response:
    since = _since(request)
    settings = request.app.state.settings
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        counts = events.counts_since(session, since)
        recent = events.page(session, since=since, limit=12).items
        latest = [] if recent else events.page(session, limit=8).items
        alerts_open = events.alerts_page(session, open_only=True, limit=8).items
        alert_counts = events.alert_counts(session)
        actions = events.open_actions(session, limit=8)
        source_views = sources.views(session, settings)
    failing = [s for s in source_views if s.health == "failing"]
    high = [c for c in analysis_doc.competitors(kb) if c.get("threat") == "high"]
    context: dict[str, Any] = {
        "since": since,
        "first_visit": not getattr(request.state, "since", None),
        "counts": counts,
        "total": sum(counts.values()),
        "recent": recent,
        "latest": latest,
        "alerts": alerts_open,
        "alert_counts": alert_counts,
        "actions": actions,
        "health": sources.health_counts(source_views),
        "failing": failing[:8],
        "high_threats": high,
        "names": analysis_doc.names(kb),
        "kb_loaded": bool(kb),
    }
    return render(request, "overview.html", context)


@router.get("/threats")
def threats(request: Request, user: PageViewer) -> Response:
    since = datetime.now(UTC) - timedelta(days=30)
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        signals = events.page(session, since=since, importance="high", limit=15).items
    opportunities = kb.get("opportunities") or (kb.get("sections") or {}).get("opportunities") or []
    context = {
        "threats": kb.get("threats") or [],
        "opportunities": opportunities,
        "by_threat": sorted(
            (c for c in analysis_doc.competitors(kb) if c.get("threat")),
            key=lambda c: (
                analysis_doc.THREATS.index(c["threat"]) if c["threat"] in analysis_doc.THREATS else 9,
                c.get("name", ""),
            ),
        ),
        "signals": signals,
        "names": analysis_doc.names(kb),
    }
    return render(request, "threats.html", context)
