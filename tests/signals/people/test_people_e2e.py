"""End to end over loopback HTTP through the collection runner: real paths, query parameters, headers."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from people_helpers import fixture
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from veille.collect.runner import run_sources
from veille.settings import Settings
from veille.sources import get_source
from veille.store.models import EventRow, FilingRow, JobRow, MentionRow, RatingRow, ReviewRow, SourceRun
from veille.workspace import Workspace

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def _workspace(tmp_path: Path, httpserver: HTTPServer, *hosts: str, **settings: Any) -> Workspace:
    base = httpserver.url_for("/").rstrip("/")
    ws = Workspace(
        Settings(
            home=tmp_path / "ws",
            url_map={h: base for h in hosts},
            http_retries=0,
            http_timeout=5.0,
            **settings,
        )
    )
    ws.init_store()
    return ws


def _run(ws: Workspace, source_id: str) -> Any:
    [result] = run_sources(ws, [get_source(source_id)], now=NOW).results
    return result


def _count(ws: Workspace, model: Any) -> int:
    with ws.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_hn_walks_date_windows(tmp_path: Path, httpserver: HTTPServer) -> None:
    # The lookback runs back from the server's own Date header (the real clock): the hits are moved by as
    # much as the clock has moved since the fixtures were captured at NOW, and the run happens now.
    now = datetime.now(UTC).replace(microsecond=0)
    shift = int((now - NOW).total_seconds())
    seen: list[dict[str, str]] = []

    def answer(request: Request) -> Response:
        seen.append(dict(request.args))
        page = "page2" if "numericFilters" in request.args else "page1"
        doc = json.loads(fixture(f"hn/search_by_date_scaleway_{page}.json"))
        for hit in doc["hits"]:
            hit["created_at_i"] += shift
        return Response(json.dumps(doc), content_type="application/json")

    httpserver.expect_request("/api/v1/search_by_date", method="GET").respond_with_handler(answer)
    ws = _workspace(tmp_path, httpserver, "https://hn.algolia.com")
    [result] = run_sources(ws, [get_source("scaleway.mentions.hn")], now=now).results
    assert (result.status, result.observations, result.events) == ("ok", 3, 3), result.error
    assert seen[0] == {"query": "Scaleway", "tags": "(story,comment)", "hitsPerPage": "100"}
    assert set(seen[1]) == {"query", "tags", "hitsPerPage", "numericFilters"}
    low, high = re.fullmatch(r"created_at_i>(\d+),created_at_i<(\d+)", seen[1]["numericFilters"]).groups()  # type: ignore[union-attr]
    assert int(high) == 1795593824 + shift  # the oldest hit of page 1
    assert int(low) < 1795452000 + shift < int(high)  # the lookback reaches page 2's hit
    assert len(seen) == 2  # page 2 says nbPages 1: the walk stops
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("veille/")
    assert _count(ws, MentionRow) == 3


def test_greenhouse_board(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v1/boards/digitalocean98/jobs", method="GET", query_string={"content": "true"}
    ).respond_with_data(fixture("greenhouse/board_digitalocean98_day1.json"), content_type="application/json")
    ws = _workspace(tmp_path, httpserver, "https://boards-api.greenhouse.io")
    result = _run(ws, "digitalocean.jobs.greenhouse")
    assert (result.status, result.observations, result.events) == ("ok", 5, 0), result.error
    with ws.store.session() as s:
        assert sorted(s.scalars(select(JobRow.function))) == [
            "engineering",
            "gpu_ai",
            "gpu_ai",
            "sales",
            "support",
        ]


def test_personio_feed_and_empty_board(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/xml", query_string={"language": "en"}).respond_with_data(
        fixture("personio/contabo_positions.xml"), content_type="application/xml"
    )
    httpserver.expect_ordered_request("/xml", query_string={"language": "en"}).respond_with_data(
        fixture("personio/empty_board.xml"), content_type="application/xml"
    )
    ws = _workspace(tmp_path, httpserver, "https://contabo.jobs.personio.de")
    assert _run(ws, "contabo.jobs.personio").observations == 2
    result = _run(ws, "contabo.jobs.personio")
    assert (result.status, result.observations) == ("ok", 0), result.error
    with ws.store.session() as s:
        assert s.scalar(select(func.count()).select_from(JobRow).where(JobRow.closed_at.is_(None))) == 0


def test_edgar_sends_a_descriptive_user_agent(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/submissions/CIK0001582961.json").respond_with_data(
        fixture("edgar/submissions_CIK0001582961_nov24.json"), content_type="application/json"
    )
    ws = _workspace(tmp_path, httpserver, "https://data.sec.gov")
    result = _run(ws, "digitalocean.filings.edgar")
    assert (result.status, result.observations) == ("ok", 4), result.error
    request, _ = httpserver.log[0]
    agent = request.headers["User-Agent"]
    assert "veille" in agent and "https://" in agent  # who we are and where to reach us
    assert _count(ws, FilingRow) == 4
    with ws.store.session() as s:
        kinds = sorted(s.scalars(select(EventRow.kind)))
    assert kinds == ["filing", "filing", "funding"]  # the August 10-Q is backlog: stored, no event


def test_reddit_is_disabled_without_credentials(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEILLE_REDDIT_CLIENT_SECRET", raising=False)
    ws = _workspace(tmp_path, httpserver, "https://oauth.reddit.com")
    result = _run(ws, "hetzner.mentions.reddit")
    assert (result.status, result.error) == (
        "disabled",
        "needs VEILLE_REDDIT_CLIENT_SECRET and VEILLE_REDDIT_CLIENT_ID",
    )
    assert httpserver.log == []


def test_reddit_oauth_client_credentials(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = httpserver.url_for("/").rstrip("/")
    url_map = {"https://www.reddit.com": base, "https://oauth.reddit.com": base}
    monkeypatch.setenv("VEILLE_REDDIT_CLIENT_ID", "e2e-client-id")
    monkeypatch.setenv("VEILLE_REDDIT_CLIENT_SECRET", "e2e-secret")
    monkeypatch.setenv("VEILLE_URL_MAP", json.dumps(url_map))
    basic = "Basic " + base64.b64encode(b"e2e-client-id:e2e-secret").decode()
    httpserver.expect_ordered_request(
        "/api/v1/access_token",
        method="POST",
        headers={"Authorization": basic},
        data="grant_type=client_credentials",
    ).respond_with_data(fixture("reddit/token.json"), content_type="application/json")
    token = json.loads(fixture("reddit/token.json"))["access_token"]
    httpserver.expect_ordered_request(
        "/search",
        method="GET",
        headers={"Authorization": f"Bearer {token}"},
        query_string={"q": "Hetzner", "sort": "new", "t": "week", "limit": "100", "raw_json": "1"},
    ).respond_with_data(fixture("reddit/search_hetzner.json"), content_type="application/json")
    httpserver.expect_ordered_request(
        "/search",
        method="GET",
        query_string={
            "q": "Hetzner",
            "sort": "new",
            "t": "week",
            "limit": "100",
            "raw_json": "1",
            "after": "t3_1u0b2cd",
        },
    ).respond_with_json(
        {"kind": "Listing", "data": {"after": None, "dist": 0, "children": [], "before": None}}
    )
    ws = Workspace(Settings(home=tmp_path / "ws", http_retries=0))
    ws.init_store()
    result = _run(ws, "hetzner.mentions.reddit")
    assert (result.status, result.observations, result.events) == ("ok", 2, 2), result.error
    httpserver.check_assertions()
    agents = {request.headers["User-Agent"] for request, _ in httpserver.log}
    assert len(agents) == 1 and agents.pop().startswith("server:veille:")
    with ws.store.session() as s:
        assert sorted(s.scalars(select(MentionRow.mention_id))) == ["t3_1u0a1bc", "t3_1u0b2cd"]
        # the token never lands in what is recorded
        runs = s.scalars(select(SourceRun)).all()
        assert all(token not in (r.error or "") for r in runs)


def test_trustpilot_obeys_robots_txt(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /users/\n", content_type="text/plain"
    )
    httpserver.expect_request("/review/digitalocean.com", query_string={"sort": "recency"}).respond_with_data(
        fixture("trustpilot/review_digitalocean_week1.html"), content_type="text/html"
    )
    ws = _workspace(tmp_path, httpserver, "https://www.trustpilot.com")
    result = _run(ws, "digitalocean.reviews.trustpilot")
    assert (result.status, result.observations, result.events) == ("ok", 3, 2), result.error
    assert _count(ws, RatingRow) == 1 and _count(ws, ReviewRow) == 2


def test_trustpilot_blocked_by_robots_txt_stores_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /review/\n", content_type="text/plain"
    )
    ws = _workspace(tmp_path, httpserver, "https://www.trustpilot.com")
    result = _run(ws, "digitalocean.reviews.trustpilot")
    assert result.status == "failed" and "robots" in (result.error or "").lower()
    assert [r.url for r, _ in httpserver.log if r.path != "/robots.txt"] == []
    assert _count(ws, RatingRow) == 0 and _count(ws, ReviewRow) == 0


def test_hn_links_to_a_competitor_domain(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/v1/search_by_date",
        query_string={
            "query": "scaleway.com",
            "tags": "story",
            "restrictSearchableAttributes": "url",
            "hitsPerPage": "100",
        },
    ).respond_with_data(fixture("hn/search_by_date_scaleway_page2.json"), content_type="application/json")
    ws = _workspace(tmp_path, httpserver, "https://hn.algolia.com")
    result = _run(ws, "scaleway.mentions.hn-links")
    assert (result.status, result.observations, result.events) == ("ok", 1, 1), result.error
    assert len(httpserver.log) == 1  # one page (nbPages 1): no date window needed


def test_smartrecruiters_pages_by_offset(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veille.sources import _registry
    from veille.sources.smartrecruiters import board

    spec = board("hetzner", "ExampleCloudGmbH")
    monkeypatch.setitem(_registry._SOURCES, spec.id, spec)
    page = json.loads(fixture("smartrecruiters/postings_examplecloud.json"))
    first = {**page, "limit": 1, "totalFound": 2, "content": page["content"][:1]}
    second = {**page, "offset": 1, "limit": 1, "totalFound": 2, "content": page["content"][1:]}
    path = "/v1/companies/ExampleCloudGmbH/postings"
    httpserver.expect_ordered_request(path, query_string={"limit": "100", "offset": "0"}).respond_with_json(
        first
    )
    httpserver.expect_ordered_request(path, query_string={"limit": "100", "offset": "1"}).respond_with_json(
        second
    )
    ws = _workspace(tmp_path, httpserver, "https://api.smartrecruiters.com")
    result = _run(ws, spec.id)
    assert (result.status, result.observations) == ("ok", 2), result.error
    httpserver.check_assertions()


def test_bluesky_follows_the_cursor(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from veille.sources import _registry

    spec = replace(get_source("ovhcloud.mentions.bluesky"), verified=True)
    monkeypatch.setitem(_registry._SOURCES, spec.id, spec)
    path = "/xrpc/app.bsky.feed.searchPosts"
    params = {"q": "OVH", "sort": "latest", "limit": "100"}
    httpserver.expect_ordered_request(path, query_string=params).respond_with_data(
        fixture("bluesky/search_posts_ovhcloud.json"), content_type="application/json"
    )
    httpserver.expect_ordered_request(path, query_string={**params, "cursor": "25"}).respond_with_json(
        {"posts": []}
    )
    ws = _workspace(tmp_path, httpserver, "https://public.api.bsky.app")
    result = _run(ws, spec.id)
    assert (result.status, result.observations, result.events) == ("ok", 2, 2), result.error
    httpserver.check_assertions()


def test_google_news_search_parameters(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from veille.sources import _registry

    spec = replace(get_source("scaleway.news.google-fr"), verified=True)
    monkeypatch.setitem(_registry._SOURCES, spec.id, spec)
    httpserver.expect_request(
        "/rss/search",
        query_string={
            "q": '"Scaleway" (levée OR lève OR rachat OR acquisition OR bourse OR financement)',
            "hl": "fr",
            "gl": "FR",
            "ceid": "FR:fr",
        },
    ).respond_with_data(fixture("news/press_fr_2.rss"), content_type="application/rss+xml")
    ws = _workspace(tmp_path, httpserver, "https://news.google.com")
    result = _run(ws, spec.id)
    assert (result.status, result.observations, result.events) == ("ok", 3, 1), result.error
    with ws.store.session() as s:
        [event] = s.scalars(select(EventRow)).all()
    assert (event.kind, event.importance, event.data["amount"], event.data["currency"]) == (
        "funding",
        "high",
        "150000000",
        "EUR",
    )
