"""Web security: response headers, signed session cookies, CSRF tokens, login rate limiting."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veille.store.changes import DataVersion
from veille.store.db import Store
from veille.store.models import LoginFailure, Setting

SESSION_COOKIE = "veille_session"
PRELOGIN_COOKIE = "veille_pre"
LANG_COOKIE = "veille_lang"
SESSION_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response; pages are never cached.

    ``Server-Timing: app;dur=MS`` tells how long the application took (the benchmark reads it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                elapsed = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                names = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secret_key(store: Store, configured: str | None) -> str:
    """The session secret: the configured one, else one generated once and kept in ``settings_kv``."""
    if configured:
        return configured
    with store.session() as session:
        row = session.scalar(select(Setting).where(Setting.key == "web.secret_key"))
        if row is not None and isinstance(row.value.get("value"), str):
            return str(row.value["value"])
        value = secrets.token_urlsafe(48)
        session.add(Setting(key="web.secret_key", value={"value": value}))
    return value


@dataclass
class SessionData:
    """What the session cookie carries: the user, the CSRF token and the previous visit time."""

    user_id: int
    csrf: str
    since: str | None = None  # ISO time of the user's previous visit, for the overview
    epoch: int = 0  # the user's session epoch when signed in (``users.session_epoch``)


class SignedOut:
    """Sessions signed out before their cookie expired: refused by every process until it would have.

    Kept in ``settings_kv`` (a digest of each session's CSRF token and when its cookie expires) and
    read again by each process only after a write to the database (``DataVersion``).
    """

    KEY = "web.signed_out"

    def __init__(self, store: Store, version: DataVersion) -> None:
        self.store, self.version = store, version
        self._seen: Any = object()
        self._digests: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def add(self, session: Session, csrf: str, now: datetime | None = None) -> None:
        """Sign out the session whose CSRF token is ``csrf`` (in ``session``'s transaction)."""
        now = now or datetime.now(UTC)
        row = session.get(Setting, self.KEY)
        if row is None:
            row = Setting(key=self.KEY, value={})
            session.add(row)
        alive = {d: until for d, until in (row.value or {}).items() if until > now.isoformat()}
        alive[_digest(csrf)] = (now + timedelta(seconds=SESSION_MAX_AGE)).isoformat()
        row.value = alive

    def __contains__(self, csrf: str) -> bool:
        token = self.version.token()
        with self._lock:
            if token is None or token != self._seen:
                with self.store.session() as session:
                    row = session.get(Setting, self.KEY)
                    self._digests = frozenset((row.value or {}) if row is not None else ())
                self._seen = token
            return _digest(csrf) in self._digests


def _digest(csrf: str) -> str:
    return hashlib.sha256(csrf.encode()).hexdigest()[:32]


class Sessions:
    """Signed, timed cookies for sessions and the pre-login CSRF token."""

    def __init__(self, secret: str, signed_out: SignedOut | None = None) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="veille.session")
        self._pre = URLSafeTimedSerializer(secret, salt="veille.prelogin")
        self.signed_out = signed_out

    def dump(self, data: SessionData) -> str:
        return self._session.dumps({"u": data.user_id, "c": data.csrf, "s": data.since, "e": data.epoch})

    def load(self, request: Request) -> SessionData | None:
        """The request's valid session, or None (verified once per request, kept on ``request.state``)."""
        try:
            return request.state.session_data
        except AttributeError:
            data = request.state.session_data = self._verify(request)
            return data

    def _verify(self, request: Request) -> SessionData | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            payload: Any = self._session.loads(raw, max_age=SESSION_MAX_AGE)
            data = SessionData(
                int(payload["u"]), str(payload["c"]), payload.get("s"), int(payload.get("e", 0))
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if self.signed_out is not None and data.csrf in self.signed_out:
            return None
        return data

    def prelogin_token(self, request: Request) -> tuple[str, str | None]:
        """The anonymous visitor's CSRF token, and a new cookie value to set if there was none."""
        raw = request.cookies.get(PRELOGIN_COOKIE)
        if raw:
            try:
                return str(self._pre.loads(raw, max_age=SESSION_MAX_AGE)), None
            except BadSignature:
                pass
        token = secrets.token_urlsafe(24)
        return token, self._pre.dumps(token)

    def prelogin_check(self, request: Request, submitted: str) -> bool:
        raw = request.cookies.get(PRELOGIN_COOKIE)
        if not raw or not submitted:
            return False
        try:
            expected = str(self._pre.loads(raw, max_age=SESSION_MAX_AGE))
        except BadSignature:
            return False
        return secrets.compare_digest(expected, submitted)


def is_https(request: Request) -> bool:
    """True behind TLS (uvicorn rewrites the scheme from X-Forwarded-Proto of trusted proxies)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def new_session(user_id: int, last_seen: datetime | None, epoch: int = 0) -> SessionData:
    return SessionData(
        user_id,
        secrets.token_urlsafe(24),
        last_seen.astimezone(UTC).isoformat() if last_seen else None,
        epoch,
    )


def client_key(address: str) -> str:
    """The throttling key of a client address: itself, or its /64 for IPv6 (one host's usual share)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class LoginLimiter:
    """Refuses sign-ins from an address after ``limit`` failures for one name in ``window`` seconds,
    or ``address_limit`` failures for any names; other addresses are never held back.

    The failures are rows of ``login_failures``, so every server process counts the same ones.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, address_limit: int = 20) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window)
        self.address_limit = address_limit

    def retry_after(self, session: Session, address: str, name: str, now: datetime | None = None) -> int:
        """Seconds ``address`` must wait before trying ``name`` again, or 0 when a try is allowed."""
        now = now or datetime.now(UTC)
        key = client_key(address)
        wait = timedelta(0)
        for failures, limit in (
            (self._recent(session, now, key, name.lower()[:200]), self.limit),
            (self._recent(session, now, key), self.address_limit),
        ):
            if len(failures) >= limit:
                wait = max(wait, failures[-limit] + self.window - now)
        seconds = wait.total_seconds()
        return int(seconds) + 1 if seconds > 0 else 0

    def _recent(self, session: Session, now: datetime, key: str, name: str | None = None) -> list[datetime]:
        """When the failures from ``key`` (for ``name``, if given) within the window happened, oldest first."""
        query = select(LoginFailure.failed_at).where(
            LoginFailure.address == key, LoginFailure.failed_at > now - self.window
        )
        if name is not None:
            query = query.where(LoginFailure.name == name)
        return list(session.scalars(query.order_by(LoginFailure.failed_at)))

    def failed(self, session: Session, address: str, name: str, now: datetime | None = None) -> None:
        """Count a failed sign-in (and forget the failures older than the window)."""
        now = now or datetime.now(UTC)
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - self.window))
        session.add(LoginFailure(name=name.lower()[:200], address=client_key(address), failed_at=now))

    def succeeded(self, session: Session, address: str, name: str) -> None:
        """A correct sign-in from ``address`` forgets that address's failures for ``name``."""
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.address == client_key(address), LoginFailure.name == name.lower()[:200]
            )
        )
