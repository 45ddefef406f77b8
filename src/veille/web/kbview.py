"""The knowledge base as the web sees it: the current analysis (export shape) and its edits.

The knowledge base itself lives in ``veille.kb``; this module only calls it, and falls back to the
newest stored revision while ``veille.kb`` is not installed.
"""

from __future__ import annotations

import importlib
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.store.models import KbRevision

TIERS = ("self", "direct", "gpu", "hyperscaler", "low_cost", "other")
THREATS = ("high", "medium", "low")

_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "data": None}


def _kb_module(name: str) -> Any | None:
    try:
        return importlib.import_module(f"veille.kb.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("veille.kb"):
            return None
        raise


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if hasattr(value, "model_dump"):
        return dict(value.model_dump(mode="json"))
    return dict(value)


def current(session: Session) -> dict[str, Any]:
    """The current knowledge base in the export shape (``{}`` when none is loaded); cached per revision."""
    key = session.execute(select(func.max(KbRevision.id), func.count(KbRevision.id))).one()
    with _cache_lock:
        if _cache["key"] == (session.get_bind().url.render_as_string(), *key):
            return _cache["data"]  # type: ignore[no-any-return]
    data = _load(session)
    with _cache_lock:
        _cache["key"] = (session.get_bind().url.render_as_string(), *key)
        _cache["data"] = data
    return data


def _load(session: Session) -> dict[str, Any]:
    store = _kb_module("store")
    if store is not None and hasattr(store, "current"):
        kb = store.current(session)
        if kb is not None and hasattr(kb, "model_dump") and hasattr(store, "to_export"):
            return _as_dict(store.to_export(kb))
        return _as_dict(kb)
    row = session.scalars(select(KbRevision).order_by(KbRevision.id.desc()).limit(1)).first()
    return dict(row.data) if row is not None else {}


def competitors(kb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in kb.get("competitors", []) if isinstance(c, dict) and c.get("id")]


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
    for item in competitors(kb):
        groups.setdefault(item.get("tier") or "other", []).append(item)
    ordered = sorted(groups, key=lambda t: TIERS.index(t) if t in TIERS else len(TIERS))
    return [
        (t, sorted(groups[t], key=lambda c: (rank.get(c.get("threat") or "", 9), c.get("name", ""))))
        for t in ordered
    ]


def evidence(kb: dict[str, Any], competitor_id: str, criterion: str) -> dict[str, Any] | None:
    """The evidence recorded for one matrix score, if any."""
    ev = (kb.get("matrix") or {}).get("evidence") or {}
    value = (ev.get(competitor_id) or {}).get(criterion)
    if isinstance(value, str):
        return {"text": value}
    return value if isinstance(value, dict) else None


def set_score(
    session: Session,
    competitor_id: str,
    criterion: str,
    score: int,
    evidence_text: str,
    evidence_url: str,
    author: str,
) -> None:
    """Set one matrix score with its evidence, through ``veille.kb.edit`` when it is installed."""
    if not 0 <= score <= 5:
        raise ValidationError("a score is between 0 and 5")
    if not evidence_text.strip():
        raise ValidationError("every score needs its evidence")
    edit = _kb_module("edit")
    if edit is not None and hasattr(edit, "set_score"):
        edit.set_score(
            session,
            competitor_id,
            criterion,
            score,
            evidence=evidence_text,
            url=evidence_url or None,
            author=author,
        )
        return
    kb = current(session)
    data = dict(kb)
    matrix = dict(data.get("matrix") or {})
    if criterion not in {c.get("id") for c in matrix.get("criteria", [])}:
        raise NotFoundError(f"no criterion {criterion!r}")
    competitor(data, competitor_id)
    scores = {k: dict(v) for k, v in (matrix.get("scores") or {}).items()}
    scores.setdefault(competitor_id, {})[criterion] = score
    ev = {k: dict(v) for k, v in (matrix.get("evidence") or {}).items()}
    now = datetime.now(UTC)
    ev.setdefault(competitor_id, {})[criterion] = {
        "text": evidence_text.strip(),
        "url": evidence_url.strip() or None,
        "by": author,
        "at": now.isoformat(),
    }
    matrix.update(scores=scores, evidence=ev)
    data["matrix"] = matrix
    _write(session, data, author, f"matrix: {competitor_id}/{criterion} = {score}")


def import_document(session: Session, document: dict[str, Any], author: str) -> str:
    """Import a knowledge base in the export shape, through ``veille.kb`` when installed."""
    io_module = _kb_module("store")
    if io_module is not None and hasattr(io_module, "import_data"):
        return str(io_module.import_data(session, document, author=author))
    if document.get("schema_version") != 1 or not isinstance(document.get("competitors"), list):
        raise ValidationError(
            "not a knowledge base export: schema_version 1 and a competitors list are required"
        )
    for item in document["competitors"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValidationError("every competitor needs a string id")
    return str(_write(session, document, author, "import (web)"))


def _write(session: Session, data: dict[str, Any], author: str, message: str) -> int:
    import hashlib

    import orjson

    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
    row = KbRevision(created_at=datetime.now(UTC), author=author, message=message, data=data, digest=digest)
    session.add(row)
    session.flush()
    return row.id
