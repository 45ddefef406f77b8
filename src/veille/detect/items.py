"""Product changes: changelog, release and blog items -> ``feed_items`` rows and ``feature`` events.

Items are stored once per (source, item id); a later edit of the title, link or summary updates the
row silently. Each new item raises a ``feature`` event (title, url, tags in ``data``): importance
``high`` when it is tagged ``pricing``, ``medium`` when it is a roadmap candidate (it touches what
VMCloud sells), ``low`` otherwise.

No flood on a first run: a feed is often an archive. Every item is stored, but an event is raised
only for items published within ``RECENT`` (30 days) of the run's time; an undated item raises one
only when its source already had items stored (so it is genuinely new, not backlog).

An item whose title announces prices ("Price adjustment for cloud servers", "Hausse des tarifs",
"Preisanpassung": ``tagging.announces_price``) is no feature: it raises a ``price_announcement`` event
(high), linked to the competitor's current offers (``data.offers``: how many, and up to
``OFFER_SKUS`` of their skus), and is never a roadmap candidate.

Only sources of kind ``changelog`` are handled here; press feeds (kind ``funding``) belong to the
funding detector, which reads the same observation type.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.normalise.tagging import announces_price, roadmap_candidate
from veille.observations import FeedItem, Observation
from veille.store.models import FeedItemRow, OfferVersion

RECENT = timedelta(days=30)
KINDS = frozenset({"changelog"})
OFFER_SKUS = 50


def offers_of(session: Session, competitor: str | None) -> dict[str, Any]:
    """The competitor's current offers a price announcement concerns: ``{"count", "skus"}``."""
    if not competitor:
        return {"count": 0, "skus": []}
    live = (OfferVersion.competitor == competitor, OfferVersion.valid_to.is_(None))
    count = session.scalar(select(func.count(func.distinct(OfferVersion.sku))).where(*live)) or 0
    skus = session.scalars(
        select(OfferVersion.sku).where(*live).distinct().order_by(OfferVersion.sku).limit(OFFER_SKUS)
    )
    return {"count": int(count), "skus": list(skus)}


def importance_of(tags: Sequence[str]) -> str:
    if "pricing" in tags:
        return "high"
    return "medium" if roadmap_candidate(tags) else "low"


@ingestor("item")
def ingest_items(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store new feed items of a changelog source and raise ``feature`` events for the recent ones."""
    if ctx.source.kind not in KINDS:
        return []
    source_id = ctx.source.id
    query = select(FeedItemRow.item_id, FeedItemRow.id).where(FeedItemRow.source_id == source_id)
    known: dict[str, int | None] = {item_id: row_id for item_id, row_id in ctx.session.execute(query).all()}
    had_items = bool(known)
    drafts: list[EventDraft] = []
    # One item per id; where a snapshot holds an id twice, the later reading wins (a changelog reads
    # an entry's file after the listing that named it).
    latest = {obs.id[:500]: obs for obs in observations if isinstance(obs, FeedItem)}
    for obs in latest.values():
        item_id = obs.id[:500]
        if item_id in known:
            row_id = known[item_id]
            if row_id is None:  # the same item twice in one snapshot
                continue
            row = ctx.session.get(FeedItemRow, row_id)
            if row is not None:
                row.title, row.url = obs.title, obs.url or row.url
                row.summary = obs.summary or row.summary
            continue
        tags = list(obs.tags)
        price = announces_price(obs.title)
        candidate = roadmap_candidate(tags) and not price
        row = FeedItemRow(
            source_id=source_id,
            item_id=item_id,
            competitor=obs.competitor or ctx.source.competitor,
            title=obs.title,
            url=obs.url,
            published_at=obs.published_at,
            tags=tags,
            summary=obs.summary,
            roadmap_candidate=candidate,
            first_seen_at=ctx.now,
        )
        ctx.session.add(row)
        known[item_id] = None
        recent = obs.published_at >= ctx.now - RECENT if obs.published_at is not None else had_items
        if not recent:
            continue
        data: dict[str, Any] = {
            "title": obs.title,
            "url": obs.url,
            "tags": tags,
            "roadmap_candidate": candidate,
            "source_id": source_id,
            "item_id": item_id,
        }
        kind = "price_announcement" if price else "feature"
        if price:
            data["offers"] = offers_of(ctx.session, row.competitor)
        drafts.append(
            EventDraft(
                kind=kind,
                competitor=row.competitor,
                title=obs.title[:500],
                importance="high" if price else importance_of(tags),
                dedup_key=f"{kind}:{source_id}:{item_id}"[:400],
                occurred_at=obs.published_at or ctx.now,
                url=obs.url,
                data=data,
            )
        )
    ctx.session.flush()
    return drafts
