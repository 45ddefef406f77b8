"""The comparison matrix: every score with its evidence; editors change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.web import kbview
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.pages._util import back, is_htmx
from veille.web.templating import render

router = APIRouter()


def _columns(kb: dict) -> list[dict]:  # type: ignore[type-arg]
    scored = set((kb.get("matrix") or {}).get("scores") or {})
    return [c for c in kbview.competitors(kb) if c["id"] in scored]


@router.get("/matrix")
def matrix(request: Request, user: PageViewer) -> Response:
    with db(request) as session:
        kb = kbview.current(session)
    return render(
        request, "matrix.html", {"kb": kb, "matrix": kb.get("matrix") or {}, "columns": _columns(kb)}
    )


def _cell(request: Request, kb: dict, competitor: str, criterion: str, editing: bool) -> Response:  # type: ignore[type-arg]
    matrix = kb.get("matrix") or {}
    score = ((matrix.get("scores") or {}).get(competitor) or {}).get(criterion)
    context = {
        "competitor": competitor,
        "criterion": criterion,
        "score": score,
        "evidence": kbview.evidence(kb, competitor, criterion),
        "editing": editing,
    }
    return render(request, "_matrix_cell.html", context)


@router.get("/matrix/cell")
def matrix_cell(
    request: Request,
    user: PageViewer,
    competitor: Annotated[str, Query(max_length=40)],
    criterion: Annotated[str, Query(max_length=80)],
    edit: bool = False,
) -> Response:
    with db(request) as session:
        kb = kbview.current(session)
    kbview.competitor(kb, competitor)
    return _cell(request, kb, competitor, criterion, edit and user.can("editor"))


@router.post("/matrix/score")
def set_score(
    request: Request,
    user: PageEditor,
    competitor: Annotated[str, Form(max_length=40)],
    criterion: Annotated[str, Form(max_length=80)],
    score: Annotated[int, Form(ge=0, le=5)],
    evidence: Annotated[str, Form(max_length=5000)] = "",
    evidence_url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with db(request) as session:
        kbview.set_score(session, competitor, criterion, score, evidence, evidence_url, user.name)
    with db(request) as session:
        kb = kbview.current(session)
    if is_htmx(request):
        return _cell(request, kb, competitor, criterion, False)
    return back(request, "/matrix")
