"""Incident and product-change sources end to end through the collection runner, over loopback HTTP,
on their real URL paths, query parameters and headers (``url_map`` sends the real hosts to the
local server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from tests.sources.declared import sources_of

from veille.collect import run_sources
from veille.settings import Settings
from veille.sources import feeds, github_releases, infomaniak_status, scaleway_changelog, statuspage
from veille.store.models import EventRow, FeedItemRow, IncidentRow, SourceRun
from veille.workspace import Workspace

FIX = Path(__file__).resolve().parents[2] / "fixtures"
T1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
HOSTS = (
    "https://status.digitalocean.com",
    "https://api.infomaniak.com",
    "https://api.github.com",
    "https://raw.githubusercontent.com",
    "https://github.com",
    "https://blog.ovhcloud.com",
    "https://public-cloud.status-ovhcloud.com",
)


@pytest.fixture
def ws(tmp_path: Any, httpserver: HTTPServer) -> Workspace:
    local = httpserver.url_for("/").rstrip("/")
    settings = Settings(
        home=tmp_path / "ws", http_retries=0, url_map=dict.fromkeys(HOSTS, local), infomaniak_token="tok-123"
    )
    w = Workspace(settings)
    w.init_store()
    return w


def spec_of(module: object, source_id: str) -> Any:
    return next(s for s in sources_of(module) if s.id == source_id)


def count(ws: Workspace, model: Any, *where: Any) -> int:
    with ws.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def kinds(ws: Workspace) -> list[tuple[str, str]]:
    with ws.store.session() as s:
        return sorted(
            (r.kind, r.dedup_key)
            for r in s.execute(select(EventRow).where(EventRow.kind != "source_failure")).scalars()
        )


def test_statuspage_summary_on_its_real_path(ws: Workspace, httpserver: HTTPServer) -> None:
    spec = spec_of(statuspage, "digitalocean.status.summary")
    assert spec.url == "https://status.digitalocean.com/api/v2/summary.json"
    httpserver.expect_request("/api/v2/summary.json").respond_with_data(
        (FIX / "statuspage/summary_1.json").read_bytes(), content_type="application/json"
    )
    summary = run_sources(ws, [spec], now=T1)
    assert [r.status for r in summary.results] == ["ok"]
    assert kinds(ws) == [
        ("incident", "incident:digitalocean:k7yz2m9cq1wv"),
        ("incident", "incident:digitalocean:p3m8v0x6wq2d"),
    ]
    httpserver.clear()
    httpserver.expect_request("/api/v2/summary.json").respond_with_data(
        (FIX / "statuspage/summary_2.json").read_bytes(), content_type="application/json"
    )
    run_sources(ws, [spec], now=T1 + timedelta(minutes=2))
    run_sources(ws, [spec], now=T1 + timedelta(minutes=4))
    assert kinds(ws) == [
        ("incident", "incident:digitalocean:b9q4r2t8k1zx"),
        ("incident", "incident:digitalocean:k7yz2m9cq1wv"),
        ("incident", "incident:digitalocean:p3m8v0x6wq2d"),
        ("incident_escalated", "incident_escalated:digitalocean:k7yz2m9cq1wv:major"),
    ]
    assert count(ws, IncidentRow) == 3


def test_a_cloudflare_page_fails_the_run_and_stores_nothing(ws: Workspace, httpserver: HTTPServer) -> None:
    spec = spec_of(statuspage, "digitalocean.status.summary")
    httpserver.expect_request("/api/v2/summary.json").respond_with_data(
        (FIX / "feeds/html_page.html").read_bytes(), content_type="text/html"
    )
    [result] = run_sources(ws, [spec], now=T1).results
    assert result.status == "failed" and "HTML" in (result.error or "")
    assert count(ws, IncidentRow) == 0
    assert count(ws, SourceRun, SourceRun.status == "failed") == 1


def test_infomaniak_sends_the_token_and_follows_pages(ws: Workspace, httpserver: HTTPServer) -> None:
    spec = spec_of(infomaniak_status, "infomaniak.status")
    page1 = (FIX / "infomaniak_status/events_2.json").read_text().replace('"pages": 1', '"pages": 2')
    page2 = (
        (FIX / "infomaniak_status/events_1.json")
        .read_text()
        .replace('"page": 1', '"page": 2')
        .replace('"pages": 1', '"pages": 2')
    )
    page2 = page2.replace("2301001", "2301003")
    auth = {"Authorization": "Bearer tok-123"}
    httpserver.expect_request("/2/events", query_string="locale=en", headers=auth).respond_with_data(
        page1, content_type="application/json"
    )
    httpserver.expect_request("/2/events", query_string="locale=en&page=2", headers=auth).respond_with_data(
        page2, content_type="application/json"
    )
    [result] = run_sources(ws, [spec], now=T1).results
    assert result.status == "ok", result.error
    assert result.pages == 2
    assert count(ws, IncidentRow, IncidentRow.competitor == "infomaniak") == 3


def test_infomaniak_without_token_is_disabled(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_INFOMANIAK_TOKEN", raising=False)
    w = Workspace(Settings(home=tmp_path / "ws2"))
    w.init_store()
    [result] = run_sources(w, [spec_of(infomaniak_status, "infomaniak.status")], now=T1).results
    assert result.status == "disabled" and "VEILLE_INFOMANIAK_TOKEN" in (result.error or "")


def _mdx(title: str, day: str, product: str, status: str, body: str) -> bytes:
    return f"---\ntitle: {title}\nstatus: {status}\ndate: {day}\ncategory: storage\nproduct: {product}\n---\n\n{body}\n".encode()


def test_scaleway_changelog_walks_the_contents_api(ws: Workspace, httpserver: HTTPServer) -> None:
    spec = spec_of(scaleway_changelog, "scaleway.changelog")
    gh = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    base = "/repos/scaleway/docs-content/contents/changelog"
    httpserver.expect_request(base, headers=gh).respond_with_data(
        (FIX / "scaleway_changelog/root.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request(f"{base}/november2026", query_string="ref=main", headers=gh).respond_with_data(
        (FIX / "scaleway_changelog/november2026_2.json").read_bytes(), content_type="application/json"
    )
    httpserver.expect_request(f"{base}/october2026", headers=gh).respond_with_data(
        (FIX / "scaleway_changelog/october2026.json").read_bytes(), content_type="application/json"
    )
    raw = "/scaleway/docs-content/main/changelog"
    entries = {
        "november2026/2026-11-10-gpu-instances-added-new-gpu-b300-instances-available.mdx": _mdx(
            "B300 GPU Instances are available", "2026-11-10", "gpu-instances", "added", "In PAR-2."
        ),
        "november2026/2026-11-12-load-balancers-deprecated-lb-gp-xs-offer-end-of-life.mdx": _mdx(
            "LB-GP-XS reaches end of life", "2026-11-12", "load-balancers", "deprecated", "Migrate."
        ),
        "november2026/2026-11-19-object-storage-changed-new-pricing-for-glacier-class.mdx": _mdx(
            "New pricing for the Glacier storage class",
            "2026-11-19",
            "object-storage",
            "changed",
            "From 1 Dec.",
        ),
        "october2026/2026-10-28-kubernetes-added-kapsule-1-34-support.mdx": _mdx(
            "Kapsule supports Kubernetes 1.34", "2026-10-28", "kubernetes", "added", "Upgrade now."
        ),
    }
    for path, body in entries.items():
        httpserver.expect_request(f"{raw}/{path}").respond_with_data(body, content_type="text/plain")
    [result] = run_sources(ws, [spec], now=T1).results
    assert result.status == "ok", result.error
    assert result.pages == 3 + len(entries)  # three listings, then every entry they name
    assert count(ws, FeedItemRow, FeedItemRow.source_id == "scaleway.changelog") == 4
    assert len([k for k in kinds(ws) if k[0] == "feature"]) == 3
    assert len([k for k in kinds(ws) if k[0] == "price_announcement"]) == 1  # the Glacier pricing entry
    with ws.store.session() as s:
        titles = set(
            s.scalars(select(FeedItemRow.title).where(FeedItemRow.source_id == "scaleway.changelog"))
        )
    assert "Object Storage: New pricing for the Glacier storage class" in titles  # from the front matter


def test_feeds_and_release_feeds_on_their_real_paths(ws: Workspace, httpserver: HTTPServer) -> None:
    blog = spec_of(feeds, "ovhcloud.blog")
    releases = spec_of(github_releases, "hetzner.releases.cli")
    assert releases.url == "https://github.com/hetznercloud/cli/releases.atom"
    httpserver.expect_request("/feed/").respond_with_data(
        (FIX / "feeds/blog_fr_1.rss").read_bytes(), content_type="application/rss+xml"
    )
    httpserver.expect_request("/hetznercloud/cli/releases.atom").respond_with_data(
        (FIX / "github_releases/releases_1.atom").read_bytes(), content_type="application/atom+xml"
    )
    blog_ok = blog.__class__(
        **{**blog.__dict__, "verified": True}
    )  # the WordPress feed URL is unverified: enabled for the test
    results = run_sources(ws, [blog_ok, releases], now=T1).results
    assert sorted(r.status for r in results) == ["ok", "ok"], [r.error for r in results]
    assert count(ws, FeedItemRow) == 5
    assert len([k for k in kinds(ws) if k[0] == "feature"]) == 2
    assert len([k for k in kinds(ws) if k[0] == "price_announcement"]) == 1  # the blog's new storage prices


def test_an_xxe_feed_fails_cleanly(ws: Workspace, httpserver: HTTPServer) -> None:
    releases = spec_of(github_releases, "hetzner.releases.cli")
    httpserver.expect_request("/hetznercloud/cli/releases.atom").respond_with_data(
        (FIX / "feeds/xxe.rss").read_bytes(), content_type="application/atom+xml"
    )
    [result] = run_sources(ws, [releases], now=T1).results
    assert result.status == "failed" and "DOCTYPE" in (result.error or "")
    assert count(ws, FeedItemRow) == 0


def test_ovh_history_backfill_through_the_runner(
    ws: Workspace, httpserver: HTTPServer, reference: Path
) -> None:
    spec = spec_of(statuspage, "ovhcloud.status.public-cloud.history")
    body = (reference / "signals/status_ovhcloud-public-cloud_history.json").read_bytes()
    httpserver.expect_request("/history.json").respond_with_data(body, content_type="application/json")
    [result] = run_sources(ws, [spec], now=T1).results
    assert (result.status, result.observations) == ("ok", 119), result.error
    assert count(ws, IncidentRow, IncidentRow.competitor == "ovhcloud") == 119
    # months later it is all backlog, even the maintenance this old snapshot still shows in progress
    assert kinds(ws) == []
