"""Personal-data retention: what people wrote, and who they are, is kept ``retention_days`` at most.

Mentions and reviews carry personal data (a handle, and text a person wrote). Past the retention
(setting ``retention_days``, ``VEILLE_RETENTION_DAYS``, 365 by default) the author and the text are
erased, and a review's title with them; what the analysis needs survives: platform, id, URL, date,
competitor, score and comment counts (and their history), star rating, themes and sentiment. The
age of a mention or review is its creation/publication time, or when veille first saw it if the
platform gave none. ``veille purge`` calls ``apply``; the mention and review ingestors call
``apply_if_due`` (at most once a day, remembered in ``settings_kv``), so the retention holds even
where nobody schedules a purge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, and_, or_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from veille.settings import Settings
from veille.store.models import MentionRow, ReviewRow, Setting


@dataclass(frozen=True)
class PurgeResult:
    """How many rows had personal data erased, and the cut-off applied."""

    cutoff: datetime
    mentions: int
    reviews: int


def _older(
    created: InstrumentedAttribute[datetime | None],
    first_seen: InstrumentedAttribute[datetime],
    cutoff: datetime,
) -> ColumnElement[bool]:
    return or_(created < cutoff, and_(created.is_(None), first_seen < cutoff))


def _count(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def apply(session: Session, now: datetime, settings: Settings) -> PurgeResult:
    """Erase authors and texts of mentions and reviews older than ``settings.retention_days``.

    Idempotent: rows already erased are not counted again. Runs in the caller's transaction.
    """
    if settings.retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=settings.retention_days)
    mentions = session.execute(
        update(MentionRow)
        .where(
            _older(MentionRow.created_at, MentionRow.first_seen_at, cutoff),
            or_(MentionRow.author.is_not(None), MentionRow.text != ""),
        )
        .values(author=None, text="")
        .execution_options(synchronize_session=False)
    )
    reviews = session.execute(
        update(ReviewRow)
        .where(
            _older(ReviewRow.published_at, ReviewRow.first_seen_at, cutoff),
            or_(ReviewRow.author.is_not(None), ReviewRow.text != "", ReviewRow.title != ""),
        )
        .values(author=None, text="", title="")
        .execution_options(synchronize_session=False)
    )
    return PurgeResult(cutoff=cutoff, mentions=_count(mentions), reviews=_count(reviews))


LAST_APPLIED_KEY = "retention.last_applied"


def apply_if_due(
    session: Session, now: datetime, settings: Settings, every: timedelta = timedelta(days=1)
) -> PurgeResult | None:
    """``apply`` when it last ran more than ``every`` ago (or never); None when not due."""
    state = session.get(Setting, LAST_APPLIED_KEY)
    if state is not None:
        try:
            last = datetime.fromisoformat(str(state.value.get("at")))
        except ValueError:
            last = None
        if last is not None and now - last < every:
            return None
    result = apply(session, now, settings)
    value = {"at": now.isoformat(), "mentions": result.mentions, "reviews": result.reviews}
    if state is None:
        session.add(Setting(key=LAST_APPLIED_KEY, value=value))
    else:
        state.value = value
    session.flush()
    return result
