"""The analysis's claims and their verdicts against the live data (docs/claims.md), filtered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back
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
        kb = analysis_doc.current(session, lang)
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
        "competitors": analysis_doc.competitors(kb),
        "names": analysis_doc.names(kb),
    }
    return render(request, "claims.html", context)


@router.post("/claims/accept")
def accept_claim(
    request: Request,
    user: PageEditor,
    claim_id: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Accept a contradicted claim's proposed revision: a KB revision by this editor, with the evidence."""
    from veille.analysis.claims.decide import accept

    with db(request) as session:
        accept(
            session, claim_id, author=user.name, reason=reason.strip() or "accepted", now=datetime.now(UTC)
        )
    return back(request, "/claims", "accepted")


@router.post("/claims/dismiss")
def dismiss_claim(
    request: Request,
    user: PageEditor,
    claim_id: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    """Silence a claim until its data moves."""
    from veille.analysis.claims.decide import dismiss

    with db(request) as session:
        dismiss(session, claim_id, author=user.name, reason=reason)
    return back(request, "/claims", "dismissed")


@router.get("/claims/tags")
def tags_page(
    request: Request, user: PageViewer, competitor: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """The analysis's sentences with the tags proposed for them and those an editor chose."""
    from veille.analysis.claims.derive import TAGS
    from veille.analysis.claims.tagging import listing

    lang = request_locale(request)
    with db(request) as session:
        kb = analysis_doc.current(session, lang)
        items = listing(session, competitor or None)
    context = {
        "items": items,
        "tags": TAGS,
        "lang": "en" if lang == "en" else "fr",
        "competitor": competitor,
        "competitors": analysis_doc.competitors(kb),
        "names": analysis_doc.names(kb),
    }
    return render(request, "claim_tags.html", context)


@router.post("/claims/tags")
def save_tags(
    request: Request,
    user: PageEditor,
    key: Annotated[str, Form(max_length=200)],
    tags: Annotated[list[str] | None, Form()] = None,
    reset: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Tag a sentence (the boxes ticked; none ticked: nothing to check), or go back to the proposal."""
    from veille.analysis.claims.tagging import clear_tags, set_tags

    with db(request) as session:
        if reset:
            done = clear_tags(session, key)
        else:
            done = set_tags(session, key, list(tags or []), author=user.name, now=datetime.now(UTC))
    return back(request, f"/claims/tags?competitor={quote(done['competitor'])}#s-{quote(key)}")
