"""Queries on the ``jobs`` table: a posting is open at ``t`` when it was first seen at or before ``t`` and
not closed by then, so no separate snapshot table is needed."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from veille.store.models import JobRow


def open_counts(session: Session, competitor: str, at: datetime) -> Counter[str]:
    """Open postings of ``competitor`` at time ``at``, by function."""
    rows = session.execute(
        select(JobRow.function, func.count())
        .where(
            JobRow.competitor == competitor,
            JobRow.first_seen_at <= at,
            or_(JobRow.closed_at.is_(None), JobRow.closed_at > at),
        )
        .group_by(JobRow.function)
    ).all()
    return Counter({function: int(count) for function, count in rows})


def first_snapshot(session: Session, competitor: str) -> datetime | None:
    """When the competitor's boards were first seen."""
    return session.scalar(select(func.min(JobRow.first_seen_at)).where(JobRow.competitor == competitor))


def baseline_time(session: Session, competitor: str, now: datetime, window: timedelta) -> datetime | None:
    """The comparison point of a trend: ``now - window``, or the first snapshot if history is shorter."""
    first = first_snapshot(session, competitor)
    if first is None:
        return None
    return max(first, now - window)
