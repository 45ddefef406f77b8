"""The watch's HTTP/1.1 pool (``veille.sources._wire``) against a loopback server that answers exact bytes."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from veille.errors import FetchError
from veille.netguard import AddressGuard
from veille.settings import Settings
from veille.sources._http import Fetcher, HostPools
from veille.sources._registry import SourceSpec

LOOPBACK = AddressGuard(["127.0.0.1", "localhost"])  # the test servers' addresses, allowed by name
Answer = Callable[[bytes], bytes | None]  # request head -> raw answer (None: close without answering)


class Site:
    """A loopback server: every request head is recorded and answered with ``answer(head)`` raw bytes."""

    def __init__(self, answer: Answer, *, close_after: int = 0, stall: float = 0.0) -> None:
        self.answer, self.close_after, self.stall = answer, close_after, stall
        self.heads: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Site:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                if self.stall:
                    await asyncio.sleep(self.stall)
                raw = self.answer(head)
                if raw is None:
                    break
                writer.write(raw)
                await writer.drain()
                served += 1
                if self.close_after and served >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes, *extra: str) -> Answer:
    headers = "".join(f"{h}\r\n" for h in extra)
    return lambda head: f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


async def get(pools: HostPools, url: str, **kw: Any) -> tuple[httpx.Response, bytes]:
    request = httpx.Request("GET", url, headers=kw.pop("headers", {}), extensions={"timeout": kw})
    response = await pools.handle_async_request(request)
    body = b"".join([chunk async for chunk in response.aiter_bytes()])
    await response.aclose()
    return response, body


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_content_length_body_and_connection_kept_alive() -> None:
    async def go() -> None:
        async with Site(ok(b"hello", 'ETag: "v1"')) as site:
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(3):
                response, body = await get(pools, site.base + "/p?q=1", headers={"X-Test": "a"})
                assert (response.status_code, body, response.headers["etag"]) == (200, b"hello", '"v1"')
            assert site.connections == 1
            assert site.heads[0].startswith(b"GET /p?q=1 HTTP/1.1\r\n")
            assert b"\r\nX-Test: a\r\n" in site.heads[0] and b"\r\nHost: 127.0.0.1:" in site.heads[0]
            await pools.aclose()

    run(go())


def test_chunked_body_with_extensions_and_trailers() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )

    async def go() -> None:
        async with Site(lambda head: raw) as site:
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(2):
                _, body = await get(pools, site.base + "/")
                assert body == b"hello, world"
            assert site.connections == 1  # read to its end: kept alive
            await pools.aclose()

    run(go())


def test_body_until_close_is_read_and_the_connection_not_reused() -> None:
    async def go() -> None:
        async with Site(lambda head: b"HTTP/1.1 200 OK\r\n\r\nall of it", close_after=1) as site:
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(2):
                _, body = await get(pools, site.base + "/")
                assert body == b"all of it"
            assert site.connections == 2
            await pools.aclose()

    run(go())


def test_connection_close_and_http10_answers_are_not_reused() -> None:
    answers = iter(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\na",
            b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc",
        ]
    )

    async def go() -> None:
        async with Site(lambda head: next(answers)) as site:
            pools = HostPools(2, guard=LOOPBACK)
            assert [(await get(pools, site.base + "/"))[1] for _ in range(3)] == [b"a", b"b", b"c"]
            assert site.connections == 3
            await pools.aclose()

    run(go())


def test_304_and_head_have_no_body_and_keep_the_connection() -> None:
    async def go() -> None:
        answer = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 99\r\n\r\n'
        async with Site(lambda head: answer) as site:
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(2):
                response, body = await get(pools, site.base + "/", headers={"If-None-Match": '"v1"'})
                assert (response.status_code, body) == (304, b"")
            assert site.connections == 1
            assert b'If-None-Match: "v1"' in site.heads[0]
            await pools.aclose()

    run(go())


def test_informational_answers_are_skipped_and_folded_headers_joined() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Long: a\r\n  b\r\n\r\nok"

    async def go() -> None:
        async with Site(lambda head: raw) as site:
            pools = HostPools(2, guard=LOOPBACK)
            response, body = await get(pools, site.base + "/")
            assert (response.status_code, body, response.headers["x-long"]) == (200, b"ok", "a b")
            await pools.aclose()

    run(go())


def test_gzip_body_is_decoded_by_httpx() -> None:
    packed = gzip.compress(b"compressed text")

    async def go() -> None:
        async with Site(ok(packed, "Content-Encoding: gzip")) as site:
            pools = HostPools(2, guard=LOOPBACK)
            _, body = await get(pools, site.base + "/")
            assert body == b"compressed text"
            await pools.aclose()

    run(go())


def test_a_kept_alive_connection_closed_by_the_server_is_replaced() -> None:
    async def go() -> None:
        async with Site(ok(b"x"), close_after=1) as site:  # the server closes after each answer, silently
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(3):
                _, body = await get(pools, site.base + "/")
                assert body == b"x"
            assert len(site.heads) == 3 and site.connections == 3
            await pools.aclose()

    run(go())


def test_a_request_the_server_drops_on_a_reused_connection_is_sent_again_if_idempotent() -> None:
    answers = iter([ok(b"1")(b""), None, ok(b"2")(b""), ok(b"3")(b""), None])

    async def go() -> None:
        async with Site(lambda head: next(answers)) as site:
            pools = HostPools(2, guard=LOOPBACK)
            assert (await get(pools, site.base + "/"))[1] == b"1"
            assert (await get(pools, site.base + "/"))[1] == b"2"  # dropped unanswered, sent again
            assert (len(site.heads), site.connections) == (3, 2)
            assert (await get(pools, site.base + "/"))[1] == b"3"
            async with httpx.AsyncClient(transport=pools) as client:  # a POST is not sent twice
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.post(site.base + "/", content=b"once")
            assert len(site.heads) == 5
            await pools.aclose()

    run(go())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "before the end of the body"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc", "inside a chunk"),
    ],
)
def test_truncated_body_is_a_protocol_error_and_the_connection_dropped(raw: bytes, message: str) -> None:
    answers = iter([raw, None])

    async def go() -> None:
        async with Site(lambda head: next(answers), close_after=1) as site:
            pools = HostPools(2, guard=LOOPBACK)
            with pytest.raises(httpx.RemoteProtocolError, match=message):
                await get(pools, site.base + "/")
            assert pools._pools[("http", "127.0.0.1", int(site.base.rsplit(":", 1)[1]))].idle == []
            await pools.aclose()

    run(go())


def test_malformed_answers_are_protocol_errors() -> None:
    async def go() -> None:
        for raw in (
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nab\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
        ):
            async with Site(_fixed(raw)) as site:
                pools = HostPools(2, guard=LOOPBACK)
                with pytest.raises(httpx.RemoteProtocolError):
                    await get(pools, site.base + "/")
                await pools.aclose()

    run(go())


def _fixed(raw: bytes) -> Answer:
    return lambda head: raw


def test_timeouts_and_refused_connections_are_httpx_errors() -> None:
    async def go() -> None:
        async with Site(ok(b"late"), stall=1.0) as site:
            pools = HostPools(2, guard=LOOPBACK)
            with pytest.raises(httpx.ReadTimeout):
                await get(pools, site.base + "/", read=0.05)
            await pools.aclose()
            port = int(site.base.rsplit(":", 1)[1])
        with pytest.raises(httpx.ConnectError):  # the server is gone
            await get(HostPools(2, guard=LOOPBACK), f"http://127.0.0.1:{port}/")

    run(go())


def test_a_post_body_is_sent() -> None:
    async def go() -> None:
        async with Site(ok(b"done")) as site:
            pools = HostPools(2, guard=LOOPBACK)
            async with httpx.AsyncClient(transport=pools) as client:
                response = await client.post(site.base + "/q", json={"a": 1})
            assert response.content == b"done"
            assert site.heads[0].startswith(b"POST /q HTTP/1.1") and b"Content-Length: " in site.heads[0]
            await pools.aclose()

    run(go())


def _spec(url: str) -> SourceSpec:
    return SourceSpec(
        id="t.wire",
        competitor="hetzner",
        kind="prices",
        parser="toy.catalog",
        url=url,
        cadence=timedelta(hours=1),
    )


def test_the_watch_fetcher_over_the_pools_conditional_get_redirect_and_cap() -> None:
    """The scheduler's setup (client over ``HostPools``, single GETs straight to the pools)."""

    def answer(head: bytes) -> bytes:
        path = head.split(b" ")[1]
        if path == b"/moved":
            return b"HTTP/1.1 301 Moved\r\nLocation: /page\r\nContent-Length: 0\r\n\r\n"
        if path == b"/big":
            return (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + b"400\r\n"
                + b"x" * 1024
                + b"\r\n" * 2
            )
        if b'If-None-Match: "v1"' in head:
            return b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n'
        return b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 4\r\n\r\nbody'

    async def go() -> None:
        async with Site(answer) as site:
            settings = Settings(http_retries=0, http_timeout=5.0, http_max_bytes=100)
            pools = HostPools(2, guard=LOOPBACK)
            client = httpx.AsyncClient(follow_redirects=True, transport=pools)
            fetcher = Fetcher(settings, client=client)
            fetcher.direct = pools
            first = await fetcher.fetch_source(_spec(site.base + "/page"), validators={})
            assert first.pages[0].body == b"body" and first.validators == {
                site.base + "/page": {"etag": '"v1"'}
            }
            again = await fetcher.fetch_source(_spec(site.base + "/page"), validators=first.validators)
            assert again.not_modified
            moved = await fetcher.fetch_source(_spec(site.base + "/moved"))
            assert moved.pages[0].body == b"body"
            with pytest.raises(FetchError, match="cap"):
                await fetcher.fetch_source(_spec(site.base + "/big"))
            await client.aclose()
            assert site.connections <= 3

    run(go())


def test_https_origin_with_its_tls_context(tmp_path: Any) -> None:
    """TLS through the pool: the server's certificate is checked against the given context."""
    import shutil
    import ssl
    import subprocess

    from veille.sources._wire import OriginPool

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def go() -> None:
        site = Site(ok(b"secret"))
        server = await asyncio.start_server(site._handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        pool = OriginPool("https", "localhost", port, keepalive=2, ssl_context=client_ctx, guard=LOOPBACK)
        for _ in range(2):
            request = httpx.Request("GET", f"https://localhost:{port}/s")
            response = await pool.handle_async_request(request)
            assert await response.aread() == b"secret"
            await response.aclose()
        assert site.connections == 1
        untrusted = OriginPool(
            "https", "localhost", port, keepalive=2, ssl_context=ssl.create_default_context(), guard=LOOPBACK
        )
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusted.handle_async_request(httpx.Request("GET", f"https://localhost:{port}/s"))
        await pool.aclose()
        server.close()

    run(go())


def test_direct_get_sends_the_clients_defaults_overridden_and_refuses_line_breaks() -> None:
    async def go() -> None:
        async with Site(ok(b"x")) as site:
            pools = HostPools(2, guard=LOOPBACK)
            client = httpx.AsyncClient(transport=pools, headers={"User-Agent": "default/1", "X-Team": "a"})
            fetcher = Fetcher(Settings(http_retries=0), client=client)
            fetcher.direct = pools
            raw = fetcher._direct_headers({"user-agent": "veille/9", "If-None-Match": '"v1"'})
            response = await pools.get(httpx.URL(site.base + "/q?a=1"), raw, {"read": 5.0})
            assert await response.aread() == b"x"
            head = site.heads[0].decode()
            assert head.startswith("GET /q?a=1 HTTP/1.1\r\nHost: 127.0.0.1:")
            assert "user-agent: veille/9" in head and "default/1" not in head and "Accept: */*" in head
            assert 'If-None-Match: "v1"' in head and "X-Team: a" in head
            for bad in ({"X-Evil": "a\r\nInjected: 1"}, {"X-Evil": "a\nb"}, {"X-Evil": "a\rb"}):
                with pytest.raises(httpx.LocalProtocolError):
                    await pools.get(httpx.URL(site.base + "/"), fetcher._direct_headers(bad), {})
            assert len(site.heads) == 1
            await client.aclose()

    run(go())


def test_bytes_past_the_announced_end_are_not_read_as_the_next_answer() -> None:
    answers = iter(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfake!",
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal",
        ]
    )

    async def go() -> None:
        async with Site(lambda head: next(answers)) as site:
            pools = HostPools(2, guard=LOOPBACK)
            assert (await get(pools, site.base + "/"))[1] == b"ok"
            assert (await get(pools, site.base + "/"))[1] == b"real"
            assert site.connections == 2
            await pools.aclose()

    run(go())
