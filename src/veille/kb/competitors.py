"""The competitor records of a workspace: what ``veille competitors`` and the dashboard change.

``competitors`` holds each record as it is now; ``competitor_revisions`` one row per change (who,
when, why, and the record as it became), like the knowledge base's revisions. A workspace is seeded
with the records shipped with veille (``kb/data/competitors.yaml``) when it has none. Retiring keeps
the record and its history: it only stops being watched and matched.

:func:`sync` installs a workspace's records into ``veille.kb.ids`` (what every name lookup, source
list and matcher reads), cached per workspace by its latest revision, so an unchanged workspace costs
one small query; every change here installs the new records at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.kb import ids
from veille.kb.ids import CompetitorRecord
from veille.store.db import Store
from veille.store.models import CompetitorRevision, CompetitorRow

SEED_AUTHOR = "veille (bundled)"
SEED_MESSAGE = "the competitors shipped with veille"
ACTIONS = ("seed", "add", "edit", "retire", "restore", "import")
_cache: dict[str, tuple[int, tuple[CompetitorRecord, ...]]] = {}


@dataclass(frozen=True)
class Revision:
    id: int
    competitor: str
    action: str
    created_at: datetime
    author: str
    message: str
    data: dict[str, Any]


def validate(data: Mapping[str, Any]) -> CompetitorRecord:
    """A record from plain data; ValidationError naming each wrong field otherwise."""
    try:
        return CompetitorRecord.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
        raise ValidationError(f"invalid competitor: {wrong}") from None


def records(session: Session) -> list[CompetitorRecord]:
    """Every record of the workspace (retired ones too), in list order; the shipped ones when none."""
    rows = session.scalars(select(CompetitorRow).order_by(CompetitorRow.position)).all()
    if not rows:
        return list(ids.default_records())
    return [CompetitorRecord.model_validate(row.data) for row in rows]


def get(session: Session, competitor_id: str) -> CompetitorRecord:
    row = session.get(CompetitorRow, competitor_id)
    if row is None:
        raise NotFoundError(f"no competitor {competitor_id!r} (`veille competitors list` lists them)")
    return CompetitorRecord.model_validate(row.data)


def history(session: Session, competitor_id: str | None = None) -> list[Revision]:
    """Revisions, newest first (of one competitor, or of all)."""
    query = select(CompetitorRevision).order_by(CompetitorRevision.id.desc())
    if competitor_id:
        query = query.where(CompetitorRevision.competitor == competitor_id)
    return [
        Revision(r.id, r.competitor, r.action, r.created_at, r.author, r.message, r.data)
        for r in session.scalars(query)
    ]


def _write(session: Session, record: CompetitorRecord, action: str, author: str, message: str) -> None:
    now = datetime.now(UTC)
    data = record.data()
    row = session.get(CompetitorRow, record.id)
    if row is None:
        position = (session.scalar(select(func.max(CompetitorRow.position))) or 0) + 1
        row = CompetitorRow(id=record.id, position=position)
        session.add(row)
    row.name, row.retired, row.data, row.updated_at = record.name, record.retired, data, now
    session.add(
        CompetitorRevision(
            competitor=record.id,
            action=action,
            created_at=now,
            author=(author or "unknown")[:120],
            message=message,
            data=data,
        )
    )
    session.flush()


def seed(session: Session) -> int:
    """Copy the shipped records into a workspace that has none; returns how many were written."""
    if session.scalar(select(func.count()).select_from(CompetitorRow)):
        return 0
    shipped = ids.default_records()
    for record in shipped:
        _write(session, record, "seed", SEED_AUTHOR, SEED_MESSAGE)
    return len(shipped)


def _clashes(session: Session, record: CompetitorRecord) -> None:
    """Refuse a name or alias another watched competitor already answers to (matching would be ambiguous)."""
    roster = ids.Roster(r for r in records(session) if r.id != record.id and not r.retired)
    for name in record.names():
        other = roster.index.get(ids.key(name))
        if other is not None:
            raise ValidationError(f"{name!r} already names the competitor {other!r}")


def add(
    session: Session, data: Mapping[str, Any], author: str, message: str, action: str = "add"
) -> CompetitorRecord:
    """Create a competitor; ValidationError for a taken id or name, or a wrong field."""
    seed(session)
    record = validate(data)
    if session.get(CompetitorRow, record.id) is not None:
        raise ValidationError(f"a competitor {record.id!r} exists already (`veille competitors edit`)")
    _clashes(session, record)
    _write(session, record, action, author, message or f"add {record.name}")
    return record


def edit(session: Session, competitor_id: str, changes: Mapping[str, Any], author: str, message: str) -> bool:
    """Change fields of a record (``id`` stays); False when nothing changed (no revision written)."""
    seed(session)
    current = get(session, competitor_id)
    if "id" in changes and changes["id"] != competitor_id:
        raise ValidationError("a competitor's id never changes (its history is filed under it)")
    record = validate({**current.data(), **changes})
    if record == current:
        return False
    _clashes(session, record)
    action = "edit"
    if record.retired != current.retired:
        action = "retire" if record.retired else "restore"
    _write(session, record, action, author, message or f"{action} {record.name}")
    return True


def retire(session: Session, competitor_id: str, author: str, message: str) -> bool:
    """Stop watching a competitor (its record and history stay); False when it was retired already."""
    return edit(session, competitor_id, {"retired": True}, author, message)


def import_records(session: Session, items: list[Any], author: str, message: str) -> list[str]:
    """Add every record of ``items`` whose id the workspace lacks; the ids added. One wrong item refuses
    the whole import (the caller's transaction rolls back), naming the item."""
    seed(session)
    added: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValidationError(f"competitors[{index}]: expected a mapping")
        if session.get(CompetitorRow, str(item.get("id", ""))) is not None:
            continue
        try:
            added.append(add(session, item, author, message, action="import").id)
        except ValidationError as exc:
            raise ValidationError(f"competitors[{index}]: {exc}") from None
    return added


KB_FIELDS = ("id", "name", "country", "website", "tier", "threat")


def kb_newcomers(session: Session, doc: Any) -> list[CompetitorRecord]:
    """The competitors a knowledge-base document (JSON/YAML export shape) describes that the workspace
    has no record of, as records (its id, name, country, website, tier and threat); ValidationError
    naming the entry when one cannot be a record."""
    items = doc.get("competitors") if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        return []
    known = {r.id for r in records(session)}
    found: list[CompetitorRecord] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or item["id"] in known:
            continue
        fields = {k: item[k] for k in KB_FIELDS if isinstance(item.get(k), str) and item[k]}
        try:
            found.append(validate({"name": item["id"], **fields}))
        except ValidationError as exc:
            raise ValidationError(f"competitors[{index}]: {exc}") from None
    return found


def _marker(session: Session) -> int:
    return session.scalar(select(func.max(CompetitorRevision.id))) or 0


def sync(store: Store) -> tuple[CompetitorRecord, ...]:
    """Seed the workspace if it has no records, then install its records into ``veille.kb.ids``."""
    with store.session() as session:
        marker = _marker(session)
        cached = _cache.get(store.url)
        if cached is not None and cached[0] == marker and marker:
            found = cached[1]
        else:
            if not marker:
                seed(session)
                marker = _marker(session)
            found = tuple(records(session))
            _cache[store.url] = (marker, found)
    ids.install(found)
    return found


def forget(store: Store) -> None:
    """Drop the cached records of ``store`` (after a restore replaced its database)."""
    _cache.pop(store.url, None)
