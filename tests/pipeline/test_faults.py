"""Fault injection: every way a server can misbehave, against a real run of several loopback sources.

Three real sources run together, ``vultr.plans`` and ``vultr.metal`` (healthy, their real JSON
shape) and ``lambda.status.summary``, whose server misbehaves in one way per test: silence, a reset
connection, 500, 429 with and without ``Retry-After``, a truncated body, a huge body with and without
``Content-Length``, a gzip bomb, a body dripping one byte at a time, a redirect loop, a redirect to a
refused (loopback, not allowed) address, a wrong content type. Each runs through ``veille watch --once``
(httpx's transport) and through one cycle of the watch's scheduler (its own connection pools), with
small limits so that it is quick. For each: a clear error recorded on that source, the others finish,
nothing partial stored, the run ends well within a generous bound.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from tests.watch.test_watch_process import metal, plans

from veille.act.rules import ensure_defaults
from veille.settings import Settings
from veille.sources._registry import get_source
from veille.store.models import Capture, EventRow, SourceRun, SourceState
from veille.workspace import Workspace

HEALTHY = ("vultr.plans", "vultr.metal")
FAULTY = "lambda.status.summary"
CAP = 200_000  # VEILLE_HTTP_MAX_BYTES in these runs
DEADLINE = 3.0  # VEILLE_HTTP_DEADLINE
HTML = b"<!doctype html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"

Conn = socket.socket
Fault = Callable[[Conn, "FaultServer"], None]


def answer(status: str, body: bytes = b"", **headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def silence(conn: Conn, server: FaultServer) -> None:
    server.stop.wait(30)


def reset(conn: Conn, server: FaultServer) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def status(code: str, **headers: str) -> Fault:
    return lambda conn, server: conn.sendall(answer(code, b"try later", **headers))


def truncated(conn: Conn, server: FaultServer) -> None:
    conn.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: application/json\r\n\r\n{"page": {'
    )


def huge_declared(conn: Conn, server: FaultServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{")


def huge_undeclared(conn: Conn, server: FaultServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
    for _ in range(100):  # 6.4 MB, no length: read until the cap
        conn.sendall(b"1," * 32_000)


def gzip_bomb(conn: Conn, server: FaultServer) -> None:
    body = gzip.compress(b" " * 50_000_000, 9)  # ~50 KB that inflate to 50 MB
    conn.sendall(answer("200 OK", body, Content_Type="application/json", Content_Encoding="gzip"))


def drip(conn: Conn, server: FaultServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    while not server.stop.wait(0.3):  # far below the read timeout, far beyond the deadline
        conn.sendall(b" ")


def redirect_loop(conn: Conn, server: FaultServer) -> None:
    conn.sendall(answer("302 Found", Location=f"http://127.0.0.1:{server.port}/fault/redirect-loop"))


def redirect_inside(conn: Conn, server: FaultServer) -> None:
    conn.sendall(answer("302 Found", Location=f"http://127.0.0.2:{server.port}/admin/secrets"))


def wrong_type(conn: Conn, server: FaultServer) -> None:
    conn.sendall(answer("200 OK", HTML, Content_Type="text/html; charset=utf-8"))


# fault -> (server behaviour, what the source's error says)
FAULTS: dict[str, tuple[Fault, str]] = {
    "timeout": (silence, r"timed out|deadline"),
    "reset": (reset, r"network error"),
    "500": (status("500 Internal Server Error"), r"HTTP 500 .*gave up after 2 attempts"),
    "429-retry-after": (
        status("429 Too Many Requests", Retry_After="3600"),
        r"HTTP 429 .*Retry-After 3600.*would pass the 3s deadline",
    ),
    "429": (status("429 Too Many Requests"), r"HTTP 429 .*gave up after 2 attempts"),
    "truncated": (truncated, r"network error: RemoteProtocolError"),
    "huge-declared": (huge_declared, r"body of 50000000 bytes exceeds the 200000-byte cap"),
    "huge-undeclared": (huge_undeclared, r"body exceeds the 200000-byte cap; aborted"),
    "gzip-bomb": (gzip_bomb, r"body exceeds the 200000-byte cap; aborted"),
    "drip": (drip, r"no complete answer within the 3s deadline \(VEILLE_HTTP_DEADLINE\)"),
    "redirect-loop": (redirect_loop, r"too many redirects"),
    "redirect-inside": (redirect_inside, r"refused to connect to 127\.0\.0\.2: a loopback address"),
    "wrong-content-type": (wrong_type, r"got an HTML page where a JSON document was expected"),
}


class FaultServer:
    """Raw HTTP/1.1 on 127.0.0.1: the Vultr API answers well, ``/fault/<kind>`` misbehaves.

    It also listens on 127.0.0.2 (an internal address the settings do not allow) and counts who
    reaches it there.
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.inside_hits = 0
        self.listeners: list[socket.socket] = []
        for host in ("127.0.0.1", "127.0.0.2"):
            sock = socket.socket()
            sock.bind((host, self.listeners[0].getsockname()[1] if self.listeners else 0))
            sock.listen(32)
            sock.settimeout(0.1)
            self.listeners.append(sock)
        self.port = self.listeners[0].getsockname()[1]
        self.threads = [threading.Thread(target=self._accept, args=(s,), daemon=True) for s in self.listeners]
        for thread in self.threads:
            thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if listener is self.listeners[1]:
                self.inside_hits += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Conn) -> None:
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode().split("?")[0]
                self._route(path)(conn, self)
            except OSError:
                return

    def _route(self, path: str) -> Fault:
        if path == "/v2/plans":
            return lambda conn, _: conn.sendall(answer("200 OK", plans("A"), Content_Type="application/json"))
        if path == "/v2/plans-metal":
            return lambda conn, _: conn.sendall(answer("200 OK", metal("A"), Content_Type="application/json"))
        if path.startswith("/fault/"):
            return FAULTS[path.removeprefix("/fault/")][0]
        return lambda conn, _: conn.sendall(answer("404 Not Found"))

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        for sock in self.listeners:
            sock.close()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    yield srv
    srv.close()


def configure(monkeypatch: pytest.MonkeyPatch, home: Path, server: FaultServer, fault: str) -> Workspace:
    base = f"http://127.0.0.1:{server.port}"
    env = {
        "VEILLE_HOME": str(home),
        "VEILLE_URL_MAP": orjson.dumps({
            "https://api.vultr.com": base,
            get_source(FAULTY).url: f"{base}/fault/{fault}",
        }).decode(),
        "VEILLE_ALLOWED_INTERNAL_HOSTS": "127.0.0.1",  # the fault server, not 127.0.0.2
        "VEILLE_HTTP_TIMEOUT": "1",
        "VEILLE_HTTP_RETRIES": "1",
        "VEILLE_HTTP_DEADLINE": str(DEADLINE),
        "VEILLE_HTTP_MAX_BYTES": str(CAP),
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ws = Workspace(Settings())
    ws.init_store()
    with ws.store.session() as session:
        ensure_defaults(session)
    return ws


def run_watch_cycle(ws: Workspace) -> None:
    from veille.watch.scheduler import Scheduler

    scheduler = Scheduler(ws, specs=[get_source(i) for i in (*HEALTHY, FAULTY)], dispatch=False)
    report = asyncio.run(scheduler.run_cycle())
    assert len(report.results) == 3


@pytest.mark.parametrize("face", ["once", "watch"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_source_fails_alone_and_clearly(
    fault: str,
    face: str,
    server: FaultServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    ws = configure(monkeypatch, tmp_path / "ws", server, fault)
    started = time.monotonic()
    if face == "once":
        ids = [arg for sid in (*HEALTHY, FAULTY) for arg in ("--source", sid)]
        code, out, err = cli("--home", str(ws.home), "watch", "--once", *ids)
        assert code == 0 and "Traceback" not in out + err  # some sources succeeded: a failure is reported
    else:
        run_watch_cycle(ws)
    assert time.monotonic() - started < 60  # generous: every request has a 3 s deadline

    with ws.store.session() as session:
        states = {s.source_id: s for s in session.scalars(select(SourceState))}
        runs = {r.source_id: r for r in session.scalars(select(SourceRun))}
        faulty_events = set(session.scalars(select(EventRow.kind).where(EventRow.source_id == FAULTY)))
        captures = list(session.scalars(select(Capture).where(Capture.source_id == FAULTY)))
        healthy_captures = session.scalar(
            select(func.count()).select_from(Capture).where(Capture.source_id != FAULTY)
        )

    error = states[FAULTY].last_error or ""
    assert states[FAULTY].last_status == "failed" and re.search(FAULTS[fault][1], error), error
    assert "\n" not in error.strip() and "Traceback" not in error  # one clear line
    assert runs[FAULTY].status == "failed" and runs[FAULTY].observations == 0
    assert states[FAULTY].running_token is None  # its lease is given back
    for sid in HEALTHY:  # the others finished, whatever their neighbour did
        assert runs[sid].status == "ok" and runs[sid].observations > 0, (sid, runs[sid].error)
    assert healthy_captures == 2
    assert faulty_events <= {"source_failure"}  # nothing parsed out of a broken answer
    if fault == "wrong-content-type":  # the whole (complete) body is kept as evidence, nothing partial
        assert [(c.status, c.size) for c in captures] == [(200, len(HTML))]
    else:
        assert captures == []
    assert server.inside_hits == 0  # nothing ever reached the internal address
    assert list((ws.home / "tmp").glob("veille-*")) == []  # no spooled body left behind
