"""Data for the web tests: a small knowledge base in the export shape and a little of everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.store.models import (
    Alert,
    AlertRule,
    Channel,
    EventRow,
    FeedItemRow,
    IncidentRow,
    JobRow,
    MentionRow,
    OfferVersion,
    RatingRow,
    ReviewRow,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def load_kb(session: Session, mutate: Callable[[Any], None] | None = None) -> None:
    """The bundled analysis (VMCloud's), optionally changed by ``mutate`` before it is saved."""
    from veille.kb.store import bundled, save

    kb = bundled()
    if mutate is not None:
        mutate(kb)
    save(session, kb, "test", "seed")


def offer(
    competitor: str, sku: str, price: str, when: datetime, valid_to: datetime | None, **kw: Any
) -> OfferVersion:
    return OfferVersion(
        source_id=f"{competitor}.catalog",
        competitor=competitor,
        sku=sku,
        region=kw.get("region", "fsn1"),
        billing="on_demand",
        valid_from=when,
        valid_to=valid_to,
        name=kw.get("name", sku.upper()),
        category=kw.get("category", "vps"),
        vcpu=Decimal(2),
        ram_gb=Decimal(4),
        disk_gb=Decimal(40),
        gpu_model=None,
        gpu_count=None,
        currency="EUR",
        price_hourly=None,
        price_monthly=Decimal(price),
        monthly_eur=Decimal(price),
        extra={},
        content_hash="x",
    )


def load_signals(
    session: Session, title: str = "Hetzner lowers CX22 price", text: str = "Great support"
) -> None:
    """Offers with history, events, an incident, news, a job, a rating and a review, an alert."""
    prices = ["4.51", "4.15", "3.79"]
    for i, price in enumerate(prices):
        start = NOW - timedelta(days=90 - 30 * i)
        end = NOW - timedelta(days=60 - 30 * i) if i < len(prices) - 1 else None
        session.add(offer("hetzner", "cx22", price, start, end, name="CX22"))
        session.add(offer("hetzner", "cx32", str(Decimal(price) * 2), start, end, name="CX32"))
    session.add(offer("ovhcloud", "vps-1", "5.5", NOW - timedelta(days=10), None, region="gra"))
    session.flush()
    event = EventRow(
        kind="price_change",
        competitor="hetzner",
        title=title,
        importance="high",
        occurred_at=NOW,
        detected_at=NOW,
        url="https://www.hetzner.com/cloud",
        dedup_key=f"pc:{title[:300]}",
        data={
            "old": {"price_monthly": "4.15", "monthly": "4.15", "currency": "EUR"},
            "new": {"price_monthly": "3.79", "monthly": "3.79", "currency": "EUR"},
            "currency": "EUR",
            "pct_change": "-8.67",
        },
        status="open",
    )
    session.add(event)
    session.add(
        IncidentRow(
            source_id="hetzner.status",
            incident_id="inc-1",
            competitor="hetzner",
            title=title,
            impact="major",
            status="resolved",
            started_at=NOW - timedelta(days=2),
            resolved_at=NOW - timedelta(days=1),
            components=["fsn1"],
            url="javascript:alert(1)",
            updates=[],
            first_seen_at=NOW,
        )
    )
    session.add(
        FeedItemRow(
            source_id="hetzner.blog",
            item_id="n1",
            competitor="hetzner",
            title=title,
            url="https://x.test/1",
            published_at=NOW,
            tags=[],
            first_seen_at=NOW,
        )
    )
    session.add(
        MentionRow(
            platform="hn",
            mention_id="m1",
            competitor="hetzner",
            title=title,
            url="https://news.ycombinator.com/item?id=1",
            author="someone",
            created_at=NOW,
            score=10,
            comments=3,
            first_seen_at=NOW,
            last_seen_at=NOW,
        )
    )
    session.add(
        JobRow(
            source_id="hetzner.jobs",
            job_id="j1",
            competitor="hetzner",
            title=title,
            department="Eng",
            function="engineering",
            location="Gunzenhausen",
            url="https://x.test/j",
            published_at=NOW,
            first_seen_at=NOW,
        )
    )
    session.add(
        RatingRow(
            competitor="hetzner", platform="g2", score=Decimal("4.3"), scale=Decimal(5), count=120, as_of=NOW
        )
    )
    session.add(
        ReviewRow(
            platform="g2",
            review_id="r1",
            competitor="hetzner",
            rating=Decimal(4),
            title=title,
            text=text,
            author="a",
            language="en",
            published_at=NOW,
            url=None,
            themes=[],
            sentiment=None,
            first_seen_at=NOW,
        )
    )
    session.add(Channel(name="file", kind="file", target="/secret/path/alerts.jsonl"))
    session.add(
        AlertRule(
            name="prices",
            kinds=["price_change"],
            competitors=[],
            min_importance="low",
            conditions={},
            channels=["file"],
            mode="immediate",
            enabled=True,
        )
    )
    session.flush()
    session.add(
        Alert(
            rule="prices",
            event_id=event.id,
            channel="file",
            created_at=NOW,
            status="pending",
            attempts=0,
            payload={},
        )
    )
