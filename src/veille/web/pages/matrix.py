"""The comparison matrix: every score with its evidence; editors change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back, is_htmx
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)


def _columns(kb: dict[str, Any]) -> list[dict[str, str]]:
    """The matrix's columns (id and the label the analysis gives them)."""
    matrix = kb.get("matrix") or {}
    names = analysis_doc.names(kb)
    if matrix.get("columns"):
        return [
            {"id": r["competitor"], "label": r.get("label") or names.get(r["competitor"], r["competitor"])}
            for r in matrix["columns"]
        ]
    return [{"id": cid, "label": names.get(cid, cid)} for cid in (matrix.get("scores") or {})]


@router.get("/matrix")
def matrix(request: Request, user: PageViewer) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        evidence = analysis_doc.evidence_map(session)
    context = {"matrix": kb.get("matrix") or {}, "columns": _columns(kb), "evidence": evidence}
    return render(request, "matrix.html", context)


def _cell(request: Request, competitor: str, criterion: str, editing: bool) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        analysis_doc.competitor(kb, competitor)
        found = analysis_doc.evidence(session, competitor, criterion)
    score = (((kb.get("matrix") or {}).get("scores") or {}).get(competitor) or {}).get(criterion)
    context = {
        "competitor": competitor,
        "criterion": criterion,
        "score": score,
        "ev": found,
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
    return _cell(request, competitor, criterion, edit and user.can("editor"))


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
        analysis_doc.set_score(session, competitor, criterion, score, evidence, evidence_url, user.name)
    if is_htmx(request):
        return _cell(request, competitor, criterion, False)
    return back(request, "/matrix")
