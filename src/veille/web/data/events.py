"""Events, alerts, alert rules and actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from veille.events import IMPORTANCE
from veille.store.models import Action, Alert, AlertRule, Channel, EventRow
from veille.web.data import paging

EVENT = paging.columns(EventRow, "dedup_key", "run_id", "capture_id")
ALERT_STATUSES = ("pending", "sending", "sent", "failed", "digest")
"""An alert's delivery status (``alerts.status``)."""
OPEN_ALERT = Alert.acknowledged_at.is_(None)
"""An alert is open until a person acknowledges it, whatever its delivery status (docs/web.md)."""


def page(
    session: Session,
    *,
    kind: str | None = None,
    competitor: str | None = None,
    since: datetime | None = None,
    importance: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> paging.Page[Row[Any]]:
    """Events newest first (by detection time), filtered, keyset-paginated."""
    limit = paging.clamp(limit)
    query = select(*EVENT)
    if kind:
        query = query.where(EventRow.kind == kind)
    if competitor:
        query = query.where(EventRow.competitor == competitor)
    if since is not None:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        query = query.where(EventRow.detected_at >= since)
    if importance in IMPORTANCE:
        query = query.where(EventRow.importance.in_(IMPORTANCE[IMPORTANCE.index(importance) :]))
    key = paging.decode(cursor, 2)
    if key:
        query = query.where(
            or_(EventRow.detected_at < key[0], and_(EventRow.detected_at == key[0], EventRow.id < key[1]))
        )
    rows = list(
        session.execute(query.order_by(EventRow.detected_at.desc(), EventRow.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].detected_at, rows[-1].id) if more and rows else None)


def counts_since(session: Session, since: datetime, cap: int = 10000) -> dict[str, int]:
    """Events detected since ``since``, counted by kind (at most ``cap`` rows are looked at)."""
    recent = select(EventRow.kind).where(EventRow.detected_at >= since).limit(cap).subquery()
    rows = session.execute(select(recent.c.kind, func.count()).group_by(recent.c.kind))
    return dict(sorted(((str(k), int(n)) for k, n in rows), key=lambda kv: -kv[1]))


ALERT = [
    *paging.columns(Alert, "payload"),
    EventRow.title.label("event_title"),
    EventRow.competitor.label("event_competitor"),
    EventRow.kind.label("event_kind"),  # with the data: the title in the reader's language
    EventRow.data.label("event_data"),
]


def alerts_page(
    session: Session, *, open_only: bool = False, limit: int = 50, cursor: str | None = None
) -> paging.Page[Row[Any]]:
    """Alerts newest first, each with its event's title and competitor."""
    limit = paging.clamp(limit)
    query = select(*ALERT).join(EventRow, EventRow.id == Alert.event_id, isouter=True)
    if open_only:
        query = query.where(OPEN_ALERT)
    key = paging.decode(cursor, 1)
    if key:
        query = query.where(Alert.id < key[0])
    rows: list[Row[Any]] = list(session.execute(query.order_by(Alert.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].id) if more and rows else None)


def alert(session: Session, alert_id: int) -> Row[Any] | None:
    """One alert in the shape of ``alerts_page``'s rows."""
    query = select(*ALERT).join(EventRow, EventRow.id == Alert.event_id, isouter=True)
    return session.execute(query.where(Alert.id == alert_id)).first()


def alert_counts(session: Session) -> dict[str, int]:
    """How many alerts by delivery status, and how many are ``open`` (not acknowledged)."""
    rows = session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    counts = {str(s): int(n) for s, n in rows}
    counts["open"] = int(session.scalar(select(func.count()).select_from(Alert).where(OPEN_ALERT)) or 0)
    return counts


def acknowledge(session: Session, ids: list[int] | None, by: str, now: datetime | None = None) -> list[int]:
    """Acknowledge the open alerts ``ids`` (every open alert if None) in ``by``'s name; returns the ids
    acknowledged now (an alert acknowledged before keeps who and when)."""
    query = select(Alert).where(OPEN_ALERT)
    if ids is not None:
        query = query.where(Alert.id.in_(ids))
    when = now or datetime.now(UTC)
    done = []
    for alert in session.scalars(query.order_by(Alert.id)):
        alert.acknowledged_at = when
        alert.acknowledged_by = by
        done.append(alert.id)
    return done


def rules(session: Session) -> list[AlertRule]:
    return list(session.scalars(select(AlertRule).order_by(AlertRule.name).limit(500)))


def channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.name).limit(500)))


def open_actions(session: Session, competitor: str | None = None, limit: int = 20) -> list[Row[Any]]:
    """Open actions, newest first, each with its event's kind and data (its title in the reader's language)."""
    query = (
        select(Action.kind, Action.title, Action.competitor, EventRow.kind.label("event_kind"),
               EventRow.data.label("event_data"))
        .join(EventRow, EventRow.id == Action.event_id)
        .where(Action.status == "open")
    )  # fmt: skip
    if competitor:
        query = query.where(Action.competitor == competitor)
    return list(session.execute(query.order_by(Action.id.desc()).limit(limit)))
