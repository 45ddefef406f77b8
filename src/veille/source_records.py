"""A workspace's own watch list: source records with their revisions (who, when, why), installed over
the shipped list in the source registry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.sources import SourceSpec, builtin, on_miss, use_records
from veille.sources.watchlist import entry_of, spec_from_entry
from veille.store.db import Store
from veille.store.models import SourceRecord, SourceRevision, SourceState


def records(session: Session) -> list[SourceSpec]:
    """The workspace's own sources; a record that no longer reads (a plugin uninstalled) is skipped."""
    out = []
    for row in session.scalars(select(SourceRecord).order_by(SourceRecord.source_id)):
        try:
            out.append(spec_from_entry(row.entry, origin="workspace"))
        except ValidationError:
            continue
    return out


def install(session: Session) -> None:
    """Put the workspace's own sources into the registry (over the shipped ones)."""
    use_records(records(session))


def watch(store: Store) -> None:
    """Install the store's sources now, and again whenever an unknown source id is asked for."""

    def reread() -> None:
        try:
            with store.session() as session:
                install(session)
        except SQLAlchemyError:  # a store closed or gone since (tests): the registry stays as it is
            return

    reread()
    on_miss(reread)


def revise(
    session: Session, source_id: str, *, action: str, author: str, message: str, entry: dict | None
) -> None:
    session.add(
        SourceRevision(
            source_id=source_id,
            at=datetime.now(UTC),
            author=author,
            action=action,
            message=message,
            entry=entry,
        )
    )


def save(session: Session, spec: SourceSpec, *, action: str, author: str, message: str) -> None:
    """Add or replace the record of ``spec`` and write its revision."""
    entry = entry_of(spec)
    now = datetime.now(UTC)
    row = session.get(SourceRecord, spec.id)
    if row is None:
        session.add(SourceRecord(source_id=spec.id, entry=entry, created_at=now, updated_at=now))
    else:
        row.entry, row.updated_at = entry, now
    revise(session, spec.id, action=action, author=author, message=message, entry=entry)


def save_all(session: Session, specs: Sequence[SourceSpec], *, author: str, message: str) -> None:
    """Import: add or replace every one of ``specs`` in the caller's single transaction."""
    for spec in specs:
        save(session, spec, action="import", author=author, message=message)
    session.flush()


def remove(session: Session, source_id: str, *, author: str, message: str) -> None:
    """Remove a workspace source (its runs and captures stay); a shipped one can only be disabled, and
    removing the workspace's edit of one brings the shipped one back."""
    row = session.get(SourceRecord, source_id)
    if row is None:
        raise NotFoundError(f"no source {source_id!r} of this workspace (a shipped source can be disabled)")
    session.delete(row)
    state = session.get(SourceState, source_id)
    if state is not None and builtin(source_id) is None:  # a shipped one it replaced comes back as it was
        state.enabled = False
    revise(session, source_id, action="remove", author=author, message=message, entry=None)


def history(session: Session, source_id: str) -> list[SourceRevision]:
    return list(
        session.scalars(
            select(SourceRevision).where(SourceRevision.source_id == source_id).order_by(SourceRevision.id)
        )
    )
