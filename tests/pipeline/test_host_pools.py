"""The watch's connection pools (``HostPools``: httpx's transport per origin) against a loopback server
that answers exact bytes."""

from __future__ import annotations

import asyncio
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
    """The scheduler's setup: the client over ``HostPools``, one kept-alive pool per origin."""

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


def test_https_origin_with_the_shared_tls_context(tmp_path: Any) -> None:
    """TLS through the pools: the server's certificate is checked against the pools' one context."""
    import shutil
    import ssl
    import subprocess

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

    async def go() -> None:
        site = Site(ok(b"secret"))
        server = await asyncio.start_server(site._handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        pools = HostPools(2, guard=LOOPBACK, tls=ssl.create_default_context(cafile=str(cert)))
        for _ in range(2):
            assert (await get(pools, f"https://localhost:{port}/s"))[1] == b"secret"
        assert site.connections == 1
        untrusted = HostPools(2, guard=LOOPBACK)  # the system's CAs: the test certificate is unknown
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await get(untrusted, f"https://localhost:{port}/s")
        await pools.aclose()
        server.close()

    run(go())


def test_one_pool_per_origin_each_kept_alive() -> None:
    async def go() -> None:
        async with Site(ok(b"a")) as first, Site(ok(b"b")) as second:
            pools = HostPools(2, guard=LOOPBACK)
            for _ in range(3):
                assert (await get(pools, first.base + "/"))[1] == b"a"
                assert (await get(pools, second.base + "/"))[1] == b"b"
            assert (first.connections, second.connections, len(pools._pools)) == (1, 1, 2)
            await pools.aclose()

    run(go())


def test_line_breaks_in_header_values_are_refused() -> None:
    async def go() -> None:
        async with Site(ok(b"x")) as site:
            pools = HostPools(2, guard=LOOPBACK)
            for bad in ({"X-Evil": "a\r\nInjected: 1"}, {"X-Evil": "a\nb"}):
                with pytest.raises(httpx.HTTPError):
                    await get(pools, site.base + "/", headers=bad)
            assert site.heads == []
            await pools.aclose()

    run(go())
