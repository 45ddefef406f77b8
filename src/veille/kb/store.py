"""The knowledge base in the workspace database: one row of ``kb_revisions`` per version.

Every import or edit saves the whole knowledge base as a new revision (who, when, why, digest); saving
a knowledge base equal to the latest revision writes nothing. ``current(session)`` is what the rest of
veille reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError
from veille.kb.schema import KnowledgeBase
from veille.store.db import Store
from veille.store.models import KbRevision

BUNDLED_AUTHOR = "veille (bundled)"
BUNDLED_MESSAGE = "bundled knowledge base"


@lru_cache(maxsize=1)
def _bundled_data() -> dict[str, Any]:
    text = resources.files("veille.kb").joinpath("data/kb.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    KnowledgeBase.model_validate(data)  # fail early and loudly if the shipped data is broken
    return data


def bundled() -> KnowledgeBase:
    """The knowledge base shipped with veille (VMCloud's analysis in French and English)."""
    return KnowledgeBase.model_validate(_bundled_data())


@dataclass(frozen=True)
class RevisionInfo:
    id: int
    created_at: datetime
    author: str
    message: str
    digest: str


def _info(row: KbRevision) -> RevisionInfo:
    return RevisionInfo(row.id, row.created_at, row.author, row.message, row.digest)


def latest_revision(session: Session) -> KbRevision | None:
    return session.scalars(select(KbRevision).order_by(KbRevision.id.desc()).limit(1)).first()


_cache: dict[str, KnowledgeBase] = {}


def _load(row: KbRevision) -> KnowledgeBase:
    cached = _cache.get(row.digest)
    if cached is None:
        cached = KnowledgeBase.model_validate(row.data)
        if len(_cache) > 16:
            _cache.clear()
        _cache[row.digest] = cached
    return cached.model_copy(deep=True)


def current(session: Session) -> KnowledgeBase:
    """The newest revision of the knowledge base; the bundled one while the workspace has none."""
    row = latest_revision(session)
    if row is None:
        return bundled()
    return _load(row)


def current_revision_id(session: Session) -> int | None:
    row = latest_revision(session)
    return row.id if row else None


def revision(session: Session, revision_id: int) -> KnowledgeBase:
    """The knowledge base as it was at ``revision_id``."""
    row = session.get(KbRevision, revision_id)
    if row is None:
        raise NotFoundError(f"no knowledge-base revision {revision_id}")
    return _load(row)


def history(session: Session, limit: int | None = None) -> list[RevisionInfo]:
    """Revisions, newest first."""
    query = select(KbRevision).order_by(KbRevision.id.desc())
    if limit:
        query = query.limit(limit)
    return [_info(row) for row in session.scalars(query)]


def save(session: Session, kb: KnowledgeBase, author: str, message: str) -> int:
    """Write ``kb`` as a new revision and return its id; when it equals the latest, return that one."""
    kb = KnowledgeBase.model_validate(kb.model_dump())  # re-check every rule before it is stored
    digest = kb.digest()
    latest = latest_revision(session)
    if latest is not None and latest.digest == digest:
        return latest.id
    if latest is None and author != BUNDLED_AUTHOR:
        # The change was made over the bundled knowledge base (what ``current`` shows until then):
        # record that first so the history and diffs start from it.
        base = bundled()
        if base.digest() == digest:
            return _insert(session, base, BUNDLED_AUTHOR, BUNDLED_MESSAGE)
        _insert(session, base, BUNDLED_AUTHOR, BUNDLED_MESSAGE)
    return _insert(session, kb, author, message)


def _insert(session: Session, kb: KnowledgeBase, author: str, message: str) -> int:
    digest = kb.digest()
    row = KbRevision(
        created_at=datetime.now(UTC),
        author=(author or "unknown")[:120],
        message=message,
        data=kb.canonical(),
        digest=digest,
    )
    session.add(row)
    session.flush()
    _cache[digest] = kb
    return row.id


def load_bundled(store: Store) -> int | None:
    """Load the bundled knowledge base into a workspace (``veille init``).

    Returns the new revision id, or None when nothing changed: the bundled data is already the latest
    revision, or people have edited the knowledge base since it was loaded (their work is kept).
    """
    kb = bundled()
    digest = kb.digest()
    with store.session() as session:
        latest = latest_revision(session)
        if latest is None:
            return save(session, kb, BUNDLED_AUTHOR, BUNDLED_MESSAGE)
        if latest.digest == digest or latest.author != BUNDLED_AUTHOR:
            return None
        # The workspace still holds an older bundled analysis, untouched: bring it up to date.
        return save(session, kb, BUNDLED_AUTHOR, BUNDLED_MESSAGE + " (updated)")
