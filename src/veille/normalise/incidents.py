"""The incident vocabulary every status parser, detector and report shares: canonical statuses, impact
ranks and the ``[REGION][Product]`` title prefix OVHcloud uses."""

from __future__ import annotations

import re

IMPACTS = ("none", "minor", "major", "critical", "unknown")
IMPACT_RANK = {"none": 0, "minor": 1, "major": 2, "critical": 3}
STATUSES = (
    "investigating", "identified", "monitoring", "resolved", "postmortem",
    "scheduled", "in_progress", "verifying", "completed", "ongoing",
)  # fmt: skip
RESOLVED_STATUSES = frozenset({"resolved", "postmortem", "completed"})
_SCOPE = re.compile(
    r"^\s*(?:\[(?:scheduled|planned|planifi[ée]e?)\]\s*)?\[([^\]]+)\]\s*\[([^\]]+)\]", re.IGNORECASE
)
_SCHEDULED_PREFIX = re.compile(r"^\s*\[(?:scheduled|planned|planifi[ée]e?)\]", re.IGNORECASE)


def is_resolved(status: str) -> bool:
    return status in RESOLVED_STATUSES


def title_scope(title: str) -> tuple[str | None, str | None]:
    """Region and product from an OVHcloud-style ``[GRA11][Public Cloud] - ...`` title prefix."""
    match = _SCOPE.match(title)
    if not match:
        return None, None
    return match.group(1).strip().upper(), re.sub(r"\s+", " ", match.group(2)).strip()


def is_scheduled_title(title: str) -> bool:
    return bool(_SCHEDULED_PREFIX.match(title))


def normalise_status(word: str | None) -> str:
    """A status word of any platform to the canonical vocabulary (``ongoing`` when unclear)."""
    key = (word or "").strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "inprogress": "in_progress",
        "update": "ongoing",
        "closed": "resolved",
        "terminated": "resolved",
    }
    key = aliases.get(key, key)
    return key if key in STATUSES else "ongoing"
