"""`veille serve` against slow and greedy clients: uvicorn gets the keep-alive, concurrency and header
size limits of the settings, and the guarded protocol closes a connection whose headers dawdle and
the connections one address opens past its cap (a real uvicorn on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from veille.settings import Settings
from veille.web import serving

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def hello(scope: Any, receive: Any, send: Any) -> None:
    """Reads the whole body, answers 200 with its size."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = str(size).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


@contextmanager
def guarded_server(header_timeout: float, per_client: int, trusted: str) -> Iterator[int]:
    """uvicorn with the guarded protocol on a free loopback port; its port."""
    serving.configure(Settings(web_header_timeout=header_timeout, web_connections_per_client=per_client))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    options = serving.server_options(Settings(), "127.0.0.1", 0, trusted)
    for key in ("host", "port"):
        options.pop(key)
    config = uvicorn.Config(hello, lifespan="off", access_log=False, **{**options, "log_level": "warning"})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        serving.configure(Settings())


def _connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=20)  # a generous bound: "it ends"
    return conn


def _closed_by_server(conn: socket.socket) -> bool:
    try:
        return conn.recv(1024) == b""
    except ConnectionResetError:
        return True


def _served(conn: socket.socket) -> bool:
    conn.sendall(REQUEST)
    return conn.recv(1024).startswith(b"HTTP/1.1 200")


def _safely_served(conn: socket.socket) -> bool:
    try:
        return _served(conn)
    except OSError:
        return False


def test_a_connection_dawdling_over_its_headers_is_closed() -> None:
    with guarded_server(header_timeout=0.5, per_client=0, trusted="") as port:
        silent, dripping, prompt = _connect(port), _connect(port), _connect(port)
        dripping.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end
        assert _served(prompt)
        assert _closed_by_server(silent) and _closed_by_server(dripping)
        # after a response, the next request's headers have the same deadline
        prompt.sendall(b"GET / HTTP/1.1\r\n")
        assert _closed_by_server(prompt)
        for conn in (silent, dripping, prompt):
            conn.close()


def test_one_address_holds_only_so_many_connections() -> None:
    with guarded_server(header_timeout=30, per_client=3, trusted="192.0.2.1") as port:
        held = [_connect(port) for _ in range(3)]
        assert all(_served(conn) for conn in held)
        extra = _connect(port)
        assert _closed_by_server(extra)
        held.pop().close()
        again = _connect(port)
        for _ in range(100):  # until the server has seen the close (not a timed assertion)
            if _safely_served(again):
                break
            again.close()
            time.sleep(0.05)
            again = _connect(port)
        else:
            raise AssertionError("a freed place was never given to a new connection")
        for conn in [*held, extra, again]:
            conn.close()
    assert serving.OPEN == {}


def test_trusted_proxies_are_not_capped() -> None:
    assert serving.is_trusted("127.0.0.1", "127.0.0.1")
    assert serving.is_trusted("10.0.0.7", "10.0.0.0/8, 192.0.2.1")
    assert serving.is_trusted("2001:db8::1", "*")
    assert not serving.is_trusted("198.51.100.1", "127.0.0.1,junk")
    with guarded_server(header_timeout=30, per_client=1, trusted="127.0.0.1") as port:
        conns = [_connect(port) for _ in range(3)]
        assert all(_served(conn) for conn in conns)
        for conn in conns:
            conn.close()


def test_serve_gives_uvicorn_the_limits_of_the_settings(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from veille.workspace import Workspace

    Workspace(Settings(home=tmp_path / "ws", database_url=None)).init_store()
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    env = {
        "VEILLE_WEB_KEEP_ALIVE_TIMEOUT": "3",
        "VEILLE_WEB_MAX_CONNECTIONS": "200",
        "VEILLE_WEB_HEADER_TIMEOUT": "7",
        "VEILLE_WEB_CONNECTIONS_PER_CLIENT": "12",
    }
    code, _, err = cli("--home", str(tmp_path / "ws"), "serve", "--port", "8123", env=env)
    assert code == 0, err
    assert seen["http"] == serving.PROTOCOL and seen["port"] == 8123
    assert seen["timeout_keep_alive"] == 3 and seen["limit_concurrency"] == 200
    assert seen["h11_max_incomplete_event_size"] == serving.HEAD_LIMIT and seen["server_header"] is False
    assert (serving.HEADER_TIMEOUT, serving.PER_CLIENT) == (7, 12)
    serving.configure(Settings())


def test_a_real_server_drops_an_anonymous_upload_unread(site) -> None:  # type: ignore[no-untyped-def]
    """Over a real socket: the 401 comes and the connection closes long before 64 MB could be sent."""
    from tests.web.live import LiveServer

    size = 64 * 1024 * 1024
    with LiveServer(site.app) as live:
        conn = socket.create_connection(("127.0.0.1", live.port), timeout=20)
        head = f"POST /api/v1/notes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        conn.sendall(head.encode())
        sent, chunk = 0, b"x" * (256 * 1024)
        try:
            while sent < size:
                conn.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: what we want
        try:
            answer = conn.recv(200)
        except ConnectionResetError:  # the unread rest made the kernel reset: the 401 may be lost
            answer = b"HTTP/1.1 401 (reset)"
        conn.close()
    assert answer.startswith(b"HTTP/1.1 401")
    assert sent < size // 2, f"the server took {sent} bytes of an anonymous body"


def _push(conn: socket.socket, head: bytes, size: int) -> int:
    """Send ``head`` then up to ``size`` bytes; how many went before the server closed."""
    conn.sendall(head)
    sent, chunk = 0, b"a" * (256 * 1024)
    try:
        while sent < size:
            conn.sendall(chunk[: size - sent])
            sent += min(len(chunk), size - sent)
    except OSError:
        pass
    return sent


def test_an_endless_request_head_is_cut_but_a_large_body_goes_through() -> None:
    big = 64 * 1024 * 1024
    with guarded_server(header_timeout=30, per_client=0, trusted="") as port:
        conn = _connect(port)
        sent = _push(conn, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", big)
        conn.close()
        assert sent < big // 2, f"the server took {sent} bytes of one header"
        upload = _connect(port)  # a body, even sent in large reads with its head, is not a head
        size = 4 * 1024 * 1024
        head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n\r\n".encode()
        assert _push(upload, head, size) == size
        assert upload.recv(1024).endswith(str(size).encode())
        upload.close()
