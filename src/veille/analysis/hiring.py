"""Hiring analysis: canonical job functions and open-role counts over time.

``classify`` (``veille.normalise.jobs``) maps a posting's title and department to one of
``FUNCTIONS``. Counts over time come from the ``jobs`` table: a posting is open at ``t`` when it was
first seen at or before ``t`` and not closed by then, so no separate snapshot table is needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from veille.normalise.jobs import FUNCTIONS
from veille.store.jobs import baseline_time, open_counts
from veille.store.models import JobRow

LONG_OPEN = timedelta(days=60)  # a role still open after this long is hard to fill


def counts_over_time(
    session: Session, competitor: str, start: datetime, end: datetime, step: timedelta = timedelta(days=7)
) -> list[tuple[datetime, dict[str, int]]]:
    """Open roles by function at ``start``, ``start + step``, ... up to ``end`` (for charts)."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    points: list[tuple[datetime, dict[str, int]]] = []
    at = start
    while at <= end:
        counts = open_counts(session, competitor, at)
        points.append((at, {f: counts.get(f, 0) for f in FUNCTIONS}))
        at += step
    return points


def hiring_summary(session: Session, now: datetime, competitor: str | None = None) -> list[dict[str, object]]:
    """Per competitor: open roles by function now and at the 90-day baseline, roles opened and closed
    in 30 days, and roles open for more than 60 days."""
    query = select(JobRow.competitor).distinct().where(JobRow.competitor.is_not(None))
    if competitor:
        query = query.where(JobRow.competitor == competitor)
    out: list[dict[str, object]] = []
    for comp in sorted(c for c in session.scalars(query) if c):
        since = now - timedelta(days=30)
        opened = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp, JobRow.first_seen_at > since, JobRow.first_seen_at <= now
            )
        )
        closed = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp, JobRow.closed_at > since, JobRow.closed_at <= now
            )
        )
        long_open = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp,
                JobRow.first_seen_at <= now - LONG_OPEN,
                or_(JobRow.closed_at.is_(None), JobRow.closed_at > now),
            )
        )
        current = open_counts(session, comp, now)
        ago90 = baseline_time(session, comp, now, timedelta(days=90))
        out.append(
            {
                "competitor": comp,
                "open": sum(current.values()),
                "by_function": {f: current.get(f, 0) for f in FUNCTIONS},
                "by_function_90d_ago": (
                    {f: n for f, n in open_counts(session, comp, ago90).items()} if ago90 is not None else {}
                ),
                "baseline_at": ago90.isoformat() if ago90 is not None else None,
                "opened_30d": int(opened or 0),
                "closed_30d": int(closed or 0),
                "open_over_60d": int(long_open or 0),  # hard-to-fill roles
            }
        )
    return out
