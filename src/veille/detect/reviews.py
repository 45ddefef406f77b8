"""Ratings and reviews: aggregates over time, reviews with themes and sentiment, and their events.

``rating``: a row in ``ratings`` only when the score or the count changes; a ``rating_change`` event
when the score moves by 0.1 or more (medium) or the count by 5% or more (low). The first aggregate of
a platform is a baseline, not a change.

``review``: each new review is stored once per (platform, id) with its themes and sentiment
(``veille.normalise.reviews``); a ``review`` event is low, medium when it is negative (sentiment
<= -0.2) about support. Reviews older than 30 days when first seen are stored without an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from veille.detect.mentions import is_recent
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.normalise.reviews import NEGATIVE, plain, sentiment, themes
from veille.observations import Observation, RatingSnapshot, Review
from veille.store import retention
from veille.store.models import RatingRow, ReviewRow


@ingestor("rating")
def ingest_ratings(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Record aggregates that changed and return the ``rating_change`` events."""
    drafts: list[EventDraft] = []
    for obs in observations:
        if not isinstance(obs, RatingSnapshot):
            continue
        competitor = obs.competitor or ctx.source.competitor
        previous = latest_rating(ctx.session, competitor, obs.platform)
        if previous is not None and previous.score == obs.score and previous.count == obs.count:
            continue
        ctx.session.add(
            RatingRow(
                competitor=competitor,
                platform=obs.platform,
                score=obs.score,
                scale=obs.scale,
                count=obs.count,
                as_of=obs.as_of,
                url=obs.url,
                source_id=ctx.source.id,
                entered_by=None,
            )
        )
        ctx.session.flush()
        draft = rating_change(previous, competitor, obs.platform, obs.score, obs.count, obs.as_of, obs.url)
        if draft is not None:
            drafts.append(draft)
    return drafts


@ingestor("review")
def ingest_reviews(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store new reviews with their themes and sentiment; return the ``review`` events."""
    latest = {(o.platform, o.id): o for o in observations if isinstance(o, Review)}
    if not latest:
        return []
    rows = ctx.session.execute(
        select(ReviewRow.platform, ReviewRow.review_id).where(
            tuple_(ReviewRow.platform, ReviewRow.review_id).in_(list(latest))
        )
    ).all()
    known = {(platform, review_id) for platform, review_id in rows}
    drafts: list[EventDraft] = []
    for key, review in latest.items():
        if key in known:
            continue
        competitor = review.competitor or ctx.source.competitor
        body = f"{review.title}. {review.text}"
        found = themes(body)
        mood = sentiment(body, review.rating)
        ctx.session.add(
            ReviewRow(
                platform=review.platform,
                review_id=review.id,
                competitor=competitor,
                rating=review.rating,
                title=review.title,
                text=review.text,
                author=review.author,
                language=review.language,
                published_at=review.published_at,
                url=review.url,
                themes=found,
                sentiment=mood,
                first_seen_at=ctx.now,
            )
        )
        if not is_recent(review.published_at, ctx.now):
            continue
        negative_support = "support" in found and mood <= NEGATIVE
        stars = f"{review.rating}★ " if review.rating is not None else ""
        drafts.append(
            EventDraft(
                kind="review",
                competitor=competitor,
                title=f"{review.platform} review {stars}: {review.title or review.text[:80]}"[:300],
                importance="medium" if negative_support else "low",
                dedup_key=f"review:{review.platform}:{review.id}",
                occurred_at=review.published_at,
                url=review.url,
                data={
                    "platform": review.platform,
                    "id": review.id,
                    "rating": str(review.rating) if review.rating is not None else None,
                    "headline": review.title or review.text[:80],
                    "themes": found,
                    "sentiment": str(mood),
                    "language": review.language,
                },
            )
        )
    ctx.session.flush()
    retention.apply_if_due(ctx.session, ctx.now, ctx.settings)
    return drafts


def latest_rating(session: Session, competitor: str | None, platform: str) -> RatingRow | None:
    """The newest recorded aggregate of ``competitor`` on ``platform``."""
    return session.scalars(
        select(RatingRow)
        .where(RatingRow.competitor == competitor, RatingRow.platform == platform)
        .order_by(RatingRow.as_of.desc(), RatingRow.id.desc())
        .limit(1)
    ).first()


def rating_change(
    previous: RatingRow | None,
    competitor: str | None,
    platform: str,
    score: Decimal,
    count: int | None,
    as_of: datetime,
    url: str | None,
) -> EventDraft | None:
    """A ``rating_change`` event when the score moves by 0.1 or more (medium) or the count by 5% (low)."""
    if previous is None:
        return None
    delta = score - previous.score
    count_delta = (count - previous.count) if count is not None and previous.count is not None else 0
    count_moved = (
        previous.count is not None and count_delta != 0 and abs(count_delta) * 20 >= max(previous.count, 1)
    )
    if abs(delta) < Decimal("0.1") and not count_moved:
        return None
    importance = "medium" if abs(delta) >= Decimal("0.1") else "low"
    arrow = "↑" if delta > 0 else "↓" if delta < 0 else "="
    title = f"{competitor} {platform} rating {plain(previous.score)} → {plain(score)} {arrow}"
    if count_delta:
        title += f" ({count_delta:+d} reviews)"
    return EventDraft(
        kind="rating_change",
        competitor=competitor,
        title=title,
        importance=importance,
        dedup_key=f"rating_change:{competitor}:{platform}:{as_of.isoformat()}",
        occurred_at=as_of,
        url=url,
        data={
            "platform": platform,
            "score": plain(score),
            "previous_score": plain(previous.score),
            "count": count,
            "previous_count": previous.count,
        },
    )
