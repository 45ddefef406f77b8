"""The analysis's claims and their verdicts against the live data (docs/claims.md), filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from veille.web import kbview
from veille.web.cache import CachedRoute
from veille.web.deps import PageViewer, db
from veille.web.i18n import request_locale
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
VERDICTS = ("contradicted", "weakened", "stale", "unverifiable", "holds")
SECTIONS = ("price_table", "segmentation", "matrix", "strengths", "weaknesses", "our_advantages", "threats")


@router.get("/claims")
def claims_page(
    request: Request,
    user: PageViewer,
    competitor: Annotated[str, Query(max_length=40)] = "",
    verdict: Annotated[str, Query(max_length=20)] = "",
    section: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    from veille.analysis.claims import stored

    lang = request_locale(request)
    with db(request) as session:
        kb = kbview.current(session, lang)
        items = stored(
            session,
            competitor=competitor or None,
            verdict=verdict if verdict in VERDICTS else None,
            section=section if section in SECTIONS else None,
        )
    items.sort(key=lambda c: VERDICTS.index(c["verdict"]) if c["verdict"] in VERDICTS else 9)
    context = {
        "items": items,
        "lang": "en" if lang == "en" else "fr",
        "filters": {"competitor": competitor, "verdict": verdict, "section": section},
        "verdicts": VERDICTS,
        "sections": SECTIONS,
        "competitors": kbview.competitors(kb),
        "names": kbview.names(kb),
    }
    return render(request, "claims.html", context)
