"""Signing in and out, and choosing the language."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from veille.auth import authenticate, begin_visit
from veille.web.deps import PageViewer, db, session_user
from veille.web.i18n import LOCALES
from veille.web.pages._util import safe_next
from veille.web.security import LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, new_session, set_cookie
from veille.web.templating import render

router = APIRouter()
log = logging.getLogger("veille.web")


def _login_form(request: Request, next_path: str, error: str | None = None, status: int = 200) -> Response:
    token, cookie = request.app.state.sessions.prelogin_token(request)
    request.state.csrf = token
    request.state.set_prelogin = cookie
    return render(request, "login.html", {"next": next_path, "error": error}, status_code=status)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if session_user(request) is not None:  # a valid session (an ended one signs in again)
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    if not request.app.state.sessions.prelogin_check(request, csrf_token):
        return _login_form(request, target, "expired", status=403)
    ip = request.client.host if request.client else "unknown"
    limiter = request.app.state.limiter
    with db(request) as session:
        wait = limiter.retry_after(session, ip, username)
    if wait:
        log.warning("sign-in refused (throttled) for %r from %s", username[:200], ip)
        response = _login_form(request, target, "throttled", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    since: datetime | None = None
    with db(request) as session:
        user = authenticate(session, username, password)
        if user is None:
            limiter.failed(session, ip, username)
        else:
            since = begin_visit(session, user.id)
            limiter.succeeded(session, ip, username)
    if user is None:
        log.warning("sign-in failed for %r from %s", username[:200], ip)
        return _login_form(request, target, "invalid", status=401)
    log.info("signed in: %s from %s", user.name, ip)
    response = RedirectResponse(target, status_code=303)
    data = new_session(user.id, since, user.epoch)
    set_cookie(response, request, SESSION_COOKIE, request.app.state.sessions.dump(data), SESSION_MAX_AGE)
    return response


@router.post("/logout")
def logout(request: Request, user: PageViewer) -> Response:
    """Sign out: the cookie is dropped and its session refused from now on, should it be replayed."""
    signed_out = request.app.state.sessions.signed_out
    if signed_out is not None:
        with db(request) as session:
            signed_out.add(session, request.state.csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(request: Request, code: str, next: str = "/") -> Response:
    """Switch the dashboard's language (kept in a cookie for a year)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LOCALES:
        set_cookie(response, request, LANG_COOKIE, code, 365 * 86400)
    return response
