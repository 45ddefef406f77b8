"""Every detected event, newest first, filtered by kind, competitor and importance."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import events
from veille.web.deps import PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages.alerts import EVENT_KINDS
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)


@router.get("/events")
def events_page(
    request: Request,
    user: PageViewer,
    kind: Annotated[str, Query(max_length=40)] = "",
    competitor: Annotated[str, Query(max_length=40)] = "",
    importance: Annotated[str, Query(max_length=10)] = "",
    since: Annotated[datetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        page = events.page(
            session,
            kind=kind or None,
            competitor=competitor or None,
            importance=importance or None,
            since=since,
            limit=50,
            cursor=cursor,
        )
    context = {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "filters": {
            "kind": kind,
            "competitor": competitor,
            "importance": importance,
            "since": since.isoformat() if since else "",
        },
        "kinds": EVENT_KINDS,
        "competitors": analysis_doc.competitors(kb),
        "names": analysis_doc.names(kb),
    }
    return render(request, "events.html", context)
