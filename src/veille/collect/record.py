"""Writing events and a run's outcome: ``record_events`` is the one way an event is recorded (stored,
deduplicated, then routed to alerts and actions), whoever raises it: a run's detectors, its failure,
a manual entry, or the decision on a held price snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from veille.act import route_events
from veille.events import EventDraft
from veille.store.models import EventRow, SourceRun

HIGH_AFTER_FAILURES = 3


def record_events(
    session: Session,
    drafts: Sequence[EventDraft],
    *,
    now: datetime,
    source_id: str | None,
    run_id: int | None = None,
    capture_id: int | None = None,
    rules: Sequence[Any] | None = None,
    released: Sequence[EventRow] = (),
) -> list[EventRow]:
    """Store the drafts whose ``dedup_key`` is new and route the new *open* ones (held ones wait for
    the decision on their snapshot), with the ``released`` events (held earlier, opened now), to the
    alert rules (``rules``: the enabled ones unless given) and the actions, in the caller's
    transaction. New feature, mention and funding events carry the word lists' triage before routing.
    Returns the new rows."""
    from veille.detect.triage import record_words

    rows = insert_events(session, drafts, now=now, source_id=source_id, run_id=run_id, capture_id=capture_id)
    record_words(rows)  # the word lists' triage of items, mentions and news (the model's comes later)
    route_events(session, [r for r in rows if r.status == "open"], now, rules, fresh=True)
    route_events(session, list(released), now, rules)
    return rows


def decide_held(
    session: Session, review: EventRow, *, accept: bool, now: datetime, note: str
) -> list[EventRow]:
    """A person's decision on a held price snapshot (``review``): accepted, its events are released and
    routed (returned); rejected, its figures are discarded (nothing returned)."""
    from veille.detect import gate

    if not accept:
        gate.reject(session, review, now, note)
        return []
    released = gate.accept(session, review, now, note)
    record_events(session, [], now=now, source_id=review.source_id, released=released)
    return released


def insert_events(
    session: Session,
    drafts: Sequence[EventDraft],
    *,
    now: datetime,
    source_id: str | None,
    run_id: int | None,
    capture_id: int | None = None,
) -> list[EventRow]:
    """Store the drafts whose ``dedup_key`` is new; returns the new rows (written, with ids, in the session)."""
    unique: dict[str, EventDraft] = {}
    for draft in drafts:
        unique.setdefault(draft.dedup_key, draft)
    keys = list(unique)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(session.scalars(_KNOWN_KEYS, {"keys": keys[start : start + 500]}))
    values = [
        {
            "kind": d.kind,
            "competitor": d.competitor,
            "title": d.title[:2000],
            "importance": d.importance,
            "occurred_at": d.occurred_at,
            "detected_at": now,
            "url": d.url,
            "dedup_key": d.dedup_key,
            "data": _jsonable(d.data),
            "source_id": source_id,
            "run_id": run_id,
            "capture_id": d.data.get("capture_id")
            if isinstance(d.data.get("capture_id"), int)
            else capture_id,
            "status": d.status,
        }
        for key, d in unique.items()
        if key not in existing
    ]
    if not values:
        return []
    # one Core INSERT ... RETURNING, then the rows join the session as persistent objects (what the
    # ORM's unit of work would have left, without its per-object cost)
    ids = session.connection().execute(_INSERT_EVENTS, values).scalars().all()
    rows = []
    for row_id, value in zip(ids, values, strict=True):
        row = EventRow(id=row_id, **value)
        make_transient_to_detached(row)
        rows.append(row)
    session.add_all(rows)
    return rows


_INSERT_EVENTS = insert(EventRow).returning(EventRow.id, sort_by_parameter_order=True)


_KNOWN_KEYS = select(EventRow.dedup_key).where(
    EventRow.dedup_key.in_(bindparam("keys", expanding=True))
)  # built once: every run checks its drafts


def failure_draft(
    source_id: str,
    competitor: str | None,
    url: str,
    error: BaseException,
    failures: int,
    now: datetime,
    run_id: int | None,
) -> EventDraft:
    """The ``source_failure`` event of a failed run: one per source, day, error class and level."""
    level = "high" if failures >= HIGH_AFTER_FAILURES else "medium"
    error_class = type(error).__name__
    return EventDraft(
        kind="source_failure",
        competitor=competitor,
        title=f"Source {source_id} failed ({failures} in a row): {describe(error)}"[:500],
        importance=level,
        dedup_key=f"source_failure:{source_id}:{now.date().isoformat()}:{error_class}:{level}",
        occurred_at=now,
        url=url,
        data={
            "source_id": source_id,
            "error": describe(error),
            "error_class": error_class,
            "consecutive_failures": failures,
            "run_id": run_id,
        },
    )


def describe(error: BaseException) -> str:
    """One clear line for an error: its class and message."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


FIRST_RETRY = timedelta(minutes=5)
MAX_RETRY = timedelta(hours=6)


def retry_delay(failures: int) -> timedelta:
    """Back-off after ``failures`` consecutive failures: 5 min, 10, 20... at most 6 h (one policy for
    ``watch --once`` and the scheduler)."""
    return min(FIRST_RETRY * (2 ** max(failures - 1, 0)), MAX_RETRY)


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    now: datetime,
    error: str | None = None,
    observations: int = 0,
    events: int = 0,
) -> None:
    """Close the run row: its status, counts and ``finished_at`` (never before ``started_at``)."""
    run = session.identity_map.get(identity_key(SourceRun, run_id))
    if run is None:  # not loaded in this session (a watch run): one UPDATE on the connection, no SELECT
        session.connection().execute(
            _FINISH,
            {"b_id": run_id, "b_status": status, "b_error": error, "b_obs": observations,
             "b_events": events, "b_now": now},
        )  # fmt: skip
        return
    run.status, run.error, run.observations, run.events = status, error, observations, events
    run.finished_at = max(now, run.started_at)


_FINISHED_AT = bindparam("b_now", type_=SourceRun.__table__.c.finished_at.type)
_FINISH = (
    update(SourceRun)
    .where(SourceRun.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        error=bindparam("b_error"),
        observations=bindparam("b_obs"),
        events=bindparam("b_events"),
        finished_at=case((SourceRun.started_at > _FINISHED_AT, SourceRun.started_at), else_=_FINISHED_AT),
    )
    .execution_options(synchronize_session=False)  # the row is not in the session (checked above)
)


def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value
