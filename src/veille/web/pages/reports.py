"""Reports: generate (analysis, digest, battlecard; FR/EN; Markdown, HTML, PDF) and download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import FileResponse, Response

from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import reports
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)


@router.get("/reports")
def reports_page(request: Request, user: PageViewer) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
    context = {
        "files": reports.files(request.app.state.workspace),
        "kinds": reports.KINDS,
        "formats": reports.FORMATS,
        "competitors": [c for c in analysis_doc.competitors(kb) if c.get("tier") != "self"],
    }
    return render(request, "reports.html", context)


@router.post("/reports")
def generate(
    request: Request,
    user: PageEditor,
    kind: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "fr",
    format: Annotated[str, Form()] = "html",
    competitor: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    made = reports.generate(request.app.state.workspace, kind, lang, format, competitor or None)
    return back(request, "/reports", made.name)


@router.get("/reports/files/{name}")
def download(request: Request, name: str, user: PageViewer) -> Response:
    path = reports.path_of(request.app.state.workspace, name)
    media = reports.MEDIA[path.suffix]
    return FileResponse(path, media_type=media, filename=name, content_disposition_type="attachment")
