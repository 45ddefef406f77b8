"""Personal data: authors and texts of mentions and reviews are erased past ``retention_days``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from people_helpers import fixture, replay
from sqlalchemy import func, select

from veille.settings import Settings
from veille.sources import get_source
from veille.store import retention
from veille.store.db import Store
from veille.store.models import MentionCount, MentionRow, ReviewRow

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


KEEP_ALL = Settings(retention_days=100_000)  # seeding: nothing is old enough to be erased yet


def _seed(store: Store) -> None:
    doc = json.loads(fixture("hn/search_by_date_scaleway_page1.json"))
    doc["hits"][0]["created_at_i"] = int((NOW - timedelta(days=400)).timestamp())  # an old comment
    replay(store, get_source("scaleway.mentions.hn"), json.dumps(doc).encode(), NOW, KEEP_ALL)
    page = fixture("trustpilot/review_digitalocean_week1.html")
    replay(store, get_source("digitalocean.reviews.trustpilot"), page, NOW, KEEP_ALL)


def test_apply_erases_old_personal_data_and_keeps_aggregates(any_store: Store) -> None:
    _seed(any_store)
    settings = Settings(retention_days=365)
    with any_store.session() as s:
        result = retention.apply(s, NOW, settings)
    assert (result.mentions, result.reviews, result.cutoff) == (1, 0, NOW - timedelta(days=365))
    with any_store.session() as s:
        old = s.scalars(select(MentionRow).where(MentionRow.mention_id == "42210077")).one()
        assert (old.author, old.text) == (None, "")
        assert (old.title, old.url, old.score) == (
            "Re: Ask HN: Where do you rent GPUs in Europe?",
            "https://news.ycombinator.com/item?id=42210077",
            None,
        )
        recent = s.scalars(select(MentionRow).where(MentionRow.mention_id == "42200420")).one()
        assert recent.author == "nico_fr"
        assert s.scalar(select(func.count()).select_from(MentionCount)) == 2  # count history kept
    # a shorter retention reaches the reviews (published 6 and 8 days ago), not yesterday's story;
    # themes and sentiment stay
    with any_store.session() as s:
        result = retention.apply(s, NOW, Settings(retention_days=5))
    assert (result.mentions, result.reviews) == (0, 2)
    with any_store.session() as s:
        reviews = s.scalars(select(ReviewRow).order_by(ReviewRow.review_id)).all()
        assert [(r.author, r.title, r.text) for r in reviews] == [(None, "", ""), (None, "", "")]
        assert [r.rating for r in reviews] == [Decimal(5), Decimal(1)]
        assert reviews[1].themes == ["support"] and reviews[1].sentiment == Decimal("-0.5")
    with any_store.session() as s:  # idempotent
        assert retention.apply(s, NOW, Settings(retention_days=5)).mentions == 0


def test_purged_mentions_stay_purged_when_seen_again(any_store: Store) -> None:
    _seed(any_store)
    with any_store.session() as s:
        retention.apply(s, NOW, Settings(retention_days=365))
    doc = json.loads(fixture("hn/search_by_date_scaleway_page1.json"))
    doc["hits"][0]["created_at_i"] = int((NOW - timedelta(days=400)).timestamp())
    assert (
        replay(
            any_store, get_source("scaleway.mentions.hn"), json.dumps(doc).encode(), NOW + timedelta(hours=1)
        )
        == []
    )
    with any_store.session() as s:
        old = s.scalars(select(MentionRow).where(MentionRow.mention_id == "42210077")).one()
        assert (old.author, old.text) == (None, "")


def test_purge_command(cli, workspace, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    import veille.cli.signals

    freeze_clock(veille.cli.signals, NOW)
    _seed(workspace.store)
    home = str(workspace.home)
    code, out, err = cli("--home", home, "purge", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["retention_days"], data["mentions"], data["reviews"]) == (365, 1, 0)
    code, out, _ = cli("--home", home, "purge", "--days", "0")
    assert code == 1
    code, out, _ = cli("--home", home, "purge", env={"VEILLE_RETENTION_DAYS": "1"})
    assert code == 0 and "0 mentions and 2 reviews" in " ".join(out.split())


def test_ingest_applies_the_retention_once_a_day(any_store: Store) -> None:
    doc = json.loads(fixture("hn/search_by_date_scaleway_page1.json"))
    doc["hits"][0]["created_at_i"] = int((NOW - timedelta(days=400)).timestamp())
    spec = get_source("scaleway.mentions.hn")
    replay(any_store, spec, json.dumps(doc).encode(), NOW)  # default retention: 365 days
    with any_store.session() as s:
        old = s.scalars(select(MentionRow).where(MentionRow.mention_id == "42210077")).one()
        assert (old.author, old.text) == (None, "")  # stored for its counts, never with its author
    with any_store.session() as s:
        assert retention.apply_if_due(s, NOW + timedelta(hours=23), Settings()) is None
        assert retention.apply_if_due(s, NOW + timedelta(hours=25), Settings()) is not None
