"""Limits at the web edge, driven through the ASGI app itself with a ``receive`` that counts the body
bytes pulled: an anonymous body is never read, an over-size one is refused unread (413) or as soon as
its count passes the cap, a slow one gets 408, and one address holds only so many requests at once."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from tests.web.conftest import Site

from veille.settings import Settings
from veille.web.app import create_app
from veille.web.limits import ClientLimit
from veille.workspace import Workspace

T = TypeVar("T")
CHUNK = 64 * 1024
MB = 1024 * 1024


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on its own loop, in a thread (a browser test may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    pulled: int  # body bytes the app took from the client


@dataclass
class Client:
    """A client sending ``size`` bytes of body in 64 KiB chunks (``stall``: then nothing more)."""

    size: int
    stall: bool = False
    pulled: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._chunks = self._messages()

    def _messages(self) -> Iterator[dict[str, Any]]:
        left = self.size
        while left > 0:
            part = min(CHUNK, left)
            left -= part
            yield {"type": "http.request", "body": b"x" * part, "more_body": left > 0 or self.stall}

    async def receive(self) -> dict[str, Any]:
        message = next(self._chunks, None)
        if message is None:
            if self.stall:
                await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        self.pulled += len(message["body"])
        return message

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def call(
    app: Any, method: str, path: str, client: Client, headers: dict[str, str], address: str = "127.0.0.1"
) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (address, 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    run(app(scope, client.receive, client.send))
    start = next(m for m in client.sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in client.sent if m["type"] == "http.response.body")
    named = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], named, body, client.pulled)


def _json(size: int, token: str | None = None, chunked: bool = False) -> dict[str, str]:
    headers = {"content-type": "application/json", "host": "127.0.0.1"}
    headers.update({"transfer-encoding": "chunked"} if chunked else {"content-length": str(size)})
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


def test_an_anonymous_body_is_never_read(site: Site) -> None:
    big = 8 * MB
    answer = call(site.app, "POST", "/api/v1/notes", Client(big), _json(big))
    assert answer.status == 401 and answer.pulled == 0
    assert answer.headers["connection"] == "close"  # the server drops the unread rest
    answer = call(site.app, "POST", "/api/v1/notes", Client(big), _json(big, "vl_forged"))
    assert answer.status == 401 and answer.pulled == 0
    form = {"content-type": "application/x-www-form-urlencoded", "content-length": str(big), "host": "x"}
    answer = call(site.app, "POST", "/notes", Client(big), form)
    assert answer.status == 303 and answer.headers["location"].startswith("/login") and answer.pulled == 0
    chunked = call(site.app, "PUT", "/api/v1/matrix/hetzner/price", Client(big), _json(0, chunked=True))
    assert chunked.status == 401 and chunked.pulled == 0


def test_an_over_size_body_is_refused_before_it_is_read(site: Site) -> None:
    size = 2 * MB
    answer = call(site.app, "POST", "/api/v1/notes", Client(size), _json(size, site.tokens["editor"]))
    assert answer.status == 413 and answer.pulled == 0
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert b"1048576 bytes" in answer.body
    # the sign-in form, open to anyone, has the same cap
    form = {"content-type": "application/x-www-form-urlencoded", "content-length": str(size)}
    answer = call(site.app, "POST", "/login", Client(size), form)
    assert answer.status == 413 and answer.pulled == 0


def test_a_chunked_body_is_cut_when_it_passes_the_cap(site: Site) -> None:
    answer = call(
        site.app, "POST", "/api/v1/notes", Client(64 * MB), _json(0, site.tokens["admin"], chunked=True)
    )
    assert answer.status == 413
    assert MB < answer.pulled <= MB + CHUNK
    assert answer.headers["connection"] == "close"


def test_a_body_within_the_cap_goes_through(site: Site) -> None:
    body = b'{"kind": "strategy", "title": "fits", "body": "' + b"y" * 1000 + b'"}'

    class One(Client):
        def _messages(self) -> Iterator[dict[str, Any]]:
            yield {"type": "http.request", "body": body, "more_body": False}

    answer = call(site.app, "POST", "/api/v1/notes", One(len(body)), _json(len(body), site.tokens["editor"]))
    assert answer.status == 201 and answer.pulled == len(body)
    assert "connection" not in answer.headers


def test_only_editors_knowledge_base_imports_get_the_larger_cap(site: Site) -> None:
    size = 3 * MB  # over the body cap, under the import cap: read, then refused as a document
    editor = call(site.app, "POST", "/api/v1/kb/import", Client(size), _json(size, site.tokens["editor"]))
    assert editor.status == 422 and editor.pulled == size
    viewer = call(site.app, "POST", "/api/v1/kb/import", Client(size), _json(size, site.tokens["viewer"]))
    assert viewer.status == 413 and viewer.pulled == 0
    notes = call(site.app, "POST", "/api/v1/notes", Client(size), _json(size, site.tokens["editor"]))
    assert notes.status == 413 and notes.pulled == 0


def test_caps_and_timeouts_follow_the_settings(site: Site) -> None:
    settings = Settings(
        home=site.workspace.home,
        database_url=None,
        secret_key="test-secret-key",
        max_body_bytes=1000,
        web_body_timeout=0.2,
    )
    app = create_app(Workspace(settings))
    token = site.tokens["editor"]
    assert call(app, "POST", "/api/v1/notes", Client(1001), _json(1001, token)).status == 413
    slow = call(app, "POST", "/api/v1/notes", Client(500, stall=True), _json(900, token))
    assert slow.status == 408 and slow.pulled == 500


def test_one_address_holds_only_so_many_requests() -> None:
    release = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = ClientLimit(slow_app, limit=2)

    async def one(address: str) -> int:
        client = Client(0)
        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "client": (address, 1)}
        await limited(scope, client.receive, client.send)
        return int(next(m for m in client.sent if m["type"] == "http.response.start")["status"])

    async def scenario() -> list[int]:
        held = [asyncio.create_task(one("203.0.113.1")) for _ in range(2)]
        await asyncio.sleep(0)
        refused = await one("203.0.113.1")
        release_after = asyncio.create_task(one("198.51.100.1"))  # another address is not held back
        await asyncio.sleep(0)
        release.set()
        statuses = [refused, *(await asyncio.gather(*held, release_after))]
        statuses.append(await one("203.0.113.1"))  # the count went down again
        return statuses

    assert run(scenario()) == [429, 200, 200, 200, 200]
    assert limited.in_flight == {}


@pytest.mark.parametrize("path", ["/api/v1/notes", "/notes"])
def test_refusals_carry_the_security_headers(site: Site, path: str) -> None:
    answer = call(site.app, "POST", path, Client(2 * MB), _json(2 * MB, site.tokens["editor"]))
    assert answer.status in (303, 413)
    assert "content-security-policy" in answer.headers
