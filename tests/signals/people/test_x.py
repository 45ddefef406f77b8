"""X (Twitter) recent search: the documented response format, parsed, and fetched over loopback."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from people_helpers import fixture
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from veille.collect.runner import run_sources
from veille.errors import ParseError
from veille.kb import ids
from veille.observations import Mention
from veille.settings import Settings
from veille.sources import ParseContext, get_source, parse_body
from veille.sources._http import credential_problem
from veille.sources.x import query_for
from veille.store.models import EventRow, MentionRow
from veille.workspace import Workspace

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
CTX = ParseContext("ovhcloud.mentions.x", "ovhcloud", "https://api.x.com/2/tweets/search/recent", NOW)


def test_a_page_gives_one_mention_per_post_with_the_handle_only() -> None:
    found = parse_body("x.recent_search", fixture("x/recent_search_ovhcloud_page1.json"), CTX)
    assert all(isinstance(m, Mention) for m in found)
    first, second, third = found  # type: ignore[misc]
    assert (first.platform, first.id, first.author) == ("x", "1861523478120546615", "camille_ops")
    assert first.url == "https://x.com/camille_ops/status/1861523478120546615"
    assert (first.score, first.comments, first.competitor) == (37, 12, "ovhcloud")
    assert first.created_at == datetime(2026, 11, 26, 5, 41, 7, tzinfo=UTC)
    assert "&amp;" not in second.text and "&" in second.text  # X escapes & in texts
    assert third.text.startswith("Kimsufi KS-LE-B de retour")


def test_an_empty_search_is_no_mention_and_an_error_document_is_refused() -> None:
    assert parse_body("x.recent_search", fixture("x/recent_search_empty.json"), CTX) == []
    problem = json.dumps(
        {"title": "Invalid Request", "detail": "One or more parameters to your request was invalid."}
    )
    with pytest.raises(ParseError, match="parameters to your request was invalid"):
        parse_body("x.recent_search", problem.encode(), CTX)
    with pytest.raises(ParseError):
        parse_body("x.recent_search", b'{"data": [{"id": 5}], "meta": {}}', CTX)


def test_the_query_comes_from_the_record_and_skips_common_words() -> None:
    record = ids.record("digitalocean")
    assert (
        record is not None and query_for(record) == "(DigitalOcean) -is:retweet"
    )  # "DO" would match anything
    ovh = ids.record("ovhcloud")
    assert (
        ovh is not None
        and query_for(ovh) == '(OVH OR OVHcloud OR "OVH SAS" OR Kimsufi OR "So you Start") -is:retweet'
    )
    assert query_for(ids.CompetitorRecord(id="newco", name="NewCo")) is None  # no mentions identifier


def test_off_until_a_bearer_token_is_set() -> None:
    spec = get_source("ovhcloud.mentions.x")
    assert credential_problem(spec, Settings(x_bearer_token=None)) == "needs VEILLE_X_BEARER_TOKEN"
    assert credential_problem(spec, Settings(x_bearer_token="t0ken")) is None


def _workspace(tmp_path: Path, httpserver: HTTPServer) -> Workspace:
    ws = Workspace(
        Settings(
            home=tmp_path / "ws",
            url_map={"https://api.x.com": httpserver.url_for("/").rstrip("/")},
            http_retries=1,
            http_timeout=5.0,
            x_bearer_token="AAAA-test-bearer",
        )
    )
    ws.init_store()
    return ws


def test_two_pages_over_loopback_with_the_bearer_token(tmp_path: Path, httpserver: HTTPServer) -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: Any) -> Any:
        from werkzeug import Response

        seen.append({"args": dict(request.args), "auth": request.headers.get("Authorization")})
        page = "page2" if "next_token" in request.args else "page1"
        return Response(fixture(f"x/recent_search_ovhcloud_{page}.json"), content_type="application/json")

    httpserver.expect_request("/2/tweets/search/recent", method="GET").respond_with_handler(answer)
    ws = _workspace(tmp_path, httpserver)
    [result] = run_sources(ws, [get_source("ovhcloud.mentions.x")], now=NOW).results
    assert (result.status, result.observations, result.events) == ("ok", 4, 4), result.error
    assert [s["auth"] for s in seen] == ["Bearer AAAA-test-bearer"] * 2
    assert seen[0]["args"] == {
        "query": '(OVH OR OVHcloud OR "OVH SAS" OR Kimsufi OR "So you Start") -is:retweet',
        "max_results": "100",
        "tweet.fields": "created_at,public_metrics,author_id,lang",
        "expansions": "author_id",
        "user.fields": "username",
    }
    assert seen[1]["args"]["next_token"] == "b26v89c19zqg8o3fr5dwpm0dpkfgbj4hcyd7aej2v0ctp"
    with ws.store.session() as s:
        assert len(s.scalars(select(MentionRow).where(MentionRow.platform == "x")).all()) == 4
        popular = s.scalars(select(EventRow).where(EventRow.importance == "medium")).all()
    assert [e.data.get("platform") for e in popular] == ["x"]  # 214 likes: past X's threshold


def test_a_rate_limit_waits_for_its_reset_or_fails_clearly(tmp_path: Path, httpserver: HTTPServer) -> None:
    reset = str(int(time.time()) + 3600)
    httpserver.expect_request("/2/tweets/search/recent").respond_with_json(
        {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        status=429,
        headers={"x-rate-limit-reset": reset, "x-rate-limit-remaining": "0"},
    )
    ws = _workspace(tmp_path, httpserver)
    [result] = run_sources(ws, [get_source("ovhcloud.mentions.x")], now=NOW).results
    assert result.status == "failed"
    assert "429" in (result.error or "") and reset in (result.error or "")
    assert len(httpserver.log) == 1  # an hour's wait is past the run's deadline: no hammering
    with ws.store.session() as s:
        assert s.scalars(select(MentionRow)).all() == []
