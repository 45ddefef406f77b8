"""The shared HTTP fetcher every source goes through.

One ``Fetcher`` per collection cycle, shared by all sources so its limits hold across them:

- an honest User-Agent (``settings.user_agent``) and a timeout on every read;
- retries on 429, 5xx and network errors with exponential back-off, honouring ``Retry-After``
  (seconds or an HTTP date), every wait capped at ``max_wait``; the sleep is injectable;
- a total deadline per request (``settings.http_deadline``, ``http_deadline_streamed`` for streamed
  documents) covering every attempt, redirect and wait: a server dripping bytes, or a ``Retry-After``
  past the time left, ends the request with a ``FetchError`` instead of holding the source;
- no connection to loopback, private, link-local, shared, multicast, reserved or metadata addresses
  (``veille.netguard``), first request and redirects alike: the host is resolved at connect time, every
  address checked and the checked one connected to; ``settings.allowed_internal_hosts`` names the
  exceptions (the tests' and the demo's loopback servers);
- conditional GET (``If-None-Match`` / ``If-Modified-Since``) from validators kept per URL; a 304 means
  "unchanged";
- a size cap: bodies are streamed and the request aborted past ``settings.http_max_bytes``
  (``http_max_bytes_streamed`` for ``streaming`` sources, whose body is spooled to a temp file);
- at most ``settings.http_per_host`` requests in flight per host, and robots.txt (with its Crawl-delay)
  for ``html`` sources;
- credentials from Settings applied through ``SourceSpec.auth`` (never recorded in captured URLs);
- pagination through ``SourceSpec.paginate``;
- ``url_map`` rewrites URL prefixes (real URL -> loopback server) so tests and the demo exercise the
  real paths, parameters and headers; everything recorded keeps the real URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import ssl
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpcore
import httpx
from protego import Protego

from veille.errors import CredentialMissing, FetchError
from veille.netguard import AddressGuard, AddressRefused
from veille.settings import Settings
from veille.sources._registry import Request, SourceSpec, bearer
from veille.sources._wire import OriginPool
from veille.sources._wire import complete as wire_complete
from veille.sources.politeness import HostGate

Sleep = Callable[[float], Awaitable[None]]
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_ROBOTS_MAX_BYTES = 512 * 1024
SPOOL_AFTER_BYTES = 32 * 1024 * 1024  # pages of one source kept in memory before spooling to disk


@dataclass
class Page:
    """One fetched response. ``body`` holds small bodies; streamed ones are in the file ``path``."""

    url: str  # the real URL with its query, without credentials
    status: int
    headers: dict[str, str]
    fetched_at: datetime
    sha256: str
    size: int
    request: Request
    body: bytes | None = None
    path: Path | None = None

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        assert self.path is not None
        return self.path.read_bytes()

    def discard(self) -> None:
        """Remove the spooled file, if any."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


@dataclass
class FetchResult:
    """All pages of one source, or ``not_modified`` when the server answered 304."""

    pages: list[Page] = field(default_factory=list)
    not_modified: bool = False
    validators: dict[str, dict[str, str]] = field(default_factory=dict)

    def discard(self) -> None:
        for page in self.pages:
            page.discard()


def credential_problem(spec: SourceSpec, settings: Settings) -> str | None:
    """Why ``spec`` cannot run for lack of a credential (``needs VEILLE_X``), or None."""
    missing = [name for name in (spec.credential, *spec.also_needs) if name and not settings.credential(name)]
    return "needs " + " and ".join(f"VEILLE_{name.upper()}" for name in missing) if missing else None


def auth_parts(spec: SourceSpec, settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """The (headers, params) carrying ``spec``'s credential; raises CredentialMissing without one."""
    if not spec.credential:
        return {}, {}
    token = settings.credential(spec.credential)
    if not token:
        raise CredentialMissing(f"source {spec.id}: {credential_problem(spec, settings)}")
    parts = (spec.auth or bearer)(token)
    return dict(parts.get("headers", {})), dict(parts.get("params", {}))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def rate_limit_reset_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds until an ``x-rate-limit-reset`` time (epoch seconds: X, GitHub), or None."""
    if not value.strip().isdigit():
        return None
    return max(0.0, float(value.strip()) - (time.time() if now is None else now))


class Fetcher:
    """Fetch the requests of sources politely and safely (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        url_map: Mapping[str, str] | None = None,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        spool_dir: Path | None = None,
        spool_after: int = SPOOL_AFTER_BYTES,
        gate: HostGate | None = None,
    ) -> None:
        self.settings = settings
        self.gate = gate  # politeness shared with other processes (workers), besides this one's slots
        self._own_client = client is None
        self.client = client or http_client(settings, transport)
        self.sleep = sleep
        self.url_map = dict(settings.url_map if url_map is None else url_map)
        self.backoff = backoff
        self.max_wait = max_wait
        self.spool_dir = spool_dir
        self.spool_after = spool_after
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_last: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_lock: asyncio.Lock | None = None
        # set by the owner of ``client`` when its transport is a ``HostPools`` and no proxy applies:
        # single-request GETs then go straight to it (see ``_send``)
        self.direct: HostPools | None = None
        # the client's default headers and timeouts, as the direct path sends them (made once)
        self._defaults: tuple[httpx.Headers, dict[str, tuple[bytes, bytes]]] | None = None
        self._timeout_dict: tuple[httpx.Timeout, dict[str, float | None]] | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    # --- URLs -------------------------------------------------------------------------------------

    def map_url(self, url: str) -> str:
        """The URL actually requested: the longest matching ``url_map`` prefix rewritten."""
        for prefix in sorted(self.url_map, key=len, reverse=True):
            if url.startswith(prefix):
                return self.url_map[prefix] + url[len(prefix) :]
        return url

    # --- one source ---------------------------------------------------------------------------------

    async def fetch_source(
        self, spec: SourceSpec, *, validators: Mapping[str, Mapping[str, str]] | None = None
    ) -> FetchResult:
        """Every page of ``spec``. Conditional GET applies to single-request sources only."""
        auth_headers, auth_params = auth_parts(spec, self.settings)
        result = FetchResult()
        request: Request | None = spec.first_request()
        conditional = spec.paginate is None and validators is not None
        in_memory = 0
        try:
            while request is not None:
                if len(result.pages) >= spec.max_pages:
                    raise FetchError(spec.url, f"more than {spec.max_pages} pages; stopped")
                page = await self.fetch(
                    request,
                    auth_headers=auth_headers,
                    auth_params=auth_params,
                    validators=(validators or {}).get(_plain_url(request)) if conditional else None,
                    html=spec.html,
                    streaming=spec.streaming,
                    direct=spec.paginate is None,
                )
                if page is None:
                    return FetchResult(
                        not_modified=True, validators={k: dict(v) for k, v in (validators or {}).items()}
                    )
                result.pages.append(page)
                kept = {
                    k: page.headers[h]
                    for k, h in (("etag", "etag"), ("last_modified", "last-modified"))
                    if h in page.headers
                }
                if kept and spec.paginate is None:
                    result.validators[page.url] = kept
                if spec.paginate is None or spec.streaming:
                    break
                body = page.read()
                in_memory += len(body)
                if in_memory > self.spool_after:  # thousands of pages: keep them on disk, not in memory
                    self._spool(page)
                request = request.after(spec.paginate(request, page.headers, body))
        except BaseException:
            result.discard()
            raise
        return result

    def _spool(self, page: Page) -> None:
        """Move a page's body to a temp file (``Page.read`` reads it back)."""
        fd, name = tempfile.mkstemp(prefix="veille-", suffix=".page", dir=self.spool_dir)
        with os.fdopen(fd, "wb") as handle:
            handle.write(page.read())
        page.path, page.body = Path(name), None

    # --- one request --------------------------------------------------------------------------------

    async def fetch(
        self,
        request: Request,
        *,
        auth_headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        validators: Mapping[str, str] | None = None,
        html: bool = False,
        streaming: bool = False,
        direct: bool = False,
    ) -> Page | None:
        """Fetch one request with retries, within its deadline; None when the server says 304."""
        real = parsed_url(request.url)
        if html:
            await self._check_robots(real)
        headers = {"User-Agent": self.settings.user_agent, **request.headers, **(auth_headers or {})}
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
        params = {**request.params, **(auth_params or {})}
        target = self.map_url(request.url)
        if params:  # merged here: httpx would replace the URL's own query with ``params``
            target = str(httpx.URL(target).copy_merge_params(params))
        exchange = _Exchange(request, target, headers, real.host, streaming, direct)
        budget = _Budget(
            self.settings.http_deadline_streamed if streaming else self.settings.http_deadline,
            "VEILLE_HTTP_DEADLINE_STREAMED" if streaming else "VEILLE_HTTP_DEADLINE",
        )
        attempts = self.settings.http_retries + 1
        retry = _Retry("no attempt made")
        for attempt in range(attempts):
            outcome = await self._attempt(exchange, budget, retry)
            if not isinstance(outcome, _Retry):
                return outcome
            retry = outcome
            if attempt + 1 < attempts:
                await self._pause(exchange, retry, self.backoff * (2**attempt), budget)
        raise FetchError(exchange.url, f"{retry.problem}; gave up after {attempts} attempts", retry.status)

    async def _attempt(self, exchange: _Exchange, budget: _Budget, last: _Retry) -> Page | _Retry | None:
        """One attempt within what is left of the deadline: its page, None (304), or why to retry."""
        url = exchange.url
        async with self._slot(exchange.host, budget.left):
            started = time.monotonic()
            deadline = asyncio.timeout(budget.left)
            try:
                async with deadline:
                    return await self._exchange(exchange)
            except TimeoutError:
                if not deadline.expired():
                    raise
                raise FetchError(url, budget.exceeded(last), last.status) from None
            except httpx.TimeoutException as exc:
                return _Retry(f"timed out after {self.settings.http_timeout:g}s ({type(exc).__name__})")
            except httpx.TooManyRedirects:
                raise FetchError(url, "too many redirects (a redirect loop?); not retried") from None
            except httpx.TransportError as exc:
                return _Retry(f"network error: {type(exc).__name__}: {exc}".rstrip(": "))
            except httpx.HTTPError as exc:  # undecodable body, bad redirect URL...
                raise FetchError(url, f"{type(exc).__name__}: {exc}; not retried") from None
            except AddressRefused as exc:
                raise FetchError(url, str(exc)) from None
            finally:
                budget.spend(time.monotonic() - started)

    async def _exchange(self, exchange: _Exchange) -> Page | _Retry | None:
        request = exchange.request
        async with self._send(request, exchange.target, exchange.headers, direct=exchange.direct) as response:
            status = response.status_code
            if status == 304:
                # read the (empty) rest of the answer: a connection closed before its end of
                # message is not kept alive, and every unchanged page would cost a new one
                if not wire_complete(response):
                    await response.aread()
                return None
            if status in RETRY_STATUSES:
                retry = _Retry(f"HTTP {status} {response.reason_phrase}".strip(), status)
                header = response.headers.get("retry-after")
                retry.hinted = retry_after_seconds(header)
                if retry.hinted is None and (reset := response.headers.get("x-rate-limit-reset")):
                    header, retry.hinted = f"reset at {reset}", rate_limit_reset_seconds(reset)
                if retry.hinted is not None:
                    retry.problem += f" (Retry-After {header})"
                    if self.gate is not None:  # every worker waits, not only this one
                        await self.gate.hold(exchange.host, retry.hinted)
                return retry
            if status >= 400:
                raise FetchError(exchange.url, f"HTTP {status} {response.reason_phrase}".strip(), status)
            cap = (
                self.settings.http_max_bytes_streamed if exchange.streaming else self.settings.http_max_bytes
            )
            return await self._read(request, response, cap, exchange.streaming)

    async def _pause(self, exchange: _Exchange, retry: _Retry, backoff: float, budget: _Budget) -> None:
        """Wait before the next attempt; fail now when the wait would pass the deadline."""
        wanted = retry.hinted if retry.hinted is not None else backoff
        if wanted >= budget.left:
            if retry.hinted is not None:
                raise FetchError(
                    exchange.url,
                    f"{retry.problem}: waiting {wanted:g}s would pass the {budget.total:g}s deadline "
                    f"({budget.setting}, {max(budget.left, 0):.0f}s left); not waiting",
                    retry.status,
                )
            raise FetchError(exchange.url, budget.exceeded(retry), retry.status)
        wait = min(max(wanted, 0.0), self.max_wait)
        await self.sleep(wait)
        budget.spend(wait)

    @contextlib.asynccontextmanager
    async def _send(
        self, request: Request, target: str, headers: dict[str, str], *, direct: bool
    ) -> AsyncIterator[httpx.Response]:
        """The streamed response to ``request``.

        Through the client, or, for a single-request GET when ``self.direct`` is set, straight to its
        connection pools: the client's layers (request building, auth, redirects, cookies, hooks) cost
        about a third of a small request's CPU. A redirect is closed unread and the request made again
        through the client, which follows it; no cookie is kept on this path (single requests only).
        """
        if self.direct is None or not direct or request.method != "GET" or request.json is not None:
            async with self.client.stream(request.method, target, headers=headers, json=request.json) as r:
                yield r
            return
        response = await self.direct.get(parsed_url(target), self._direct_headers(headers), self._timeouts())
        try:
            if response.has_redirect_location:
                await response.aclose()
                async with self.client.stream("GET", target, headers=headers) as followed:
                    yield followed
                return
            yield response
        finally:
            await response.aclose()

    def _direct_headers(self, headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
        """The client's default headers with ``headers`` over them (names compared case-insensitively)."""
        if self._defaults is None or self._defaults[0] is not self.client.headers:
            self._defaults = (
                self.client.headers,
                {
                    k.decode("latin-1").lower(): (k, v)
                    for k, v in self.client.headers.raw
                    if k.lower() != b"host"
                },
            )
        merged = dict(self._defaults[1])
        for name, value in headers.items():
            if name.lower() != "host":
                merged[name.lower()] = (_header_bytes(name), _header_bytes(value))
        return list(merged.values())

    def _timeouts(self) -> dict[str, float | None]:
        if self._timeout_dict is None or self._timeout_dict[0] is not self.client.timeout:
            self._timeout_dict = (self.client.timeout, self.client.timeout.as_dict())
        return self._timeout_dict[1]

    async def _read(self, request: Request, response: httpx.Response, cap: int, streaming: bool) -> Page:
        url = _plain_url(request)
        declared = response.headers.get("content-length")
        if (
            declared
            and declared.isdigit()
            and int(declared) > cap
            and "content-encoding" not in response.headers
        ):
            raise FetchError(
                url, f"body of {int(declared)} bytes exceeds the {cap}-byte cap", response.status_code
            )
        digest = hashlib.sha256()
        size = 0
        chunks: list[bytes] = []
        path: Path | None = None
        handle = None
        if streaming:
            fd, name = tempfile.mkstemp(prefix="veille-", suffix=".body", dir=self.spool_dir)
            path = Path(name)
            handle = os.fdopen(fd, "wb")
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError(url, f"body exceeds the {cap}-byte cap; aborted", response.status_code)
                digest.update(chunk)
                if handle is not None:
                    handle.write(chunk)
                else:
                    chunks.append(chunk)
        except BaseException:
            if path is not None:
                path.unlink(missing_ok=True)
            raise
        finally:
            if handle is not None:
                handle.close()
        return Page(
            url=url,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            fetched_at=datetime.now(UTC),
            sha256=digest.hexdigest(),
            size=size,
            request=request,
            body=None if streaming else b"".join(chunks),
            path=path,
        )

    # --- politeness -------------------------------------------------------------------------------

    def _slot(self, host: str, deadline: float | None = None) -> _HostSlot:
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(max(1, self.settings.http_per_host))
        return _HostSlot(self, host, self.settings.http_deadline if deadline is None else deadline)

    async def _check_robots(self, url: httpx.URL) -> None:
        origin = f"{url.scheme}://{url.netloc.decode()}"
        if self._robots_lock is None:
            self._robots_lock = asyncio.Lock()
        async with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = await self._load_robots(origin)
        rules = self._robots[origin]
        if rules is None:
            return
        agent = self.settings.user_agent
        if not rules.can_fetch(str(url), agent):
            raise FetchError(str(url), "disallowed by robots.txt; not fetched")
        delay = rules.crawl_delay(agent)
        if delay:
            self._host_delay[url.host] = min(float(delay), 30.0)

    async def _load_robots(self, origin: str) -> Protego | None:
        """The robots rules of ``origin``; None (allow all) when it has none (4xx)."""
        robots = Request(f"{origin}/robots.txt")
        try:
            async with self._slot(httpx.URL(origin).host), asyncio.timeout(self.settings.http_deadline):
                response = await self.client.get(
                    self.map_url(robots.url), headers={"User-Agent": self.settings.user_agent}
                )
        except TimeoutError:
            raise FetchError(
                robots.url,
                f"robots.txt not read within the {self.settings.http_deadline:g}s deadline; not fetching pages",
            ) from None
        except AddressRefused as exc:
            raise FetchError(robots.url, str(exc)) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                robots.url, f"robots.txt unreachable ({type(exc).__name__}); not fetching pages"
            ) from exc
        if 400 <= response.status_code < 500:
            return None
        if response.status_code >= 500:
            raise FetchError(
                robots.url, f"robots.txt answered HTTP {response.status_code}; not fetching pages"
            )
        return Protego.parse(response.content[:_ROBOTS_MAX_BYTES].decode("utf-8", "replace"))


class HostPools(httpx.AsyncBaseTransport):
    """One small connection pool per origin (scheme, host, port), kept alive between requests.

    httpcore's pool scans every pooled connection (and asks each socket whether it is readable) for
    every request it assigns: with one pool for a whole watch (60 connections, 300 requests) that was
    most of the fetching loop's time. A pool per origin holds ``keepalive`` connections, as many as the
    fetcher lets run at once on one host. Each is a ``veille.sources._wire.OriginPool`` (HTTP/1.1 over
    asyncio streams: about a third of httpcore's CPU per request). The number of connections is not
    capped here: politeness is the fetcher's (``Fetcher._slot``) and the scheduler's. The TLS context
    (``default_tls``) is the process's one. Connections go only
    to addresses ``guard`` allows (strict, nothing internal, by default).
    """

    def __init__(
        self, keepalive: int, *, keepalive_expiry: float = 5.0, guard: AddressGuard | None = None
    ) -> None:
        self.keepalive, self.keepalive_expiry = max(1, keepalive), keepalive_expiry
        self.guard = guard or AddressGuard()
        self._pools: dict[tuple[str, str, int | None], OriginPool] = {}
        self._tls: Any = None

    def _pool(self, url: httpx.URL) -> OriginPool:
        key = (url.scheme, url.host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            if url.scheme not in ("http", "https"):
                raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
            if url.scheme == "https" and self._tls is None:
                self._tls = default_tls()
            pool = self._pools[key] = OriginPool(
                url.scheme,
                url.host,
                url.port,
                keepalive=self.keepalive,
                expiry=self.keepalive_expiry,
                ssl_context=self._tls if url.scheme == "https" else None,
                guard=self.guard,
            )
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def get(
        self, url: httpx.URL, headers: list[tuple[bytes, bytes]], timeouts: Mapping[str, Any]
    ) -> httpx.Response:
        """A bodiless GET straight to its origin's pool (``OriginPool.get``)."""
        return await self._pool(url).get(url, headers, timeouts)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


@dataclass
class _Exchange:
    """What every attempt of one request sends."""

    request: Request
    target: str  # the URL requested (``url_map`` applied, parameters merged)
    headers: dict[str, str]
    host: str  # the real host, for the per-host slots
    streaming: bool
    direct: bool

    @property
    def url(self) -> str:
        return _plain_url(self.request)


@dataclass
class _Retry:
    """Why an attempt failed in a way worth another one; ``hinted`` is the server's Retry-After."""

    problem: str
    status: int | None = None
    hinted: float | None = None


class _Budget:
    """The seconds a request has left before its deadline (attempts and waits are spent from it)."""

    def __init__(self, total: float, setting: str) -> None:
        self.total, self.setting, self.left = total, setting, total

    def spend(self, seconds: float) -> None:
        self.left -= seconds

    def exceeded(self, last: _Retry) -> str:
        return (
            f"no complete answer within the {self.total:g}s deadline ({self.setting}); last: {last.problem}"
        )


def http_client(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A client following redirects, whose connections go only where ``settings.address_guard`` allows.

    ``transport`` defaults to a ``GuardedTransport``. Behind a proxy (``HTTP(S)_PROXY``), the proxy
    resolves the names: the host of every request and redirect is then checked beforehand here.
    """
    guard = settings.address_guard
    hooks: dict[str, list[Callable[..., Any]]] = {}
    if urllib.request.getproxies():

        async def check_hop(request: httpx.Request) -> None:
            await guard.resolve(request.url.host, request.url.port or 443)

        hooks["request"] = [check_hop]
    return httpx.AsyncClient(
        transport=transport or GuardedTransport(guard),
        follow_redirects=True,
        timeout=httpx.Timeout(settings.http_timeout),
        headers={"User-Agent": settings.user_agent},
        event_hooks=hooks,
    )


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to the addresses an ``AddressGuard`` allows.

    The host is resolved here, every address checked, and the first checked one that accepts is
    connected to (TLS still verifies the certificate against the host's name).
    """

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.guard.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        problem: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                problem = exc
        raise problem

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose network backend is a ``GuardedBackend``.

    httpx builds its pool without a way to pass a network backend, so the pool is built again here
    with the same TLS context and limits (httpcore's own hook for where connections go).
    """

    def __init__(self, guard: AddressGuard, *, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        tls = default_tls()
        super().__init__(verify=tls, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )


class _HostSlot:
    """Async context: one of the host's ``http_per_host`` slots, spaced by its Crawl-delay, and the
    shared gate's slot when workers share one (``Fetcher.gate``)."""

    def __init__(self, fetcher: Fetcher, host: str, deadline: float) -> None:
        self.fetcher, self.host, self.deadline = fetcher, host, deadline
        self.semaphore = fetcher._host_slots[host]
        self.shared: object | None = None

    async def __aenter__(self) -> None:
        await self.semaphore.acquire()
        try:
            delay = self.fetcher._host_delay.get(self.host, 0.0)
            if delay:
                elapsed = time.monotonic() - self.fetcher._host_last.get(self.host, 0.0)
                if elapsed < delay:
                    await self.fetcher.sleep(delay - elapsed)
            if self.fetcher.gate is not None:
                self.shared = await self.fetcher.gate.acquire(self.host, self.deadline)
        except BaseException:
            self.semaphore.release()
            raise
        self.fetcher._host_last[self.host] = time.monotonic()

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if self.shared is not None and self.fetcher.gate is not None:
                await self.fetcher.gate.release(self.host, self.shared)
        finally:
            self.semaphore.release()


def _header_bytes(text: str) -> bytes:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return text.encode("utf-8")


@lru_cache(maxsize=1)
def default_tls() -> ssl.SSLContext:
    """httpx's TLS context (certificates checked against certifi's bundle), built once per process:
    loading the bundle costs ~50 ms, and a watch opens new pools every cycle (each fetcher one more)."""
    return httpx.create_ssl_context()


@lru_cache(maxsize=4096)
def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, remembered: a watch asks for the same URLs every cycle (a parse is ~10 us)."""
    return httpx.URL(url)


def _plain_url(request: Request) -> str:
    """The request's real URL with its own parameters (credentials are never part of it)."""
    return (
        str(httpx.URL(request.url).copy_merge_params(dict(request.params))) if request.params else request.url
    )
