"""Who is asking: the page visitor (session cookie + CSRF) and the API client (bearer token)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from veille.auth import Principal, get_user, touch, user_for_token
from veille.store.changes import DataVersion
from veille.web.security import CSRF_FIELD, CSRF_HEADER

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_EVERY = timedelta(minutes=5)


class LoginRequired(Exception):
    """An anonymous visitor asked for a page: redirect to /login."""


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """A session of the app's store, in one transaction."""
    with request.app.state.store.session() as session:
        yield session


class PrincipalCache:
    """Who a session or token stands for, remembered while nothing was written to the database.

    Each entry holds the ``DataVersion`` token it was read under, so a revoked token, a removed user, a
    changed password or role (all writes) take effect at the next request, in every server process.
    Without a version to compare (an in-memory database), nothing is remembered.
    """

    def __init__(self, version: DataVersion | None = None, size: int = 10_000) -> None:
        self.version = version
        self.size = size
        self._items: dict[object, tuple[Any, Principal]] = {}
        self._lock = threading.Lock()

    def current(self) -> Any:
        return self.version.token() if self.version is not None else None

    def get(self, key: object) -> Principal | None:
        with self._lock:
            item = self._items.get(key)
        if item is None:
            return None
        now = self.current()
        return item[1] if now is not None and item[0] == now else None

    def put(self, key: object, principal: Principal, seen: Any) -> None:
        """Remember ``principal`` as read under version ``seen`` (taken before the read)."""
        if seen is None:
            return
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (seen, principal)


def principals(request: Request) -> PrincipalCache:
    """The app's cache of verified callers."""
    cache = getattr(request.app.state, "principals", None)
    if cache is None:
        cache = request.app.state.principals = PrincipalCache()
    return cache


def _remembered(cache: PrincipalCache, key: object, read: Callable[[], Principal | None]) -> Principal | None:
    """``cache``'s principal for ``key``, else ``read()``'s, kept only if no write came in between (a
    read that recorded a last use or visit moved the version itself: it is read once more)."""
    user = cache.get(key)
    if user is not None:
        return user
    for _ in range(2):
        seen = cache.current()
        user = read()
        if user is None:
            return None
        if cache.current() == seen:
            cache.put(key, user, seen)
            break
    return user


def session_user(request: Request) -> Principal | None:
    """The user of the request's session cookie, if it is valid and of the user's current epoch."""
    data = request.app.state.sessions.load(request)
    if data is None:
        return None

    def read() -> Principal | None:
        with db(request) as session:
            user = get_user(session, data.user_id)
            now = datetime.now(UTC)
            if user is not None and (user.last_seen_at is None or now - user.last_seen_at > TOUCH_EVERY):
                touch(session, user.id, now)
        return user

    user = _remembered(principals(request), ("user", data.user_id), read)
    return user if user is not None and user.epoch == data.epoch else None


def token_user(request: Request, token: str) -> Principal | None:
    """The owner of API token ``token``, or None."""

    def read() -> Principal | None:
        with db(request) as session:
            return user_for_token(session, token)

    return _remembered(principals(request), ("token", hashlib.sha256(token.encode()).digest()), read)


def bearer_token(request: Request) -> str | None:
    """The credential of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def page_user(request: Request) -> Principal:
    """The signed-in user of a page request; anonymous visitors are sent to /login."""
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    data = request.app.state.sessions.load(request)
    request.state.user = user
    request.state.csrf = data.csrf
    request.state.since = data.since
    return user


async def _csrf(request: Request, user: Annotated[Principal, Depends(page_user)]) -> Principal:
    if request.method not in SAFE_METHODS:
        submitted = request.headers.get(CSRF_HEADER, "")
        if not submitted:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else ""
        if not submitted or not secrets.compare_digest(submitted, request.state.csrf):
            raise HTTPException(403, "The form expired or did not come from this site (CSRF check failed).")
    return user


def page_role(role: str) -> Callable[..., Principal]:
    """A dependency: the signed-in user with ``role`` at least, CSRF-checked on writes."""

    def check(user: Annotated[Principal, Depends(_csrf)]) -> Principal:
        if not user.can(role):
            raise HTTPException(403, f"This needs the {role} role.")
        return user

    return check


PageViewer = Annotated[Principal, Depends(page_role("viewer"))]
PageEditor = Annotated[Principal, Depends(page_role("editor"))]
PageAdmin = Annotated[Principal, Depends(page_role("admin"))]

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API token from `veille users token NAME`, sent as `Authorization: Bearer TOKEN`.",
)


def api_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Principal:
    """The owner of the bearer token; 401 without a valid one."""
    user = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        user = token_user(request, credentials.credentials)
    if user is None:
        raise HTTPException(401, "A valid API token is required.", headers={"WWW-Authenticate": "Bearer"})
    return user


def any_user(request: Request) -> Principal:
    """The caller by bearer token or, failing one, by session cookie; 401 without either."""
    token = bearer_token(request)
    user = token_user(request, token) if token else session_user(request)
    if user is None:
        raise HTTPException(401, "Sign in or send a valid API token.", headers={"WWW-Authenticate": "Bearer"})
    return user


def api_role(role: str) -> Callable[..., Principal]:
    def check(user: Annotated[Principal, Depends(api_user)]) -> Principal:
        if not user.can(role):
            raise HTTPException(403, f"This needs the {role} role.")
        return user

    return check


ApiViewer = Annotated[Principal, Depends(api_user)]
ApiEditor = Annotated[Principal, Depends(api_role("editor"))]
ApiAdmin = Annotated[Principal, Depends(api_role("admin"))]
