"""Signals about one competitor or all: incidents, ratings, reviews, jobs, news and mentions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.store.models import FeedItemRow, IncidentRow, JobRow, MentionRow, RatingRow, ReviewRow
from veille.web.data import paging


def incidents_page(
    session: Session,
    *,
    competitor: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> paging.Page[IncidentRow]:
    limit = paging.clamp(limit)
    query = select(IncidentRow)
    if competitor:
        query = query.where(IncidentRow.competitor == competitor)
    if open_only:
        query = query.where(IncidentRow.resolved_at.is_(None))
    key = paging.decode(cursor, 1)
    if key:
        query = query.where(IncidentRow.id < key[0])
    rows = list(session.scalars(query.order_by(IncidentRow.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].id) if more and rows else None)


def latest_ratings(session: Session, competitor: str) -> list[RatingRow]:
    """The newest rating per platform."""
    newest = (
        select(RatingRow.platform, func.max(RatingRow.id).label("id"))
        .where(RatingRow.competitor == competitor)
        .group_by(RatingRow.platform)
        .subquery()
    )
    return list(
        session.scalars(
            select(RatingRow).join(newest, RatingRow.id == newest.c.id).order_by(RatingRow.platform)
        )
    )


def ratings_page(
    session: Session, *, competitor: str | None = None, limit: int = 50, cursor: str | None = None
) -> paging.Page[RatingRow]:
    limit = paging.clamp(limit)
    query = select(RatingRow)
    if competitor:
        query = query.where(RatingRow.competitor == competitor)
    key = paging.decode(cursor, 1)
    if key:
        query = query.where(RatingRow.id < key[0])
    rows = list(session.scalars(query.order_by(RatingRow.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].id) if more and rows else None)


def reviews(session: Session, competitor: str, limit: int = 10) -> list[ReviewRow]:
    query = select(ReviewRow).where(ReviewRow.competitor == competitor)
    return list(session.scalars(query.order_by(ReviewRow.id.desc()).limit(limit)))


def jobs(session: Session, competitor: str, limit: int = 10) -> tuple[dict[str, int], list[JobRow]]:
    """Open postings counted by function, and the newest ones."""
    base = (JobRow.competitor == competitor, JobRow.closed_at.is_(None))
    counts = session.execute(select(JobRow.function, func.count()).where(*base).group_by(JobRow.function))
    latest = session.scalars(select(JobRow).where(*base).order_by(JobRow.id.desc()).limit(limit))
    return dict(sorted(((str(f), int(n)) for f, n in counts), key=lambda kv: -kv[1])), list(latest)


def news(session: Session, competitor: str, limit: int = 10) -> list[dict[str, Any]]:
    """Feed items and mentions about the competitor, newest first."""
    items = session.scalars(
        select(FeedItemRow)
        .where(FeedItemRow.competitor == competitor)
        .order_by(FeedItemRow.id.desc())
        .limit(limit)
    )
    mentions = session.scalars(
        select(MentionRow)
        .where(MentionRow.competitor == competitor)
        .order_by(MentionRow.id.desc())
        .limit(limit)
    )
    out: list[dict[str, Any]] = [
        {
            "kind": "item",
            "title": i.title,
            "url": i.url,
            "when": i.published_at or i.first_seen_at,
            "source": i.source_id,
        }
        for i in items
    ]
    out += [
        {
            "kind": "mention",
            "title": m.title,
            "url": m.url,
            "when": m.created_at or m.first_seen_at,
            "source": m.platform,
        }
        for m in mentions
    ]
    out.sort(key=lambda x: x["when"], reverse=True)
    return out[:limit]
