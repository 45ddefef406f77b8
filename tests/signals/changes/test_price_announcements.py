"""A changelog item announcing prices is a ``price_announcement``, not a feature: linked to the
competitor's current offers, never a roadmap candidate, routed to a price review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.sources.declared import sources_of

from veille.act.actions import create_actions
from veille.analysis.tagging import announces_price
from veille.collect.record import insert_events
from veille.ingest import IngestContext, ingest
from veille.settings import Settings
from veille.sources import feeds
from veille.sources._registry import ParseContext
from veille.store.db import Store
from veille.store.models import Action, EventRow, FeedItemRow, OfferVersion

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
# the demo's Hetzner changelog, as the RSS it serves
RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Hetzner Cloud Changelog</title>'
    b"<link>https://docs.hetzner.cloud/changelog</link>"
    b"<item><title>Price adjustment for cloud servers</title><guid>hc-price-2026</guid>"
    b"<link>https://docs.hetzner.cloud/changelog#price</link><pubDate>Sun, 06 Dec 2026 08:00:00 +0000</pubDate>"
    b"<description>New prices apply to CX servers from next month.</description></item>"
    b"<item><title>New GPU servers with NVIDIA L40S</title><guid>hc-gpu-l40s</guid>"
    b"<link>https://docs.hetzner.cloud/changelog#gpu-l40s</link><pubDate>Sat, 28 Nov 2026 08:00:00 +0000</pubDate>"
    b"<description>Cloud servers with NVIDIA L40S GPUs are available in fsn1 and nbg1.</description></item>"
    b"</channel></rss>"
)


def _offer(sku: str) -> OfferVersion:
    return OfferVersion(
        source_id="hetzner.server_types",
        competitor="hetzner",
        sku=sku,
        region="fsn1",
        billing="on_demand",
        valid_from=NOW - timedelta(days=14),
        valid_to=None,
        name=sku.upper(),
        category="vps",
        unit="hour",
        currency="EUR",
        price_monthly=Decimal("4.15"),
        extra={},
        content_hash=sku,
    )


@pytest.mark.parametrize(
    "title",
    [
        "Price adjustment for cloud servers",
        "Pricing update for Object Storage",
        "Évolution des tarifs du stockage objet au 1er janvier",
        "Hausse des prix des instances",
        "Preisanpassung für Cloud Server ab 1. Januar",
        "Preiserhöhung der dedizierten Server",
    ],
)
def test_price_wording_in_three_languages(title: str) -> None:
    assert announces_price(title)


@pytest.mark.parametrize(
    "title",
    ["New GPU servers with NVIDIA L40S", "Adjustment of firewall rules", "Increase of the API rate limit"],
)
def test_no_price_noun_no_announcement(title: str) -> None:
    assert not announces_price(title)


def test_the_hetzner_price_adjustment_is_a_price_announcement(any_store: Store) -> None:
    spec = next(s for s in sources_of(feeds) if s.id == "hetzner.changelog")
    with any_store.session() as session:
        session.add_all([_offer("cx22"), _offer("cx32")])
        session.flush()
        observations = feeds.parse_generic_feed(RSS, ParseContext(spec.id, spec.competitor, spec.url, NOW))
        drafts = ingest(
            IngestContext(session, spec, None, NOW, Settings(home=Path("/nonexistent"))), observations
        )
        by_kind = {d.kind: d for d in drafts}
        assert set(by_kind) == {"price_announcement", "feature"}
        price = by_kind["price_announcement"]
        assert price.title == "Price adjustment for cloud servers" and price.importance == "high"
        assert price.dedup_key == "price_announcement:hetzner.changelog:hc-price-2026"
        assert price.data["offers"] == {"count": 2, "skus": ["cx22", "cx32"]}
        assert price.data["roadmap_candidate"] is False
        insert_events(session, drafts, now=NOW, source_id=spec.id, run_id=None)
        events = list(session.scalars(select(EventRow).order_by(EventRow.id)))
        create_actions(session, events, NOW)
        actions = {(a.kind, a.title) for a in session.scalars(select(Action))}
        assert ("price_review", "Price adjustment for cloud servers") in actions
        assert ("roadmap_candidate", "Price adjustment for cloud servers") not in actions
        assert ("roadmap_candidate", "New GPU servers with NVIDIA L40S") in actions
        item = session.scalars(select(FeedItemRow).where(FeedItemRow.item_id == "hc-price-2026")).one()
        assert item.roadmap_candidate is False
