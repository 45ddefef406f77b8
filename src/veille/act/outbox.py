"""The outbox: an alert is a row before it is a message.

``queue`` writes ``alerts`` rows in the caller's transaction (the one that stored the events), so an
event and its alerts are committed together or not at all. ``dispatch`` then:

1. claims due alerts (``pending``/``digest`` whose time has come, or ``sending`` whose lease ran out
   after a crash) by marking them ``sending`` in its own committed transaction;
2. sends them, channel by channel;
3. marks them ``sent`` (with ``sent_at``), or back to ``pending`` with an exponential back-off, or
   ``failed`` when the channel can never work (a removed channel, a URL Apprise refuses).

Two dispatchers on one database never claim the same alert: a claim is a conditional UPDATE.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from veille.act.channels import ChannelConfig, ChannelError, open_sender
from veille.settings import Settings
from veille.store.db import Store
from veille.store.models import Alert, Channel, EventRow

log = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
BATCH = 500


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts`` (1, 2, ...): 30 s doubling, capped at 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def digest_period(mode: str, when: datetime) -> tuple[str, datetime]:
    """The digest ``when`` falls in (a label) and the time it is sent (the start of the next period)."""
    when = when.astimezone(UTC)
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if mode == "daily":
        return day.date().isoformat(), day + timedelta(days=1)
    if mode == "weekly":
        monday = day - timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}", monday + timedelta(days=7)
    first = day.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return f"{first:%Y-%m}", nxt


def event_payload(event: EventRow) -> dict[str, Any]:
    """What a channel needs to know about an event (kept in the alert row, so sending needs no join)."""
    return {
        "kind": event.kind,
        "competitor": event.competitor,
        "title": event.title,
        "importance": event.importance,
        "url": event.url,
        "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
        "detected_at": event.detected_at.isoformat() if event.detected_at else None,
        "source_id": event.source_id,
        "data": event.data or {},
    }


_QUEUED = select(Alert.rule, Alert.event_id, Alert.channel).where(
    Alert.event_id.in_(bindparam("ids", expanding=True))
)  # built once: every run that stores events asks


def queue(
    session: Session,
    events: Sequence[EventRow],
    rules: Sequence[Any],
    now: datetime,
    *,
    fresh: bool = False,
) -> int:
    """Write one alert per (matching rule, event, channel) not already queued. Returns how many.

    ``fresh``: the events were inserted in this transaction, so none has an alert to look up yet.
    ``rules``: stored rules (``AlertRule`` rows, rows of their columns) or ``enabled_rules``' checked
    ones. A rule that cannot be evaluated is skipped and reported (``rules.report_failures``).
    """
    from veille.act.rules import matching, prepare, report_failures

    ids = [e.id for e in events if e.id is not None]
    if not ids or not rules:
        return 0
    routing = prepare(rules)
    # route_events flushed the session and adds no ORM alert: the lookup and the inserts go straight
    # to the transaction's connection (the ORM's unit of work cost about a millisecond per run)
    connection = session.connection()
    existing: set[tuple[str, int, str]] = (
        set()
        if fresh
        else {(r.rule, r.event_id, r.channel) for r in connection.execute(_QUEUED, {"ids": ids})}
    )
    rows: list[dict[str, Any]] = []
    for event in events:
        for rule in matching(rules, event, routing):
            for channel in rule.channels:
                key = (rule.name, event.id, channel)
                if key in existing:
                    continue
                existing.add(key)
                payload = event_payload(event)
                payload["mode"] = rule.mode
                if rule.mode == "immediate":
                    status, due = "pending", now
                else:
                    label, due = digest_period(rule.mode, event.detected_at or now)
                    payload["digest"] = label
                    status = "digest"
                rows.append(
                    {
                        "rule": rule.name,
                        "event_id": event.id,
                        "channel": channel,
                        "created_at": now,
                        "status": status,
                        "attempts": 0,
                        "next_attempt_at": due,
                        "sent_at": None,
                        "last_error": None,
                        "payload": payload,
                    }
                )
    if rows:
        connection.execute(_INSERT_ALERT, rows)
    if routing.failed:
        report_failures(session, routing, now)
    return len(rows)


_INSERT_ALERT = insert(Alert)  # Core, on the connection (no ORM object is made)


@dataclass
class DispatchSummary:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    digest: str | None
    line: dict[str, Any]
    config: ChannelConfig | None


def _line(alert: Any) -> dict[str, Any]:
    """The JSON object a channel receives: the alert's identity, then the event's fields (``alert``: an
    ``Alert`` or a row with its columns)."""
    payload = dict(alert.payload)
    data = payload.pop("data", {})
    line: dict[str, Any] = {
        "id": alert.id,
        "rule": alert.rule,
        "event_id": alert.event_id,
        "channel": alert.channel,
    }
    line.update(payload)
    line["data"] = data
    return line


def _claim(store: Store, now: datetime, include_digests: bool, limit: int) -> list[_Claimed]:
    """Take the due alerts (at most ``limit``): one UPDATE whose ``RETURNING`` says which ones are ours.

    The UPDATE repeats the selection's conditions, so an alert another dispatcher claimed or sent since
    it was read (no longer due, or no longer in a claimable status) is not taken twice.
    """
    due = Alert.next_attempt_at <= now
    if include_digests:
        due = or_(due, Alert.status == "digest")
    claimable = (Alert.status.in_(("pending", "digest", "sending")), due)
    with store.session() as session:
        connection = session.connection()
        candidates = list(
            connection.execute(
                select(Alert.id, Alert.rule, Alert.event_id, Alert.channel, Alert.payload)
                .where(*claimable)
                .order_by(Alert.id)
                .limit(limit)
            )
        )
        if not candidates:
            return []
        channels = {c.name: ChannelConfig(c.name, c.kind, c.target) for c in connection.execute(_CHANNELS)}
        mine: set[int] = set()
        ids = [a.id for a in candidates]
        for start in range(0, len(ids), 500):
            mine.update(
                connection.execute(
                    update(Alert)
                    .where(Alert.id.in_(ids[start : start + 500]), *claimable)
                    .values(
                        status="sending", attempts=Alert.attempts + 1, next_attempt_at=now + SENDING_LEASE
                    )
                    .returning(Alert.id)
                ).scalars()
            )
    return [
        _Claimed(a.id, a.channel, a.payload.get("digest"), _line(a), channels.get(a.channel))
        for a in candidates
        if a.id in mine
    ]


_CHANNELS = select(Channel.name, Channel.kind, Channel.target)


def _settle(store: Store, ids: list[int], now: datetime, error: ChannelError | None) -> None:
    with store.session() as session:
        if error is None:
            session.execute(
                update(Alert)
                .where(Alert.id.in_(ids), Alert.status == "sending")
                .values(status="sent", sent_at=now, last_error=None, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            return
        for alert in session.scalars(select(Alert).where(Alert.id.in_(ids), Alert.status == "sending")):
            alert.last_error = str(error)[:2000]
            if error.permanent:
                alert.status, alert.next_attempt_at = "failed", None
            else:
                alert.status, alert.next_attempt_at = "pending", now + backoff(alert.attempts)


def dispatch(
    store: Store,
    home: Path,
    now: datetime,
    *,
    include_digests: bool = False,
    limit: int = BATCH,
    settings: Settings | None = None,
) -> DispatchSummary:
    """Send every due alert once. Digests not yet due wait unless ``include_digests``.

    ``settings`` (by default, the environment's) say where channels may write and post.
    """
    settings = settings or Settings(home=home)
    summary = DispatchSummary()
    claimed = _claim(store, now, include_digests, limit)
    summary.claimed = len(claimed)
    groups: dict[tuple[str, str | None], list[_Claimed]] = defaultdict(list)
    for alert in claimed:
        groups[(alert.channel, alert.digest)].append(alert)
    for (channel_name, digest), alerts in groups.items():
        ids = [a.id for a in alerts]
        config = alerts[0].config
        error: ChannelError | None = None
        try:
            if config is None:
                raise ChannelError(f"no channel {channel_name!r}", permanent=True)
            open_sender(config, home, settings).send([a.line for a in alerts], digest=digest)
        except ChannelError as exc:
            error = exc
        except Exception as exc:  # a sender bug must not lose the alerts: retry them later
            log.exception("channel %s failed", channel_name)
            error = ChannelError(f"{exc.__class__.__name__}: {exc}")
        _settle(store, ids, now, error)
        if error is None:
            summary.sent += len(ids)
        elif error.permanent:
            summary.failed += len(ids)
            summary.errors.append(f"{channel_name}: {error}")
        else:
            summary.retried += len(ids)
            summary.errors.append(f"{channel_name}: {error}")
    return summary


def next_due(store: Store) -> datetime | None:
    """When the next alert becomes due (pending, digest or a sending lease), or None."""
    from sqlalchemy import func

    with store.session() as session:
        return session.scalar(
            select(func.min(Alert.next_attempt_at)).where(Alert.status.in_(("pending", "digest", "sending")))
        )
