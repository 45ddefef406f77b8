"""The signal sources as a whole: registered, documented, honest about what is disabled and why."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from people_helpers import FIXTURES

from veille.collect.manual import enter_manual_rating
from veille.errors import ValidationError
from veille.settings import Settings
from veille.sources import get_parser, sources
from veille.store.db import Store

MODULES = (
    "hn", "reddit", "bluesky", "trustpilot", "greenhouse", "ashby", "personio", "lever", "workable",
    "smartrecruiters", "recruitee", "news", "edgar",
)  # fmt: skip
PARSERS = {
    "hn.algolia": "hn",
    "reddit.listing": "reddit",
    "bluesky.search": "bluesky",
    "trustpilot.page": "trustpilot",
    "greenhouse.jobs": "greenhouse",
    "ashby.jobs": "ashby",
    "personio.xml": "personio",
    "lever.postings": "lever",
    "workable.jobs": "workable",
    "smartrecruiters.postings": "smartrecruiters",
    "recruitee.offers": "recruitee",
    "news.feed": "news",
    "edgar.submissions": "edgar",
}


def test_modules_parsers_and_fixtures() -> None:
    for module in MODULES:
        doc = importlib.import_module(f"veille.sources.{module}").__doc__ or ""
        assert len(doc) > 200, f"{module} needs its docstring"
    for parser_id, folder in PARSERS.items():
        info = get_parser(parser_id)
        assert info.func.__doc__ and info.reads
        assert any((FIXTURES / folder).iterdir()), f"no fixture for {parser_id}"


def test_sources_as_documented() -> None:
    mine = {s.id: s for s in sources() if s.parser in PARSERS}
    assert len(mine) >= 60
    for spec in mine.values():
        assert spec.description and spec.url.startswith("https://") and spec.parser in PARSERS
        if spec.credential:
            assert spec.credential in Settings.model_fields and spec.auth is not None
    assert (
        mine["digitalocean.jobs.greenhouse"].url
        == "https://boards-api.greenhouse.io/v1/boards/digitalocean98/jobs"
    )
    assert dict(mine["digitalocean.jobs.greenhouse"].params) == {"content": "true"}
    assert mine["lambda.jobs.ashby"].url == "https://api.ashbyhq.com/posting-api/job-board/lambda"
    assert mine["contabo.jobs.personio"].url == "https://contabo.jobs.personio.de/xml"
    assert mine["coreweave.filings.edgar"].url == "https://data.sec.gov/submissions/CIK0001769628.json"
    assert mine["ovhcloud.mentions.reddit"].credential == "reddit_client_secret"
    assert mine["ovhcloud.reviews.trustpilot"].html and mine["ovhcloud.reviews.trustpilot"].verified is False
    assert mine["ovhcloud.reviews.trustpilot"].cadence.days == 7
    assert all(not s.verified for i, s in mine.items() if ".news." in i or "bluesky" in i)


def test_sources_list_says_why_disabled(cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("VEILLE_REDDIT_CLIENT_SECRET", raising=False)
    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    code, out, _ = cli("--home", home, "sources", "list", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert (rows["hetzner.mentions.reddit"]["enabled"], rows["hetzner.mentions.reddit"]["why_disabled"]) == (
        False,
        "needs VEILLE_REDDIT_CLIENT_SECRET and VEILLE_REDDIT_CLIENT_ID",
    )
    assert rows["hetzner.mentions.hn"]["enabled"] is True
    assert (
        rows["hetzner.reviews.trustpilot"]["enabled"] is False
        and "unverified" in rows["hetzner.reviews.trustpilot"]["why_disabled"]
    )


def test_manual_rating_function_for_the_dashboard(any_store: Store) -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with any_store.session() as s:
        row, events = enter_manual_rating(
            s, now, competitor="ovhcloud", platform="Capterra", score=Decimal("4.4"), count=310
        )
        assert (row.platform, row.as_of, row.entered_by, events) == ("capterra", now, "cli", [])
    with any_store.session() as s:
        _, events = enter_manual_rating(
            s,
            now.replace(day=27),
            competitor="ovhcloud",
            platform="capterra",
            score=Decimal("4.2"),
            entered_by="web:alice",
        )
        assert [(e.kind, e.importance, e.source_id) for e in events] == [
            ("rating_change", "medium", "manual")
        ]
    with any_store.session() as s, pytest.raises(ValidationError):
        enter_manual_rating(s, now, competitor="ovhcloud", platform="g2", score=Decimal("5.5"))
