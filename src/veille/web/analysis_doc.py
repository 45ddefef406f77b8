"""The knowledge base as the web sees it: the current analysis (export shape) and its edits.

The knowledge base itself lives in ``veille.kb``; this module only calls it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.kb import edit, export, ids, store
from veille.kb.schema import Lang
from veille.store.models import KbRevision, Note

TIERS = ("self", "direct", "gpu", "hyperscaler", "low_cost", "other")
THREATS = ("high", "medium", "low")

_cache_lock = threading.Lock()
_cache: dict[tuple[Any, ...], Any] = {}


def _database(session: Session) -> str:
    """Which database a session talks to (a cache key)."""
    bind: Any = session.get_bind()
    return str(bind.engine.url.render_as_string())


def current(session: Session, lang: str = "fr") -> dict[str, Any]:
    """The current knowledge base in the export shape, in ``lang`` (``{}`` when none); cached per revision."""
    stats = session.execute(select(func.max(KbRevision.id), func.count(KbRevision.id))).one()
    key = (_database(session), *stats, lang)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    data = _load(session, lang)
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = data
    return data


def _load(session: Session, lang: str) -> dict[str, Any]:
    return export.to_export(store.current(session), lang=cast(Lang, lang))


def competitors(kb: dict[str, Any]) -> list[dict[str, Any]]:
    """The analysis's competitors, then those known only by their record (added since)."""
    found = [c for c in kb.get("competitors", []) if isinstance(c, dict) and c.get("id")]
    described = {c["id"] for c in found}
    return found + [from_record(r) for r in ids.roster().records.values() if r.id not in described]


def from_record(record: ids.CompetitorRecord) -> dict[str, Any]:
    """A competitor the analysis does not describe, in the export shape (its record's facts)."""
    keep = ("id", "name", "country", "website", "tier", "threat", "segment", "retired")
    return {k: v for k, v in record.data().items() if k in keep}


def watched(item: dict[str, Any]) -> bool:
    found = ids.record(str(item.get("id")))
    return found is None or not found.retired


def competitor(kb: dict[str, Any], competitor_id: str) -> dict[str, Any]:
    for item in competitors(kb):
        if item["id"] == competitor_id:
            return item
    raise NotFoundError(f"no competitor {competitor_id!r}")


def names(kb: dict[str, Any]) -> dict[str, str]:
    """Competitor id -> display name."""
    return {c["id"]: str(c.get("name") or c["id"]) for c in competitors(kb)}


def self_id(kb: dict[str, Any]) -> str:
    return next((c["id"] for c in competitors(kb) if c.get("tier") == "self"), "vmcloud")


def by_tier(kb: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Competitors grouped by tier (in TIERS order), the most threatening first in each."""
    rank = {t: i for i, t in enumerate(THREATS)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in filter(watched, competitors(kb)):
        groups.setdefault(item.get("tier") or "other", []).append(item)
    ordered = sorted(groups, key=lambda t: TIERS.index(t) if t in TIERS else len(TIERS))
    return [
        (t, sorted(groups[t], key=lambda c: (rank.get(c.get("threat") or "", 9), c.get("name", ""))))
        for t in ordered
    ]


EVIDENCE_KIND = "score_evidence"


def evidence_map(session: Session, limit: int = 2000) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest evidence of each matrix score: (competitor, criterion) -> text, url, by, at, score."""
    rows = session.scalars(
        select(Note).where(Note.kind == EVIDENCE_KIND).order_by(Note.id.desc()).limit(limit)
    )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for note in rows:
        key = (note.competitor or "", str((note.data or {}).get("criterion", "")))
        if key not in out:
            out[key] = {
                "text": note.body,
                "url": (note.data or {}).get("url"),
                "by": note.author,
                "at": note.created_at.isoformat(),
                "score": int(note.score) if note.score is not None else None,
            }
    return out


def evidence(session: Session, competitor_id: str, criterion: str) -> dict[str, Any] | None:
    return evidence_map(session).get((competitor_id, criterion))


def set_score(
    session: Session,
    competitor_id: str,
    criterion: str,
    score: int,
    evidence_text: str,
    evidence_url: str,
    author: str,
) -> None:
    """Set one matrix score and record its evidence (who, when, why, link) beside it.

    The score is changed through ``veille.kb.edit.set_score`` when installed, else by saving a new
    revision through ``veille.kb.store`` (which validates the whole knowledge base again).
    """
    if not 0 <= score <= 5:
        raise ValidationError("a score is between 0 and 5")
    if not evidence_text.strip():
        raise ValidationError("every score needs its evidence")
    url = evidence_url.strip()
    if url and not url.startswith(("https://", "http://")):
        raise ValidationError("the evidence link must be an http(s) URL")
    kb = current(session)
    competitor(kb, competitor_id)
    matrix = kb.get("matrix") or {}
    labels = {c.get("id"): c.get("label") for c in matrix.get("criteria", [])}
    if criterion not in labels:
        raise NotFoundError(f"no criterion {criterion!r}")
    if competitor_id not in (matrix.get("scores") or {}):
        raise NotFoundError(f"{competitor_id!r} has no column in the matrix")
    message = f"matrix: {competitor_id}/{criterion} = {score}"
    edit.record(
        session, edit.set_score(store.current(session), competitor_id, criterion, score), author, message
    )
    session.add(
        Note(
            kind=EVIDENCE_KIND,
            competitor=competitor_id,
            title=str(labels[criterion] or criterion)[:500],
            body=evidence_text.strip()[:5000],
            score=Decimal(score),
            happened_on=None,
            author=author,
            created_at=datetime.now(UTC),
            data={"criterion": criterion, **({"url": url} if url else {})},
        )
    )
    session.flush()


@dataclass
class Imported:
    revision: int
    warnings: list[str]


def import_document(session: Session, document: dict[str, Any], author: str, lang: str = "fr") -> Imported:
    """Import a knowledge base in the export shape (JSON) over the current one, through ``veille.kb``."""
    if document.get("schema_version") != 1 or not isinstance(document.get("competitors"), list):
        raise ValidationError(
            "not a knowledge base export: schema_version 1 and a competitors list are required"
        )
    data = dict(document)
    data.setdefault("lang", lang)
    try:
        result = export.from_export(data, store.current(session))
    except PydanticValidationError as exc:
        raise ValidationError(_pydantic_summary(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValidationError(f"not a valid knowledge base: {exc.__class__.__name__} {exc}") from None
    revision = store.save(session, result.kb, author, f"import (web, {result.lang})")
    return Imported(int(revision), list(result.warnings))


def _pydantic_summary(exc: PydanticValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "not a valid knowledge base: " + "; ".join(parts) + more
