"""Product changes: changelog, release and blog items -> ``feed_items`` rows and ``feature`` events.

Items are stored once per (source, item id); a later edit of the title, link or summary updates the
row silently. Each new item raises a ``feature`` event (title, url, tags in ``data``): importance
``high`` when it is tagged ``pricing``, ``medium`` when it is a roadmap candidate (it touches what
VMCloud sells), ``low`` otherwise.

No flood on a first run: a feed is often an archive. Every item is stored, but an event is raised
only for items published within ``RECENT`` (30 days) of the run's time; an undated item raises one
only when its source already had items stored (so it is genuinely new, not backlog).

Only sources of kind ``changelog`` are handled here; press feeds (kind ``funding``) belong to the
funding detector, which reads the same observation type.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from veille.analysis.tagging import roadmap_candidate
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.observations import FeedItem, Observation
from veille.store.models import FeedItemRow

RECENT = timedelta(days=30)
KINDS = frozenset({"changelog"})


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
        candidate = roadmap_candidate(tags)
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
        drafts.append(
            EventDraft(
                kind="feature",
                competitor=row.competitor,
                title=obs.title[:500],
                importance=importance_of(tags),
                dedup_key=f"feature:{source_id}:{item_id}"[:400],
                occurred_at=obs.published_at or ctx.now,
                url=obs.url,
                data={
                    "title": obs.title,
                    "url": obs.url,
                    "tags": tags,
                    "roadmap_candidate": candidate,
                    "source_id": source_id,
                    "item_id": item_id,
                },
            )
        )
    ctx.session.flush()
    return drafts
