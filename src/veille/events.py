"""The one event model: every detector returns ``EventDraft``s; the store gives them ids.

``dedup_key`` identifies the change itself (for example ``price_change:hetzner:cx22:fsn1:on_demand:2026-11-26T10:00``):
recording the same change twice is a no-op, which is what makes replays and restarts safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from veille.errors import ValidationError

EVENT_KINDS = (
    "price_change",
    "offer_added",
    "offer_removed",
    "spec_change",
    "price_review",
    "incident",
    "incident_escalated",
    "incident_resolved",
    "feature",
    "price_announcement",
    "mention",
    "review",
    "rating_change",
    "hiring",
    "funding",
    "filing",
    "source_failure",
    "claim_contradicted",
)
IMPORTANCE = ("low", "medium", "high")


@dataclass(frozen=True)
class EventDraft:
    """A change found by a detector, before it is stored."""

    kind: str
    competitor: str | None
    title: str
    importance: str
    dedup_key: str
    occurred_at: datetime | None = None
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    status: str = "open"

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.importance not in IMPORTANCE:
            raise ValueError(f"unknown importance {self.importance!r}")


def known_kinds(kinds: list[str]) -> list[str]:
    """``kinds`` when every one is an event kind; ValidationError naming the valid ones otherwise."""
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown:
        raise ValidationError(f"unknown event kind {unknown[0]!r} (known: {', '.join(EVENT_KINDS)})")
    return kinds
