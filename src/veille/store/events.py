"""The public shape of a stored event (docs/contract.md): ``veille events --json`` and the assistant."""

from __future__ import annotations

from typing import Any

from veille.store.models import EventRow


def event_dict(row: EventRow) -> dict[str, Any]:
    """The public shape of one event (docs/contract.md), plus status, source and run."""
    return {
        "id": row.id,
        "kind": row.kind,
        "competitor": row.competitor,
        "title": row.title,
        "importance": row.importance,
        "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None,
        "detected_at": row.detected_at.isoformat(),
        "url": row.url,
        "data": row.data,
        "status": row.status,
        "source_id": row.source_id,
        "run_id": row.run_id,
        "capture_id": row.capture_id,
    }
