"""Limits at the web edge (pure ASGI middleware): who asks is known before a body byte is read, bodies
are capped and must arrive in time, and one client address holds only so many requests at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veille.auth import Principal
from veille.web.security import client_key

log = logging.getLogger("veille.web")

PUBLIC_WRITES = frozenset({"/login"})
"""The only paths that take a body from an anonymous visitor (the sign-in form)."""
IMPORT_PATHS = frozenset({"/api/v1/kb/import"})
"""Paths whose body may reach the import cap, for editors and admins."""


class BodyTooLarge(HTTPException):
    """The body grew past its cap while it was being read."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"The request body is larger than {cap} bytes.")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return _header(scope, b"transfer-encoding") is not None or (length is not None and length.strip() != b"0")


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def _refusal(scope: Scope, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal the middleware answers itself: problem+json for the API, plain text for pages."""
    path = scope.get("path", "")
    if path.startswith("/api/") or path == "/openapi.json":
        from veille.web.errors import problem

        return problem(status, detail, headers)
    return PlainTextResponse(f"{status}: {detail}", status_code=status, headers=headers)


def _caller(scope: Scope) -> Principal | None:
    """Who sends the body: the token's owner under /api/, the session's user elsewhere (or None)."""
    from veille.web.deps import bearer_token, session_user, token_user

    request = Request(scope)
    if scope["path"].startswith("/api/"):
        token = bearer_token(request)
        return token_user(request, token) if token else None
    return session_user(request)


@dataclass
class _Body:
    """The body as the app reads it: counted against ``cap``, read before ``deadline`` (monotonic)."""

    receive: Receive
    cap: int
    deadline: float
    read: int = 0
    complete: bool = False

    async def __call__(self) -> Message:
        if self.complete:
            return await self.receive()
        remaining = self.deadline - time.monotonic()
        with anyio.move_on_after(max(remaining, 0)) as scope:
            message = await self.receive()
        if scope.cancelled_caught:
            raise HTTPException(408, "The request body did not arrive in time.")
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.cap:
                raise BodyTooLarge(self.cap)
            self.complete = not message.get("more_body", False)
        return message


class _Unread:
    """The body of a request whose sender is unknown: the app sees it empty, the socket is never read."""

    def __init__(self) -> None:
        self.given = False

    async def __call__(self) -> Message:
        if self.given:
            return {"type": "http.disconnect"}
        self.given = True
        return {"type": "http.request", "body": b"", "more_body": False}


def _closing(send: Send, unread: Callable[[], bool]) -> Send:
    """``send`` with ``Connection: close`` on a response given before its request's body was read."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and unread():
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
            message["headers"] = [*headers, (b"connection", b"close")]
        await send(message)

    return wrapped


class BodyLimit:
    """Bodies only from known callers, at most ``max_bytes`` (``import_bytes`` for an editor's
    knowledge-base import), read within ``timeout`` seconds; over-size is 413, before reading if
    ``Content-Length`` tells, else as soon as the count passes the cap."""

    def __init__(self, app: ASGIApp, max_bytes: int, import_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_bytes = import_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        cap = self.max_bytes
        if scope["path"] not in PUBLIC_WRITES:
            user = await run_in_threadpool(_caller, scope)
            if user is None:  # the app answers as to any anonymous visitor (401, or the way to /login)
                await self.app(scope, _Unread(), _closing(send, lambda: True))
                return
            if scope["path"] in IMPORT_PATHS and user.can("editor"):
                cap = self.import_bytes
        length = _content_length(scope)
        if length is not None and length > cap:
            await self._refuse(scope, receive, send, BodyTooLarge(cap))
            return
        body = _Body(receive, cap, time.monotonic() + self.timeout)
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, body, _closing(tracked, lambda: not body.complete))
        except HTTPException as exc:  # raised while reading the body, and not answered by the app
            if started or exc.status_code not in (408, 413):
                raise
            await self._refuse(scope, receive, send, exc)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
        log.warning("refused %s %s: %s", scope.get("method"), scope.get("path"), exc.detail)
        response = _refusal(scope, exc.status_code, str(exc.detail))
        await response(scope, receive, _closing(send, lambda: True))


class ClientLimit:
    """At most ``limit`` requests in progress per client address (an IPv6 /64) in this process;
    more answer 429 with ``Retry-After: 1``. Behind a proxy the address is the one it forwards."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client_key(client[0]) if client else "unknown"
        if self.in_flight.get(key, 0) >= self.limit:
            log.warning(
                "refused %s %s: %s has %d requests in progress",
                scope.get("method"),
                scope.get("path"),
                key,
                self.limit,
            )
            response = _refusal(
                scope, 429, "Too many requests in progress from your address.", {"Retry-After": "1"}
            )
            await response(scope, receive, send)
            return
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.in_flight[key] - 1
            if left:
                self.in_flight[key] = left
            else:
                del self.in_flight[key]
