"""Reports: generate (analysis, digest, battlecard; FR/EN; Markdown, HTML, PDF), read in the browser,
download."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from veille.errors import NotFoundError
from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import reports
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)

READ_MEDIA = {".md": "text/plain; charset=utf-8"}
"""What a file is shown as when read in the browser, where it differs from its download type
(Markdown reads as text: browsers download ``text/markdown``)."""

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
"""A written HTML report's policy when read inline: its own inline style and charts, nothing else; the
sandbox gives it no script and no access to the dashboard's origin (what it quotes was scraped)."""

PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
"""A PDF's policy: the browser's own viewer may show it; it loads nothing."""


def _written(request: Request, name: str | None) -> reports.ReportFile | None:
    """The report just generated (named by the redirect after the form), if it is there."""
    if not name:
        return None
    try:
        path = reports.path_of(request.app.state.workspace, name)
    except NotFoundError:
        return None
    return next((f for f in reports.files(request.app.state.workspace) if f.name == path.name), None)


@router.get("/reports")
def reports_page(
    request: Request, user: PageViewer, written: Annotated[str | None, Query(max_length=210)] = None
) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
    context = {
        "files": reports.files(request.app.state.workspace),
        "kinds": reports.KINDS,
        "formats": reports.FORMATS,
        "competitors": [c for c in analysis_doc.competitors(kb) if c.get("tier") != "self"],
        "written": _written(request, written),
        "flash": "",  # the page says itself what was written, with a link to it
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
    return RedirectResponse(f"/reports?written={quote(made.name)}", status_code=303)


@router.get("/reports/files/{name}")
def read(request: Request, name: str, user: PageViewer) -> Response:
    """The report shown in the browser (HTML and PDF inline, Markdown as text)."""
    path = reports.path_of(request.app.state.workspace, name)
    media = READ_MEDIA.get(path.suffix, reports.MEDIA[path.suffix])
    response = FileResponse(path, media_type=media, filename=name, content_disposition_type="inline")
    if path.suffix == ".html":
        response.headers["content-security-policy"] = REPORT_CSP
    elif path.suffix == ".pdf":
        response.headers["content-security-policy"] = PDF_CSP
    return response


@router.get("/reports/download/{name}")
def download(request: Request, name: str, user: PageViewer) -> Response:
    """The report as a file to save."""
    path = reports.path_of(request.app.state.workspace, name)
    return FileResponse(
        path, media_type=reports.MEDIA[path.suffix], filename=name, content_disposition_type="attachment"
    )
