"""Manual intelligence: quarterly reviews, secret-shopping logs, analyst-report notes, G2/Capterra ratings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.errors import ValidationError
from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import notes, signals
from veille.web.data.paging import RowId
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back, decimal_or_none
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)


def _required(value: str, field: str) -> Decimal:
    number = decimal_or_none(value, field)
    if number is None:
        raise ValidationError(f"{field}: a number is required")
    return number


@router.get("/notes")
def notes_page(
    request: Request,
    user: PageViewer,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        page = notes.page(session, kind=kind or None, limit=30, cursor=cursor)
        ratings = signals.ratings_page(session, limit=15).items
    context = {
        "notes": page.items,
        "next_cursor": page.next_cursor,
        "kind": kind or "",
        "kinds": notes.NOTE_KINDS,
        "ratings": ratings,
        "platforms": notes.RATING_PLATFORMS,
        "competitors": analysis_doc.competitors(kb),
        "names": analysis_doc.names(kb),
    }
    return render(request, "notes.html", context)


@router.post("/notes")
def add_note(
    request: Request,
    user: PageEditor,
    kind: Annotated[str, Form(max_length=30)],
    title: Annotated[str, Form(max_length=500)],
    body: Annotated[str, Form(max_length=20000)] = "",
    competitor: Annotated[str, Form(max_length=40)] = "",
    happened_on: Annotated[str, Form(max_length=10)] = "",
    score: Annotated[str, Form(max_length=10)] = "",
    source: Annotated[str, Form(max_length=200)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    data = {k: v.strip() for k, v in (("source", source), ("url", url)) if v.strip()}
    with db(request) as session:
        notes.add_note(
            session,
            kind=kind,
            competitor=competitor or None,
            title=title,
            body=body,
            author=user.name,
            score=decimal_or_none(score, "score"),
            happened_on=happened_on or None,
            data=data,
        )
    return back(request, "/notes")


@router.post("/notes/{note_id}/delete")
def delete_note(request: Request, note_id: RowId, user: PageEditor) -> Response:
    with db(request) as session:
        notes.delete_note(session, note_id)
    return back(request, "/notes", "deleted")


@router.post("/ratings")
def add_rating(
    request: Request,
    user: PageEditor,
    competitor: Annotated[str, Form(min_length=1, max_length=40)],
    platform: Annotated[str, Form(max_length=40)],
    score: Annotated[str, Form(max_length=10)],
    scale: Annotated[str, Form(max_length=10)] = "5",
    count: Annotated[int | None, Form(ge=0)] = None,
    as_of: Annotated[str, Form(max_length=10)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with db(request) as session:
        notes.add_rating(
            session,
            competitor=competitor,
            platform=platform,
            score=_required(score, "score"),
            scale=_required(scale or "5", "scale"),
            count=count,
            as_of=as_of or None,
            url=url or None,
            author=user.name,
        )
    return back(request, "/notes")
