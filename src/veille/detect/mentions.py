"""Mentions (Hacker News, Reddit, Bluesky): dedup by platform id, counts over time, ``mention`` events.

A mention is stored once per (platform, id). Its score and comment count are tracked in
``mention_counts``, a row only when they change. A new mention gives a ``mention`` event (low; medium
when its score is already at the platform's threshold); a known mention whose score crosses the
threshold later gives one more, medium, event. Mentions older than ``RECENT`` when first seen (a
first run reading a long lookback) are stored without an event. A mention that comes back without
its author (deleted on the platform) loses its stored author and text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.observations import Mention, Observation
from veille.store import retention
from veille.store.models import EventRow, MentionCount, MentionRow

RECENT = timedelta(days=30)
# A mention at or above this score is "popular": medium importance.
SCORE_THRESHOLDS: dict[str, int] = {"hn": 100, "reddit": 100, "bluesky": 50, "x": 100}
PLATFORM_LABELS = {"hn": "Hacker News", "reddit": "Reddit", "bluesky": "Bluesky", "x": "X"}


def already_recorded(session: Session, dedup_key: str) -> bool:
    """Whether an event with ``dedup_key`` is stored already (so a replay proposes it again never)."""
    return session.scalar(select(EventRow.id).where(EventRow.dedup_key == dedup_key).limit(1)) is not None


def is_recent(when: datetime | None, now: datetime) -> bool:
    """True when ``when`` is unknown or within ``RECENT`` of ``now``: worth an event."""
    return when is None or when >= now - RECENT


def _event(mention: Mention, competitor: str | None, importance: str, key: str, popular: bool) -> EventDraft:
    label = PLATFORM_LABELS.get(mention.platform, mention.platform)
    title = f"{label}: {mention.title or mention.text[:100]}"
    if popular:
        title += f" ({mention.score} points)"
    return EventDraft(
        kind="mention",
        competitor=competitor,
        title=title[:300],
        importance=importance,
        dedup_key=key,
        occurred_at=mention.created_at,
        url=mention.url,
        data={
            "platform": mention.platform,
            "id": mention.id,
            "author": mention.author,
            "score": mention.score,
            "comments": mention.comments,
            "popular": popular,
        },
    )


@ingestor("mention")
def ingest_mentions(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store new mentions, track count changes, and return the mention events."""
    latest: dict[tuple[str, str], Mention] = {}
    for obs in observations:
        if isinstance(obs, Mention):
            latest[(obs.platform, obs.id)] = obs
    if not latest:
        return []
    session = ctx.session
    existing: dict[tuple[str, str], MentionRow] = {}
    keys = list(latest)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = session.scalars(
            select(MentionRow).where(tuple_(MentionRow.platform, MentionRow.mention_id).in_(chunk))
        )
        existing.update({(r.platform, r.mention_id): r for r in rows})
    drafts: list[EventDraft] = []
    for key, mention in latest.items():
        competitor = mention.competitor or ctx.source.competitor
        threshold = SCORE_THRESHOLDS.get(mention.platform)
        popular = threshold is not None and mention.score is not None and mention.score >= threshold
        row = existing.get(key)
        if row is None:
            row = MentionRow(
                platform=mention.platform,
                mention_id=mention.id,
                competitor=competitor,
                title=mention.title,
                url=mention.url,
                author=mention.author,
                text=mention.text,
                created_at=mention.created_at,
                score=mention.score,
                comments=mention.comments,
                first_seen_at=ctx.now,
                last_seen_at=ctx.now,
            )
            session.add(row)
            session.flush()
            session.add(
                MentionCount(
                    mention_row_id=row.id, observed_at=ctx.now, score=mention.score, comments=mention.comments
                )
            )
            if is_recent(mention.created_at, ctx.now):
                importance = "medium" if popular else "low"
                drafts.append(
                    _event(mention, competitor, importance, f"mention:{mention.platform}:{mention.id}", False)
                )
            continue
        row.last_seen_at = max(row.last_seen_at, ctx.now)
        if mention.author is None and row.author is not None:
            row.author, row.text = None, ""  # deleted by its author: honour it (Reddit's terms require it)
        if (row.score, row.comments) == (mention.score, mention.comments):
            continue
        was_popular = threshold is not None and row.score is not None and row.score >= threshold
        row.score, row.comments = mention.score, mention.comments
        session.add(
            MentionCount(
                mention_row_id=row.id, observed_at=ctx.now, score=mention.score, comments=mention.comments
            )
        )
        key_popular = f"mention:{mention.platform}:{mention.id}:popular"
        if popular and not was_popular and not already_recorded(session, key_popular):
            drafts.append(_event(mention, competitor, "medium", key_popular, True))
    retention.apply_if_due(ctx.session, ctx.now, ctx.settings)
    return drafts
