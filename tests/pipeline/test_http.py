"""The shared fetcher over loopback HTTP: retries, caps, timeouts, resets, 304, robots.txt, limits, auth."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request as WRequest
from werkzeug import Response

from veille.errors import CredentialMissing, FetchError
from veille.settings import Settings
from veille.sources._http import Fetcher, retry_after_seconds
from veille.sources._registry import Request, SourceSpec

REAL = "https://api.example.test"


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def fetcher(httpserver: HTTPServer, sleeps: Sleeps | None = None, **settings: Any) -> Fetcher:
    base = httpserver.url_for("/").rstrip("/")
    values: dict[str, Any] = {"http_retries": 3, "http_timeout": 5.0, "url_map": {REAL: base}}
    values.update(settings)
    return Fetcher(Settings(**values), sleep=sleeps or Sleeps())


def spec(path: str = "/v1/items", **kw: Any) -> SourceSpec:
    return SourceSpec(
        id="t.src",
        competitor="hetzner",
        kind="prices",
        parser="toy.catalog",
        url=REAL + path,
        cadence=timedelta(hours=1),
        **kw,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _fetch_one(f: Fetcher, url: str, **kw: Any) -> Any:
    async with f:
        return await f.fetch(Request(url), **kw)


def test_retries_honour_retry_after_seconds_and_send_the_real_path(httpserver: HTTPServer) -> None:
    calls = {"n": 0}

    def handler(request: WRequest) -> Response:
        calls["n"] += 1
        if calls["n"] < 3:
            return Response("busy", status=503, headers={"Retry-After": "7"})
        assert request.args["page"] == "2"
        assert request.headers["User-Agent"].startswith("veille/")
        return Response(b'{"ok": true}', content_type="application/json")

    httpserver.expect_request("/v1/items").respond_with_handler(handler)
    sleeps = Sleeps()
    page = run(_fetch_one(fetcher(httpserver, sleeps), REAL + "/v1/items?page=2"))
    assert page.body == b'{"ok": true}' and page.status == 200
    assert page.url == REAL + "/v1/items?page=2"  # the real URL is what gets recorded
    assert sleeps.calls == [7.0, 7.0]


def test_retry_after_as_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (retry_after_seconds(format_datetime(later, usegmt=True)) or 0) <= 31
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds("12") == 12.0


def test_429_storm_gives_up_with_a_clear_error_and_capped_waits(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "90"})
    )
    sleeps = Sleeps()
    f = fetcher(httpserver, sleeps, http_deadline=1000)
    f.max_wait = 60
    with pytest.raises(FetchError) as err:
        run(_fetch_one(f, REAL + "/v1/items"))
    assert "HTTP 429" in str(err.value) and "gave up after 4 attempts" in str(err.value)
    assert err.value.status == 429
    assert sleeps.calls == [60, 60, 60]


def test_a_retry_after_past_the_deadline_fails_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "3600"})
    )
    sleeps = Sleeps()
    with pytest.raises(FetchError) as err:
        run(_fetch_one(fetcher(httpserver, sleeps, http_deadline=60), REAL + "/v1/items"))
    assert "Retry-After 3600" in str(err.value) and "60s deadline (VEILLE_HTTP_DEADLINE" in str(err.value)
    assert err.value.status == 429 and sleeps.calls == [] and len(httpserver.log) == 1


def test_back_off_stops_at_the_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items").respond_with_data("oops", status=503)
    sleeps = Sleeps()
    with pytest.raises(FetchError) as err:  # waits of 1 + 2 s fit in 4 s, the next one (4 s) does not
        run(_fetch_one(fetcher(httpserver, sleeps, http_deadline=4, http_retries=5), REAL + "/v1/items"))
    assert "within the 4s deadline" in str(err.value) and "HTTP 503" in str(err.value)
    assert sleeps.calls == [1.0, 2.0] and len(httpserver.log) == 3


def test_a_dripping_server_is_cut_off_at_the_deadline() -> None:
    """One byte every 0.2 s never trips the 5 s read timeout (the 30 bytes would take 6 s); the 1 s deadline
    ends the request, retries included."""
    with drip_server(interval=0.2) as port:
        f = Fetcher(
            Settings(http_retries=3, http_deadline=1.0, url_map={REAL: f"http://127.0.0.1:{port}"}),
            sleep=Sleeps(),
        )
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"within the 1s deadline \(VEILLE_HTTP_DEADLINE\)"):
            run(_fetch_one(f, REAL + "/drip"))
        assert time.monotonic() - started < 30  # generous bound: it ends


def test_streamed_documents_and_robots_txt_have_their_deadlines_too(tmp_path: Any) -> None:
    with drip_server(interval=0.2) as port:
        settings = Settings(
            http_retries=0,
            http_deadline=0.5,
            http_deadline_streamed=1.0,
            url_map={REAL: f"http://127.0.0.1:{port}"},
        )
        f = Fetcher(settings, sleep=Sleeps(), spool_dir=tmp_path)
        with pytest.raises(FetchError, match=r"within the 1s deadline \(VEILLE_HTTP_DEADLINE_STREAMED\)"):
            run(_fetch_one(f, REAL + "/offers.json", streaming=True))
        assert list(tmp_path.iterdir()) == []  # the partial body is not left behind
        f = Fetcher(settings, sleep=Sleeps())
        with pytest.raises(FetchError, match=r"robots.txt not read within the 0.5s deadline"):
            run(_fetch_one(f, REAL + "/pricing", html=True))


@contextlib.contextmanager
def drip_server(interval: float) -> Iterator[int]:
    """A loopback server answering 200 with a 30-byte body sent one byte every ``interval`` s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n")
                while not stop.wait(interval):
                    conn.sendall(b"x")
            except OSError:
                return

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


def test_5xx_backs_off_exponentially_without_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items").respond_with_data("oops", status=502)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="HTTP 502"):
        run(_fetch_one(fetcher(httpserver, sleeps), REAL + "/v1/items"))
    assert sleeps.calls == [1.0, 2.0, 4.0]


def test_4xx_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items").respond_with_data("no", status=403)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="HTTP 403"):
        run(_fetch_one(fetcher(httpserver, sleeps), REAL + "/v1/items"))
    assert sleeps.calls == []


def test_size_cap_declared_and_streamed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 300_000)

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 10_000

    httpserver.expect_request("/chunked").respond_with_response(Response(chunks()))
    with pytest.raises(FetchError, match="cap"):
        run(_fetch_one(fetcher(httpserver, http_max_bytes=100_000), REAL + "/big"))
    with pytest.raises(FetchError, match="cap"):
        run(_fetch_one(fetcher(httpserver, http_max_bytes=100_000), REAL + "/chunked"))


def test_streaming_bodies_go_to_a_temp_file(httpserver: HTTPServer, tmp_path: Any) -> None:
    httpserver.expect_request("/offer.json").respond_with_data(b"z" * 200_000)
    f = fetcher(httpserver, http_max_bytes=1000)
    f.spool_dir = tmp_path
    page = run(_fetch_one(f, REAL + "/offer.json", streaming=True))
    assert page.body is None and page.path is not None and page.path.stat().st_size == 200_000
    assert page.path.parent == tmp_path and page.size == 200_000
    page.discard()
    assert not page.path.exists()


def test_timeout_becomes_a_fetch_error(httpserver: HTTPServer) -> None:
    def slow(request: WRequest) -> Response:
        time.sleep(1.0)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchError, match="timed out"):
        run(_fetch_one(fetcher(httpserver, http_timeout=0.2, http_retries=0), REAL + "/slow"))


def test_connection_reset_becomes_a_fetch_error() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.recv(1024)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()  # RST

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        f = Fetcher(Settings(http_retries=1, url_map={REAL: f"http://127.0.0.1:{port}"}), sleep=Sleeps())
        with pytest.raises(FetchError, match="network error") as err:
            run(_fetch_one(f, REAL + "/x"))
        assert "gave up after 2 attempts" in str(err.value)
    finally:
        stop.set()
        thread.join()
        server.close()


def test_conditional_get_304_means_unchanged(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/items", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/v1/items").respond_with_data(
        b"[1]", headers={"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"}
    )

    async def go() -> tuple[Any, Any]:
        async with fetcher(httpserver) as f:
            first = await f.fetch_source(spec())
            second = await f.fetch_source(spec(), validators=first.validators)
            return first, second

    first, second = run(go())
    assert first.validators == {
        REAL + "/v1/items": {"etag": '"v1"', "last_modified": "Wed, 25 Nov 2026 10:00:00 GMT"}
    }
    assert second.not_modified and not second.pages


def test_robots_txt_disallow_blocks_html_sources(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/public").respond_with_data("<html>ok</html>")

    async def go(path: str) -> Any:
        async with fetcher(httpserver) as f:
            return await f.fetch_source(spec(path, html=True))

    with pytest.raises(FetchError, match=r"robots\.txt"):
        run(go("/private/pricing"))
    assert run(go("/public")).pages[0].body == b"<html>ok</html>"


def test_per_host_concurrency_limit(httpserver: HTTPServer) -> None:
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def handler(request: WRequest) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Response("ok")

    httpserver.expect_request("/n").respond_with_handler(handler)

    async def go() -> None:
        async with fetcher(httpserver, http_per_host=2) as f:
            await asyncio.gather(*(f.fetch(Request(REAL + "/n")) for _ in range(6)))

    run(go())
    assert state["max"] <= 2


def test_auth_header_only_when_configured(httpserver: HTTPServer) -> None:
    seen: list[str | None] = []

    def handler(request: WRequest) -> Response:
        seen.append(request.headers.get("Authorization"))
        return Response("[]")

    httpserver.expect_request("/v1/server_types").respond_with_handler(handler)
    secured = spec("/v1/server_types", credential="hetzner_token")

    async def go(f: Fetcher, s: SourceSpec) -> Any:
        async with f:
            return await f.fetch_source(s)

    with pytest.raises(CredentialMissing, match="VEILLE_HETZNER_TOKEN"):
        run(go(fetcher(httpserver), secured))
    run(go(fetcher(httpserver, hetzner_token=SecretStr("s3cret")), secured))
    run(go(fetcher(httpserver, hetzner_token=SecretStr("s3cret")), spec("/v1/server_types")))
    assert seen == ["Bearer s3cret", None]


def test_auth_params_never_reach_the_recorded_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v1/skus", query_string={"currencyCode": "EUR", "key": "k3y"}
    ).respond_with_data("{}")
    s = spec(
        "/v1/skus",
        credential="gcp_api_key",
        params={"currencyCode": "EUR"},
        auth=lambda t: {"params": {"key": t}},
    )

    async def go() -> Any:
        async with fetcher(httpserver, gcp_api_key=SecretStr("k3y")) as f:
            return await f.fetch_source(s)

    page = run(go()).pages[0]
    assert "k3y" not in page.url and page.url.endswith("/v1/skus?currencyCode=EUR")


def test_pagination_follows_the_paginator(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p", query_string="page=1").respond_with_data("1", headers={"Link": "next"})
    httpserver.expect_request("/p", query_string="page=2").respond_with_data("2")

    def paginate(req: Request, headers: Any, body: bytes) -> Request | None:
        return Request(req.url, params={"page": "2"}) if "link" in headers else None

    async def go() -> Any:
        async with fetcher(httpserver) as f:
            return await f.fetch_source(spec("/p", params={"page": "1"}, paginate=paginate))

    pages = run(go()).pages
    assert [p.body for p in pages] == [b"1", b"2"]


def test_many_pages_are_spooled_to_disk(httpserver: HTTPServer, tmp_path: Any) -> None:
    httpserver.expect_request("/p", query_string="page=1").respond_with_data(
        "first", headers={"Link": "next"}
    )
    httpserver.expect_request("/p", query_string="page=2").respond_with_data("second")

    def paginate(req: Request, headers: Any, body: bytes) -> Request | None:
        return Request(req.url, params={"page": "2"}) if "link" in headers else None

    async def go() -> Any:
        f = fetcher(httpserver)
        f.spool_dir, f.spool_after = tmp_path, 1
        async with f:
            return await f.fetch_source(spec("/p", params={"page": "1"}, paginate=paginate))

    result = run(go())
    assert [p.read() for p in result.pages] == [b"first", b"second"]
    assert result.pages[0].body is None and result.pages[0].path is not None
    result.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_body_cut_off_midway_is_retried_then_fails_clearly() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    stop = threading.Event()
    served = {"n": 0}

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.recv(4096)
            served["n"] += 1
            conn.sendall(
                b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{"items": ['
            )
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        sleeps = Sleeps()
        f = Fetcher(Settings(http_retries=1, url_map={REAL: f"http://127.0.0.1:{port}"}), sleep=sleeps)
        with pytest.raises(FetchError, match="network error") as err:
            run(_fetch_one(f, REAL + "/cut"))
        assert "gave up after 2 attempts" in str(err.value) and served["n"] == 2 and sleeps.calls == [1.0]
    finally:
        stop.set()
        thread.join()
        server.close()
