"""A loopback HTTP server that answers for the competitors' hosts during the demo.

Sources keep their real URLs; the fetcher's ``url_map`` rewrites ``https://HOST`` to
``http://127.0.0.1:PORT/HOST``, so every request still carries its real path, query and headers.
Credentialed endpoints check the Bearer token as the real APIs do.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from veille.demo.scenario import Capture, Response
from veille.sources import SourceSpec


class DemoServer:
    """Serves one state of the scenario at a time (``serve``), on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self._routes: dict[str, Response] = {}
        self._tokens: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        handler = self._handler()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="veille-demo-server", daemon=True
        )

    @property
    def host(self) -> str:
        """The loopback address served on (the demo allows it: ``Settings.allowed_internal_hosts``)."""
        return str(self._httpd.server_address[0])

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url_map(self, specs: list[SourceSpec]) -> dict[str, str]:
        """``https://HOST`` -> ``http://127.0.0.1:PORT/HOST`` for every host the specs speak to."""
        hosts = {urlsplit(s.url).netloc for s in specs}
        return {f"https://{h}": f"{self.base}/{h}" for h in sorted(hosts)}

    def serve(self, captures: list[Capture], specs: dict[str, SourceSpec], tokens: dict[str, str]) -> None:
        """Answer with ``captures`` from now on (each on its source's host and path)."""
        routes: dict[str, Response] = {}
        for capture in captures:
            url = urlsplit(specs[capture.source_id].url)
            routes[f"/{url.netloc}{url.path}"] = capture.response
        self._routes = routes
        self._tokens = {
            f"/{urlsplit(specs[sid].url).netloc}{urlsplit(specs[sid].url).path}": tok
            for sid, tok in tokens.items()
        }

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.requests.append((self.command, self.path))
                if path.endswith("/robots.txt"):
                    self._answer(200, b"User-agent: *\nAllow: /\n", "text/plain")
                    return
                token = server._tokens.get(path)
                if token and self.headers.get("Authorization") != f"Bearer {token}":
                    self._answer(
                        401,
                        b'{"error": {"code": "unauthorized", "message": "invalid token"}}',
                        "application/json",
                    )
                    return
                response = server._routes.get(path)
                if response is None:
                    self._answer(404, b'{"error": "not found"}', "application/json")
                    return
                self._answer(response.status, response.body, response.content_type)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.do_GET()

        return Handler
