"""Editions of the regenerated analysis: when each was produced, so the next can say what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from veille.store.models import Setting


def _key(kind: str, lang: str) -> str:
    return f"report.edition.{kind}.{lang}"


def previous(session: Session, kind: str, lang: str) -> datetime | None:
    """When the last edition of ``kind`` in ``lang`` was produced, if any."""
    row = session.get(Setting, _key(kind, lang))
    return datetime.fromisoformat(row.value["at"]) if row is not None else None


def record(session: Session, kind: str, lang: str, at: datetime) -> None:
    """Mark an edition as produced at ``at``."""
    row = session.get(Setting, _key(kind, lang))
    if row is None:
        session.add(Setting(key=_key(kind, lang), value={"at": at.isoformat()}))
    else:
        row.value = {"at": at.isoformat()}
