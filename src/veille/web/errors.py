"""Errors at the web edge: problem+json (RFC 9457) for the API, an error page for people."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from veille.errors import ConfigError, ImportFormatError, NotFoundError, ValidationError, VeilleError
from veille.web.deps import LoginRequired

log = logging.getLogger("veille.web")
PROBLEM = "application/problem+json"


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def problem(
    status: int, detail: str | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM)


def _page(request: Request, status: int, detail: str | None) -> Response:
    from veille.web.templating import render

    try:
        return render(request, "error.html", {"status": status, "detail": detail or ""}, status_code=status)
    except Exception:  # the error page itself must never fail
        log.exception("rendering the error page failed")
        return Response(f"{status} {HTTPStatus(status).phrase}", status_code=status, media_type="text/plain")


def _answer(
    request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None
) -> Response:
    if is_api(request):
        return problem(status, detail, headers)
    return _page(request, status, detail)


VEILLE_STATUS: tuple[tuple[type[VeilleError], int], ...] = (
    (NotFoundError, 404),
    (ValidationError, 422),
    (ImportFormatError, 422),
    (ConfigError, 409),
)


def install(app: FastAPI) -> None:
    """Register the handlers that translate every error."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = None
        return _answer(request, exc.status_code, detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request):
            errors = [
                {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                for e in exc.errors()
            ]
            return problem(422, "The request is not valid.", errors=errors)
        return _page(request, 400, "; ".join(str(e.get("msg", "")) for e in exc.errors()[:5]))

    @app.exception_handler(VeilleError)
    async def veille_error(request: Request, exc: VeilleError) -> Response:
        status = next((code for kind, code in VEILLE_STATUS if isinstance(exc, kind)), 400)
        return _answer(request, status, str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _answer(request, 500, "Something went wrong on our side; it has been logged.")
