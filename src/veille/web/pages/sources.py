"""The watch plan and its sources: status, last run, errors, enable or disable, credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import sources
from veille.web.deps import PageAdmin, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)


PAGE_SIZE = 50
HEALTH_ORDER = {"failing": 0, "ok": 1, "never": 2, "disabled": 3}  # problems, then what runs


@router.get("/sources")
def sources_page(
    request: Request,
    user: PageViewer,
    status: Annotated[str, Query(max_length=20)] = "",
    competitor: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """Every source, problems first; filter by status, competitor and kind."""
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        views = sources.views(session, request.app.state.settings)
        from veille.ai.client import usage

        ai = usage(session, request.app.state.settings)
    shown = [
        v
        for v in views
        if (not status or v.health == status)
        and (not competitor or v.competitor == competitor)
        and (not kind or v.kind == kind)
    ]
    shown.sort(key=lambda v: (HEALTH_ORDER.get(v.health, 9), v.competitor or "~", v.id))
    start = (page - 1) * PAGE_SIZE
    context = {
        "sources": shown[start : start + PAGE_SIZE],
        "matching": len(shown),
        "page": page,
        "pages": max(1, -(-len(shown) // PAGE_SIZE)),
        "total": len(views),
        "filters": {"status": status, "competitor": competitor, "kind": kind},
        "kinds": sorted({v.kind for v in views}),
        "source_competitors": sorted({v.competitor for v in views if v.competitor}),
        "health": sources.health_counts(views),
        "watch_items": kb.get("watch_items") or [],
        "names": analysis_doc.names(kb),
        "ai": ai,
    }
    return render(request, "sources.html", context)


@router.get("/sources/{source_id}")
def source_page(request: Request, source_id: str, user: PageViewer) -> Response:
    with db(request) as session:
        views = [v for v in sources.views(session, request.app.state.settings) if v.id == source_id]
        if not views:
            from veille.errors import NotFoundError

            raise NotFoundError(f"no source {source_id!r}")
        runs = sources.runs(session, source_id, limit=30)
        from veille.ai.client import recent_calls

        readings = recent_calls(session, source_id)
        names = analysis_doc.names(analysis_doc.current(session, request_locale(request)))
    context = {
        "s": views[0],
        "names": names,
        "runs": runs,
        "readings": readings,
        "ai_on": request.app.state.settings.ai_enabled,
    }
    return render(request, "source.html", context)


@router.post("/sources/{source_id}/enabled")
def toggle(request: Request, source_id: str, user: PageAdmin, enabled: Annotated[bool, Form()]) -> Response:
    with db(request) as session:
        sources.set_enabled(session, source_id, enabled)
    return back(request, "/sources", "enabled" if enabled else "disabled")
