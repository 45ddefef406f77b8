"""Relative feed links, fetched over loopback through the runner, come out against the real feed URL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy import select

from veille.collect.runner import run_sources
from veille.settings import Settings
from veille.sources import get_source
from veille.store.models import FeedItemRow
from veille.workspace import Workspace

FIX = Path(__file__).resolve().parents[2] / "fixtures"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_relative_release_links_resolve_against_the_real_url(tmp_path: Path, httpserver: HTTPServer) -> None:
    body = (
        (FIX / "github_releases/releases_2.atom")
        .read_bytes()
        .replace(b'href="https://github.com/', b'href="/')
    )
    httpserver.expect_request("/hetznercloud/cli/releases.atom").respond_with_data(
        body, content_type="application/atom+xml"
    )
    base = httpserver.url_for("/").rstrip("/")
    ws = Workspace(Settings(home=tmp_path / "ws", url_map={"https://github.com": base}, http_retries=0))
    ws.init_store()
    [result] = run_sources(ws, [get_source("hetzner.releases.cli")], now=NOW).results
    assert result.status == "ok", result.error
    with ws.store.session() as s:
        urls = sorted(s.scalars(select(FeedItemRow.url)))
    assert urls == [f"https://github.com/hetznercloud/cli/releases/tag/v1.5{n}.0" for n in (1, 2, 3)]
