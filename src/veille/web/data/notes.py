"""Manual intelligence: notes (quarterly reviews, secret shopping, analyst reports) and ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.store.models import Note, RatingRow
from veille.web.data import paging

NOTE_KINDS = ("quarterly_review", "secret_shopping", "analyst_report", "strategy")
RATING_PLATFORMS = ("g2", "capterra", "trustpilot")


def page(
    session: Session,
    *,
    kind: str | None = None,
    competitor: str | None = None,
    manual_only: bool = True,
    limit: int = 50,
    cursor: str | None = None,
) -> paging.Page[Note]:
    """Notes newest first; by default only manual intelligence (not the matrix's score evidence)."""
    limit = paging.clamp(limit)
    query = select(Note)
    if kind:
        query = query.where(Note.kind == kind)
    elif manual_only:
        query = query.where(Note.kind.in_(NOTE_KINDS))
    if competitor:
        query = query.where(Note.competitor == competitor)
    key = paging.decode(cursor, 1)
    if key:
        query = query.where(Note.id < key[0])
    rows = list(session.scalars(query.order_by(Note.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].id) if more and rows else None)


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_note(
    session: Session,
    *,
    kind: str,
    competitor: str | None,
    title: str,
    body: str,
    author: str,
    score: Decimal | None = None,
    happened_on: str | None = None,
    data: dict[str, Any] | None = None,
) -> Note:
    """Record a note; a secret-shopping log says what was tested, when, the result and a score (0-5)."""
    if kind not in NOTE_KINDS:
        raise ValidationError(f"unknown note kind {kind!r}")
    if not title.strip():
        raise ValidationError("a note needs a title")
    if score is not None and not Decimal(0) <= score <= Decimal(5):
        raise ValidationError("a score is between 0 and 5")
    note = Note(
        kind=kind,
        competitor=competitor or None,
        title=title.strip()[:500],
        body=body.strip()[:20000],
        score=score,
        happened_on=_day(happened_on),
        author=author,
        created_at=datetime.now(UTC),
        data=data or {},
    )
    session.add(note)
    session.flush()
    return note


def delete_note(session: Session, note_id: int) -> None:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"no note {note_id}")
    session.delete(note)


def add_rating(
    session: Session,
    *,
    competitor: str,
    platform: str,
    score: Decimal,
    scale: Decimal,
    count: int | None,
    as_of: str | None,
    url: str | None,
    author: str,
) -> RatingRow:
    """Record a G2 / Capterra rating read by hand through ``veille.collect.manual`` (which also raises
    and routes the rating-change event)."""
    if platform not in RATING_PLATFORMS:
        raise ValidationError(f"unknown platform {platform!r}")
    if not Decimal(0) < scale <= Decimal(100) or not Decimal(0) <= score <= scale:
        raise ValidationError("the score must be between 0 and the scale")
    if count is not None and count < 0:
        raise ValidationError("the number of reviews cannot be negative")
    day = _day(as_of)
    now = datetime.now(UTC)
    when = datetime.fromisoformat(day).replace(tzinfo=UTC) if day else now
    from veille.collect.manual import enter_manual_rating

    row, _events = enter_manual_rating(
        session, now, competitor=competitor, platform=platform, score=score, scale=scale, count=count,
        as_of=when, url=url or None, entered_by=author,
    )  # fmt: skip
    return row
