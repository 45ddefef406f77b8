"""Rendered responses kept while nothing in the database has changed.

A page over a million price rows takes tens of milliseconds to build; the same page asked for again,
by the same signed-in visitor or API token, in the same language, with no write committed since, is the
same bytes. ``CachedRoute`` (the route class of the dashboard's and the API's routers) keeps the
200 responses of GET routes, keyed by path, query, language, HTMX or not, and who asks, and reuses one
only while ``DataVersion.token()`` is unchanged and it is under ``MAX_AGE`` seconds old (pages also
show times relative to now).

Reusing a response never widens access: a hit needs the caller's session cookie to verify (signature
and age) or its token to be one the app checked since the last write to the database, and the key
holds the caller's identity. Responses that set a cookie, stream or are not 200 are never kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from veille.store.changes import DataVersion
from veille.web.deps import principals
from veille.web.i18n import request_locale

MAX_AGE = 60.0  # seconds: relative times ("5 min ago") and staleness flags drift at most this much
LARGEST_SHARE = 8  # one response may take at most 1/8 of the budget

Key = tuple[object, ...]


@dataclass(slots=True)
class _Entry:
    token: Any
    born: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def response(self) -> Response:
        response = Response(self.body, status_code=self.status)
        response.raw_headers = list(self.headers)
        return response


class ResponseCache:
    """Rendered GET responses, least recently used first out, within ``budget_bytes``."""

    def __init__(self, version: DataVersion, budget_bytes: int) -> None:
        self.version = version
        self.budget = budget_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._renders: weakref.WeakValueDictionary[Key, asyncio.Lock] = weakref.WeakValueDictionary()

    def key(self, request: Request) -> Key | None:
        """The cache key of ``request``, or None when it must not be served from the cache."""
        if self.budget <= 0 or request.method != "GET":
            return None
        who = _caller(request)
        if who is None:
            return None
        return (
            request.url.path,
            request.url.query,
            request_locale(request),
            request.headers.get("hx-request") == "true",
            who,
        )

    async def serve(self, key: Key, render: Callable[[], Awaitable[Response]]) -> Response:
        """The kept response for ``key`` if still valid, otherwise ``render()`` (kept if it can be)."""
        version = self.version
        token = await run_in_threadpool(version.token) if version.remote else version.token()
        if token is None:
            return await render()
        hit = self._get(key, token)
        if hit is None:
            lock = self._renders.get(key)
            if lock is None:
                lock = self._renders[key] = asyncio.Lock()
            async with lock:  # one render per key at a time; the others wait and reuse it
                hit = self._get(key, token)
                if hit is None:
                    self.misses += 1
                    response = await render()
                    self._put(key, token, response)
                    return response
        self.hits += 1
        return hit.response()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _get(self, key: Key, token: Any) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.token != token or time.monotonic() - entry.born > MAX_AGE:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def _put(self, key: Key, token: Any, response: Response) -> None:
        body = getattr(response, "body", None)
        if (
            response.status_code != 200
            or not isinstance(body, bytes)
            or len(body) > self.budget // LARGEST_SHARE
            or any(name == b"set-cookie" for name, _ in response.raw_headers)
        ):
            return
        entry = _Entry(token, time.monotonic(), response.status_code, list(response.raw_headers), body)
        with self._lock:
            self._drop(key)
            self._entries[key] = entry
            self._size += len(body)
            while self._size > self.budget and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= len(entry.body)


def _caller(request: Request) -> object | None:
    """Who asks, if the app verified them since the last write: a session or a token digest."""
    cache = principals(request)
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential:
            return None
        key = ("token", hashlib.sha256(credential.encode()).digest())
        return key if cache.get(key) is not None else None
    session = request.app.state.sessions.load(request)
    if session is None:
        return None
    user = cache.get(("user", session.user_id))
    if user is None or user.epoch != session.epoch:
        return None
    return ("session", session.user_id, session.csrf, session.since)


class CachedRoute(APIRoute):
    """A route whose GET responses go through the app's ``ResponseCache`` (``app.state.responses``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "GET" not in (self.methods or ()):
            return handler

        async def cached(request: Request) -> Response:
            cache: ResponseCache | None = getattr(request.app.state, "responses", None)
            if cache is None:
                return await handler(request)
            # the key verifies the caller's session, which may ask the database whether it was signed
            # out (``SignedOut``): a round trip on PostgreSQL, kept off the event loop like the token's
            key = await run_in_threadpool(cache.key, request) if cache.version.remote else cache.key(request)
            if key is None:
                return await handler(request)
            return await cache.serve(key, lambda: handler(request))

        return cached
