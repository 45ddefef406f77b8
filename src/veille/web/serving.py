"""What ``veille serve`` adds to uvicorn against slow and greedy clients, below the application: a
deadline for each request's headers (uvicorn has none: a client sending a byte now and then held a
connection forever), a cap on their size (httptools has none) and a cap on the connections one address
keeps open in a process.

uvicorn loads the protocol class by its import path (``http="veille.web.serving:..."``) in every
worker; ``configure`` sets the limits in the process that serves (the worker's app factory calls it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from veille.settings import Settings
from veille.web.security import client_key

log = logging.getLogger("veille.web")

HEADER_TIMEOUT = 10.0
"""Seconds a connection has to send a request's headers, from its opening or the previous response."""
PER_CLIENT = 64
"""Connections one address (an IPv6 /64) may hold open in this process; trusted proxies are exempt."""
HEAD_LIMIT = 32 * 1024
"""Bytes a request's head (request line and headers) may take; httptools alone takes hundreds of MB."""
OPEN: dict[str, int] = {}
"""Open connections per client address in this process."""


def configure(settings: Settings) -> None:
    """Take the limits of ``settings`` (VEILLE_WEB_HEADER_TIMEOUT, VEILLE_WEB_CONNECTIONS_PER_CLIENT)."""
    global HEADER_TIMEOUT, PER_CLIENT
    HEADER_TIMEOUT = settings.web_header_timeout
    PER_CLIENT = settings.web_connections_per_client


def is_trusted(address: str, allowed: str | list[str] | None) -> bool:
    """True if ``address`` is one of the proxies of ``--forwarded-allow-ips`` (addresses or networks)."""
    entries = allowed.split(",") if isinstance(allowed, str) else list(allowed or ())
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in (e.strip() for e in entries):
        if entry == "*":
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class _Guard:
    """Mixed into a uvicorn HTTP protocol: the header deadline and the per-address connection cap."""

    config: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    client: tuple[str, int] | None
    cycle: Any
    _timer: asyncio.TimerHandle | None = None
    _counted: str | None = None
    _head_bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        address = self.client[0] if self.client else None
        if address and not is_trusted(address, self.config.forwarded_allow_ips):
            key = self._counted = client_key(address)
            OPEN[key] = OPEN.get(key, 0) + 1
            if PER_CLIENT > 0 and OPEN[key] > PER_CLIENT:
                log.warning("connection from %s closed: %d already open", key, PER_CLIENT)
                transport.close()
                return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        key, self._counted = self._counted, None
        if key is not None:
            left = OPEN.get(key, 1) - 1
            if left > 0:
                OPEN[key] = left
            else:
                OPEN.pop(key, None)
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        heading = self.cycle is None or self.cycle.response_complete
        super().data_received(data)  # type: ignore[misc]
        if not heading:
            return
        if self.cycle is not None and not self.cycle.response_complete:  # the head ended in this chunk
            self._head_bytes = 0
            return
        self._head_bytes += len(data)
        if self._head_bytes > HEAD_LIMIT and not self.transport.is_closing():
            log.warning("connection from %s closed: request head over %d bytes", self.client, HEAD_LIMIT)
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._head_bytes = 0
        self._arm()  # the next request's headers have the same deadline

    def _arm(self) -> None:
        self._disarm()
        if HEADER_TIMEOUT > 0 and not self.transport.is_closing():
            self._timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_late)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _headers_late(self) -> None:
        self._timer = None
        waiting = self.cycle is None or self.cycle.response_complete  # no request past its headers
        if waiting and not self.transport.is_closing():
            log.info(
                "connection from %s closed: no complete request headers in %ss", self.client, HEADER_TIMEOUT
            )
            self.transport.close()


class GuardedH11(_Guard, H11Protocol):
    """uvicorn's h11 protocol with the guard."""


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpTools(_Guard, HttpToolsProtocol):
        """uvicorn's httptools protocol with the guard."""

    PROTOCOL = "veille.web.serving:GuardedHttpTools"
else:  # pragma: no cover - httptools is part of uvicorn[standard]
    PROTOCOL = "veille.web.serving:GuardedH11"


def server_options(settings: Settings, host: str, port: int, forwarded_allow_ips: str) -> dict[str, Any]:
    """uvicorn's options for ``veille serve``: the guarded protocol, keep-alive, header size and
    concurrency limits of ``settings``."""
    return {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips,
        "log_level": "info",
        "server_header": False,
        "http": PROTOCOL,
        "timeout_keep_alive": settings.web_keep_alive_timeout,
        "limit_concurrency": settings.web_max_connections or None,
        "h11_max_incomplete_event_size": HEAD_LIMIT,
        "timeout_graceful_shutdown": 10,
    }
