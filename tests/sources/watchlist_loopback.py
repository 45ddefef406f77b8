"""Loopback copies of a competitor's four sources, a blog feed, a status page, a Greenhouse board and a
pricing page, with the real payload shapes of tests/fixtures; shared by the watch-list journeys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pytest_httpserver import HTTPServer

FIX = Path(__file__).parents[1] / "fixtures"
ROUTES = {
    "/blog.rss": ("feeds/blog_fr_1.rss", "application/rss+xml"),
    "/api/v2/summary.json": ("statuspage/summary_1.json", "application/json"),
    "/api/v2/incidents.json": ("statuspage/incidents_1.json", "application/json"),
    "/v1/boards/{slug}/jobs": ("greenhouse/board_digitalocean98_day1.json", "application/json"),
    "/tarife": ("pricing_pages/generic_de_cards.html", "text/html; charset=utf-8"),
}
# The pricing page's CSS selectors, as ``--option`` pairs (the dashboard takes the same, one a line).
PRICING_OPTIONS = {"card": "article.tarif", "name": "h3", "price": ".preis", "currency": "EUR"}
GREENHOUSE = "https://boards-api.greenhouse.io"


def serve(httpserver: HTTPServer, slug: str = "acme") -> str:
    """Serve the four documents (the job board under ``slug``); returns the server's base URL."""
    for path, (name, kind) in ROUTES.items():
        httpserver.expect_request(path.format(slug=slug)).respond_with_data(
            (FIX / name).read_bytes(), content_type=kind
        )
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    return httpserver.url_for("/").rstrip("/")


def url_map(base: str) -> str:
    """``VEILLE_URL_MAP``: the job board's public API host answered by the loopback server."""
    return json.dumps({GREENHOUSE: base})


def tree_digest(root: Path) -> str:
    """One hash over every file under ``root`` (bytecode caches aside): equal means nothing was edited."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
