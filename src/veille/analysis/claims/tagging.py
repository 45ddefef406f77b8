"""Editors' tags on the knowledge base's sentences: which become claims, and of which kind.

Each strength, weakness and "our advantage" has tags proposed by the word lists (:func:`proposed_tags`,
on import and until someone chooses); an editor replaces them (``veille claims tag``, the dashboard's
claims page) or goes back to the proposal (``untag``). The next check derives the claims from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from veille.analysis.claims.derive import SENTENCE_FIELDS, TAGS, Tagged, proposed_tags, sentence_key
from veille.errors import NotFoundError, ValidationError
from veille.store.models import ClaimTag


def chosen(session: Session) -> Tagged:
    """Sentence key -> the editor's tags, for every tagged sentence."""
    rows = session.execute(select(ClaimTag.competitor, ClaimTag.field, ClaimTag.sentence, ClaimTag.tags))
    return {f"{c}:{f}:{h}": list(t or []) for c, f, h, t in rows}


def listing(session: Session, competitor: str | None = None) -> list[dict[str, Any]]:
    """Every sentence of the competitors' sheets with its proposed and chosen tags (None: not chosen)."""
    from veille.kb.store import current

    picked = chosen(session)
    out = []
    for comp in current(session).competitors:
        if competitor and comp.id != competitor:
            continue
        for field in SENTENCE_FIELDS:
            for text in getattr(comp, field):
                key = sentence_key(comp.id, field, text)
                out.append(
                    {
                        "key": key,
                        "competitor": comp.id,
                        "field": field,
                        "text": {"fr": text.fr, "en": text.en},
                        "proposed": proposed_tags(text),
                        "chosen": picked.get(key),
                    }
                )
    return out


def _find(session: Session, key: str) -> dict[str, Any]:
    found = next((s for s in listing(session) if s["key"] == key), None)
    if found is None:
        raise NotFoundError(f"no sentence {key!r} in the analysis (`veille claims tags` lists them)")
    return found


def set_tags(session: Session, key: str, tags: list[str], *, author: str, now: datetime) -> dict[str, Any]:
    """Tag the sentence ``key`` with ``tags`` (an empty list: nothing to check); returns the sentence."""
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        raise ValidationError(f"unknown tag(s) {', '.join(unknown)}; known: {', '.join(TAGS)} (or none)")
    sentence = _find(session, key)
    ordered = [t for t in TAGS if t in tags]
    competitor, field, digest = key.rsplit(":", 2)
    row = session.scalars(
        select(ClaimTag).where(
            ClaimTag.competitor == competitor, ClaimTag.field == field, ClaimTag.sentence == digest
        )
    ).first()
    if row is None:
        row = ClaimTag(
            competitor=competitor, field=field, sentence=digest, tags=ordered, author=author, updated_at=now
        )
        session.add(row)
    else:
        row.tags, row.author, row.updated_at = ordered, author, now
    session.flush()
    return {**sentence, "chosen": ordered}


def clear_tags(session: Session, key: str) -> dict[str, Any]:
    """Back to the proposed tags for the sentence ``key``."""
    sentence = _find(session, key)
    competitor, field, digest = key.rsplit(":", 2)
    session.execute(
        delete(ClaimTag).where(
            ClaimTag.competitor == competitor, ClaimTag.field == field, ClaimTag.sentence == digest
        )
    )
    return {**sentence, "chosen": None}
