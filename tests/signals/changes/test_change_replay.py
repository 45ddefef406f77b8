"""Replaying two successive states of every product-change source gives exactly the expected
``feature`` and ``price_announcement`` events, and a third identical state gives none (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.sources.declared import sources_of

from veille.events import EventDraft
from veille.ingest import IngestContext, ingest
from veille.settings import Settings
from veille.sources import feeds, github_releases, scaleway_changelog
from veille.sources._registry import ParseContext, SourceSpec
from veille.store.db import Store
from veille.store.models import FeedItemRow

FIX = Path(__file__).resolve().parents[2] / "fixtures"
T1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=6)
T3 = T2 + timedelta(hours=6)


def spec_of(module: object, source_id: str) -> SourceSpec:
    return next(s for s in sources_of(module) if s.id == source_id)


def run(
    store: Store,
    spec: SourceSpec,
    parse: Callable[..., list],
    body: bytes,
    now: datetime,
    url: str | None = None,
) -> list[EventDraft]:  # type: ignore[type-arg]
    observations = parse(body, ParseContext(spec.id, spec.competitor, url or spec.url, now))
    with store.session() as session:
        drafts = ingest(
            IngestContext(session, spec, None, now, Settings(home=Path("/nonexistent"))), observations
        )
    return [d for d in drafts if d.kind in ("feature", "price_announcement")]


def keys(drafts: list[EventDraft]) -> list[tuple[str, str]]:
    return sorted((d.dedup_key, d.importance) for d in drafts)


MONTH = scaleway_changelog.LISTING_URL + "/november2026"
CASES = [
    pytest.param(
        feeds,
        "ovhcloud.blog",
        feeds.parse_generic_feed,
        "feeds/blog_fr_1.rss",
        "feeds/blog_fr_2.rss",
        None,
        [
            ("price_announcement:ovhcloud.blog:https://blog.ovhcloud.com/?p=31000", "high"),
            ("feature:ovhcloud.blog:https://blog.ovhcloud.com/?p=31001", "medium"),
        ],
        [("feature:ovhcloud.blog:https://blog.ovhcloud.com/?p=31002", "low")],
        4,
        id="french-blog",
    ),
    pytest.param(
        feeds,
        "hetzner.news",
        feeds.parse_generic_feed,
        "feeds/blog_de_1.atom",
        "feeds/blog_de_2.atom",
        None,
        [
            ("feature:hetzner.news:tag:hetzner.com,2026:news/neue-dedizierte-gpu-server", "medium"),
            ("price_announcement:hetzner.news:tag:hetzner.com,2026:news/preisanpassung-cloud", "high"),
        ],
        [("feature:hetzner.news:tag:hetzner.com,2026:news/neuer-standort-singapur", "low")],
        3,
        id="german-blog",
    ),
    pytest.param(
        github_releases,
        "hetzner.releases.cli",
        github_releases.parse_releases,
        "github_releases/releases_1.atom",
        "github_releases/releases_2.atom",
        None,
        [
            ("feature:hetzner.releases.cli:tag:github.com,2008:Repository/105235004/v1.52.0", "medium")
        ],  # v1.51.0 is older than 30 days
        [("feature:hetzner.releases.cli:tag:github.com,2008:Repository/105235004/v1.53.0", "medium")],
        3,
        id="github-releases",
    ),
    pytest.param(
        scaleway_changelog,
        "scaleway.changelog",
        scaleway_changelog.parse_changelog,
        "scaleway_changelog/november2026_1.json",
        "scaleway_changelog/november2026_2.json",
        MONTH,
        [
            (
                "feature:scaleway.changelog:changelog/november2026/2026-11-10-gpu-instances-added-new-gpu-b300-instances-available.mdx",
                "medium",
            ),
            (
                "feature:scaleway.changelog:changelog/november2026/2026-11-12-load-balancers-deprecated-lb-gp-xs-offer-end-of-life.mdx",
                "medium",
            ),
        ],
        [
            (
                "price_announcement:scaleway.changelog:changelog/november2026/2026-11-19-object-storage-changed-new-pricing-for-glacier-class.mdx",
                "high",
            )
        ],
        3,
        id="scaleway-changelog",
    ),
]


@pytest.mark.parametrize(
    ("module", "source_id", "parse", "state1", "state2", "url", "expected1", "expected2", "stored"), CASES
)
def test_two_states_then_an_identical_third(
    any_store: Store, module, source_id, parse, state1, state2, url, expected1, expected2, stored
) -> None:  # type: ignore[no-untyped-def]
    spec = spec_of(module, source_id)
    body1, body2 = (FIX / state1).read_bytes(), (FIX / state2).read_bytes()
    assert keys(run(any_store, spec, parse, body1, T1, url)) == sorted(expected1)
    assert keys(run(any_store, spec, parse, body2, T2, url)) == sorted(expected2)
    assert run(any_store, spec, parse, body2, T3, url) == []
    with any_store.session() as session:
        rows = session.execute(select(FeedItemRow).where(FeedItemRow.source_id == source_id)).scalars().all()
        assert len(rows) == stored  # every item is stored, backlog included
        assert all(r.competitor == spec.competitor for r in rows)


def test_feature_event_carries_title_url_and_tags(any_store: Store) -> None:
    spec = spec_of(feeds, "ovhcloud.blog")
    drafts = run(any_store, spec, feeds.parse_generic_feed, (FIX / "feeds/blog_fr_1.rss").read_bytes(), T1)
    gpu = next(d for d in drafts if d.dedup_key.endswith("31001"))
    assert gpu.competitor == "ovhcloud"
    assert gpu.occurred_at == datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    assert gpu.data["title"] == "Nouvelles instances GPU H200 disponibles à Gravelines"
    assert gpu.data["url"] == "https://blog.ovhcloud.com/nouvelles-instances-gpu-h200/"
    assert gpu.data["tags"] == ["compute", "gpu_ai"] and gpu.data["roadmap_candidate"] is True
    with any_store.session() as session:
        row = session.execute(select(FeedItemRow).where(FeedItemRow.item_id.like("%31001"))).scalar_one()
        assert row.roadmap_candidate and row.tags == ["compute", "gpu_ai"]


def test_undated_items_are_backlog_on_a_first_run_only(any_store: Store) -> None:
    spec = spec_of(feeds, "digitalocean.release-notes")

    def doc(*guids: str) -> bytes:
        items = "".join(
            f"<item><title>Droplet update {g}</title><guid>{g}</guid><link>https://docs.digitalocean.com/release-notes/#{g}</link></item>"
            for g in guids
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Release notes</title>{items}</channel></rss>'.encode()

    assert run(any_store, spec, feeds.parse_generic_feed, doc("a", "b"), T1) == []
    assert keys(run(any_store, spec, feeds.parse_generic_feed, doc("c", "a", "b"), T2)) == [
        ("feature:digitalocean.release-notes:c", "medium")
    ]


def test_press_feeds_are_left_to_the_funding_detector(any_store: Store) -> None:
    spec = replace(spec_of(feeds, "ovhcloud.blog"), id="news-ovhcloud-press", kind="funding")
    assert (
        run(any_store, spec, feeds.parse_generic_feed, (FIX / "feeds/blog_fr_1.rss").read_bytes(), T1) == []
    )


def test_an_item_twice_in_one_snapshot_is_stored_once(any_store: Store) -> None:
    spec = spec_of(feeds, "digitalocean.release-notes")
    [item] = feeds.parse_generic_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>App Platform: new regions</title>'
        b"<guid>dup</guid><pubDate>Fri, 20 Nov 2026 08:00:00 +0000</pubDate></item></channel></rss>",
        ParseContext(spec.id, spec.competitor, spec.url, T1),
    )
    with any_store.session() as session:
        drafts = ingest(
            IngestContext(session, spec, None, T1, Settings(home=Path("/nonexistent"))), [item, item]
        )
    assert keys([d for d in drafts if d.kind == "feature"]) == [
        ("feature:digitalocean.release-notes:dup", "medium")
    ]
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(FeedItemRow)) == 1
