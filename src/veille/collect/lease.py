"""A lease on ``source_state`` so one source never runs twice at once, across processes.

Taking the lease is one conditional UPDATE (free, or held for longer than ``LEASE_TTL`` by a process
that died); giving it back clears it only if the token still matches.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veille.store.db import Store
from veille.store.models import SourceState

LEASE_TTL = timedelta(hours=2)


def state(session: Session, source_id: str) -> SourceState:
    """The source's state row, created (flushed) if missing."""
    row = session.get(SourceState, source_id)
    if row is None:
        row = SourceState(source_id=source_id, consecutive_failures=0)
        session.add(row)
        session.flush()
    return row


def acquire(store: Store, source_id: str) -> str | None:
    """Take the lease of ``source_id``; returns its token, or None when another run holds it."""
    try:
        with store.session() as session:
            state(session, source_id)
    except IntegrityError:
        pass  # created by a concurrent process: fine
    token = uuid.uuid4().hex
    wall = datetime.now(UTC)
    with store.session() as session:
        result = session.execute(
            update(SourceState)
            .where(
                SourceState.source_id == source_id,
                or_(SourceState.running_token.is_(None), SourceState.running_since < wall - LEASE_TTL),
            )
            .values(running_since=wall, running_token=token)
        )
        return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def release(session: Session, source_id: str, token: str) -> None:
    """Give the lease back (in the caller's transaction) if ``token`` still holds it."""
    session.execute(_RELEASE, {"source": source_id, "token": token})


_RELEASE = (
    update(SourceState)
    .where(SourceState.source_id == bindparam("source"), SourceState.running_token == bindparam("token"))
    .values(running_since=None, running_token=None)
    # built once (every run gives its lease back); the caller's loaded state row is not matched in
    # memory against the bound token (SQLAlchemy's "evaluate" costs about 1 ms): only the row changes
    .execution_options(synchronize_session=False)
)


def release_now(store: Store, source_id: str, token: str) -> None:
    with store.session() as session:
        release(session, source_id, token)
