"""What the reports read from the store: events, actions, live positioning, price history, signals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError
from veille.store.models import Action, EventRow, OfferVersion, RatingRow


def events(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    kinds: Sequence[str] = (),
    competitor: str | None = None,
    limit: int = 200,
    dated: bool = False,
) -> list[EventRow]:
    """Open or accepted events detected in [since, until), newest first.

    With ``dated``, an event is also dated in the period: one detected now about something older (a
    changelog item of last month seen for the first time) is left out."""
    query = select(EventRow).where(
        EventRow.detected_at >= since, EventRow.detected_at < until, EventRow.status.in_(("open", "accepted"))
    )
    if kinds:
        query = query.where(EventRow.kind.in_(kinds))
    if competitor:
        query = query.where(EventRow.competitor == competitor)
    rows = list(session.scalars(query.order_by(EventRow.detected_at.desc(), EventRow.id.desc()).limit(limit)))
    if not dated:
        return rows
    kept = [e for e in rows if (e.occurred_at or e.detected_at) >= since]
    return sorted(kept, key=lambda e: e.occurred_at or e.detected_at, reverse=True)


def actions(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    kinds: Sequence[str] = (),
    competitor: str | None = None,
) -> list[Action]:
    query = select(Action).where(Action.created_at >= since, Action.created_at < until)
    if kinds:
        query = query.where(Action.kind.in_(kinds))
    if competitor:
        query = query.where(Action.competitor == competitor)
    return list(session.scalars(query.order_by(Action.created_at.desc(), Action.id.desc()).limit(200)))


def positioning(session: Session, at: datetime) -> dict[str, Any] | None:
    """The live positioning document at ``at``, or None when there is nothing to position."""
    from veille.analysis.positioning import positioning as compute

    try:
        return compute(session, at=at)
    except NotFoundError:
        return None


def price_history(
    session: Session, until: datetime, points: int = 10
) -> dict[str, dict[str, list[tuple[datetime, Decimal]]]]:
    """Cheapest live monthly EUR price per (reference product, competitor) at the last ``points`` change times."""
    times = sorted(
        t
        for t in session.scalars(
            select(OfferVersion.valid_from)
            .where(OfferVersion.valid_from <= until)
            .distinct()
            .order_by(OfferVersion.valid_from.desc())
            .limit(points)
        )
    )
    series: dict[str, dict[str, list[tuple[datetime, Decimal]]]] = {}
    for moment in [*times, until]:
        doc = positioning(session, moment)
        if doc is None:
            continue
        for row in doc["rows"]:
            if row.get("basis") != "live" or not row.get("compared", row.get("billing") == "on_demand"):
                continue
            line = series.setdefault(row["product"], {}).setdefault(row["competitor"], [])
            value = Decimal(row["monthly_eur"])
            if not line or line[-1][1] != value:
                line.append((moment, value))
    return series


def ratings(session: Session, competitor: str | None = None) -> list[RatingRow]:
    """Every rating snapshot, oldest first (per competitor and platform the trend reads left to right)."""
    query = select(RatingRow)
    if competitor:
        query = query.where(RatingRow.competitor == competitor)
    return list(session.scalars(query.order_by(RatingRow.as_of, RatingRow.id)))
