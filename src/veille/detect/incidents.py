"""Incidents: one ``incidents`` row per (competitor, incident id), and their lifecycle events.

- ``incident``: an incident (or maintenance) seen for the first time. Importance by impact: major or
  critical -> high, minor or unknown -> medium, none (maintenance, informational) -> low. An incident
  whose latest time (start, update, resolution; an upcoming maintenance's start is in the future) is
  more than ``BACKLOG`` before the run
  when it is first seen (a history backfill, a first run on a page with a long past) is stored
  without an event.
- ``incident_escalated``: the impact rose above the one stored (unknown impacts never escalate).
- ``incident_resolved``: the source itself says it is resolved (status resolved / postmortem /
  completed, or a resolution time). An incident that merely drops off a summary is *not* resolved:
  only what a snapshot contains is looked at.

Dedup keys name the change (``incident:<competitor>:<id>``, ``incident_escalated:...:<impact>``,
``incident_resolved:...``), so replays and repeated snapshots emit nothing new. One row serves every
source of a competitor (summary, incidents list, history, feed of one Statuspage page), so an
incident is counted once in the statistics; a source never blanks what another one knew (a known
impact is not replaced by ``unknown``, a resolution time is not removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.normalise.incidents import IMPACT_RANK, is_resolved
from veille.observations import Incident, Observation
from veille.store.models import IncidentRow

BACKLOG = timedelta(days=7)


def importance_of(impact: str) -> str:
    if impact in ("major", "critical"):
        return "high"
    if impact in ("minor", "unknown"):
        return "medium"
    return "low"


def _key(row_or_obs: IncidentRow | Incident) -> str:
    if isinstance(row_or_obs, IncidentRow):
        return f"{row_or_obs.competitor or '-'}:{row_or_obs.incident_id}"
    return f"{row_or_obs.competitor or '-'}:{row_or_obs.id}"


def _data(obs: Incident, source_id: str) -> dict[str, Any]:
    return {
        "incident_id": obs.id,
        "incident_title": obs.title,
        "source_id": source_id,
        "impact": obs.impact,
        "status": obs.status,
        "kind": obs.kind,
        "region": obs.region,
        "product": obs.product,
        "components": list(obs.components),
        "started_at": obs.started_at.isoformat() if obs.started_at else None,
        "resolved_at": obs.resolved_at.isoformat() if obs.resolved_at else None,
    }


def _resolved(obs: Incident) -> bool:
    return is_resolved(obs.status)


def _label(obs: Incident) -> str:
    return "Maintenance" if obs.kind == "maintenance" else "Incident"


@ingestor("incident")
def ingest_incidents(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store the incidents of one snapshot and return their lifecycle events."""
    drafts: list[EventDraft] = []
    seen: set[tuple[str | None, str]] = set()
    for obs in observations:
        if not isinstance(obs, Incident) or (obs.competitor, obs.id) in seen:
            continue
        seen.add((obs.competitor, obs.id))
        row = ctx.session.execute(
            select(IncidentRow).where(
                IncidentRow.competitor == obs.competitor, IncidentRow.incident_id == obs.id[:200]
            )
            if obs.competitor is not None
            else select(IncidentRow).where(
                IncidentRow.source_id == ctx.source.id, IncidentRow.incident_id == obs.id[:200]
            )
        ).scalar_one_or_none()
        if row is None:
            ctx.session.add(_new_row(ctx, obs))
            drafts.extend(_new_events(ctx, obs))
        else:
            drafts.extend(_changes(ctx, row, obs))
    ctx.session.flush()
    return drafts


def _new_row(ctx: IngestContext, obs: Incident) -> IncidentRow:
    return IncidentRow(
        source_id=ctx.source.id,
        incident_id=obs.id[:200],
        competitor=obs.competitor,
        kind=obs.kind,
        title=obs.title,
        impact=obs.impact,
        status=obs.status,
        started_at=obs.started_at,
        resolved_at=obs.resolved_at if _resolved(obs) else None,
        updated_at=obs.updated_at,
        components=list(obs.components),
        region=obs.region,
        product=obs.product,
        url=obs.url,
        updates=[dict(u) for u in obs.updates],
        first_seen_at=ctx.now,
    )


def _new_events(ctx: IngestContext, obs: Incident) -> list[EventDraft]:
    resolved = _resolved(obs)
    stamps = [t for t in (obs.resolved_at, obs.updated_at, obs.started_at) if t is not None]
    if stamps and max(stamps) < ctx.now - BACKLOG:
        return []  # backlog: resolved, or silent for a week, before we first saw it
    prefix = "Resolved: " if resolved else ""
    return [
        EventDraft(
            kind="incident",
            competitor=obs.competitor,
            title=f"{prefix}{_label(obs)} ({obs.impact}): {obs.title}"[:500],
            importance=importance_of(obs.impact),
            dedup_key=f"incident:{_key(obs)}",
            occurred_at=obs.started_at or ctx.now,
            url=obs.url,
            data=_data(obs, ctx.source.id),
        )
    ]


def _changes(ctx: IngestContext, row: IncidentRow, obs: Incident) -> list[EventDraft]:
    drafts: list[EventDraft] = []
    was_resolved = row.resolved_at is not None or is_resolved(row.status)
    old_rank = IMPACT_RANK.get(row.impact)
    new_rank = IMPACT_RANK.get(obs.impact)
    if old_rank is not None and new_rank is not None and new_rank > old_rank and not was_resolved:
        drafts.append(
            EventDraft(
                kind="incident_escalated",
                competitor=obs.competitor,
                title=f"{_label(obs)} escalated {row.impact} -> {obs.impact}: {obs.title}"[:500],
                importance="high" if obs.impact in ("major", "critical") else "medium",
                dedup_key=f"incident_escalated:{_key(obs)}:{obs.impact}",
                occurred_at=obs.updated_at or ctx.now,
                url=obs.url or row.url,
                data={**_data(obs, ctx.source.id), "previous_impact": row.impact},
            )
        )
    if _resolved(obs) and not was_resolved:
        resolved_at = obs.resolved_at or obs.updated_at or ctx.now
        started = obs.started_at or row.started_at
        minutes = int((resolved_at - started).total_seconds() // 60) if started else None
        impact = obs.impact if obs.impact != "unknown" else row.impact
        drafts.append(
            EventDraft(
                kind="incident_resolved",
                competitor=obs.competitor,
                title=f"{_label(obs)} resolved: {obs.title}"[:500],
                importance="medium" if impact in ("major", "critical") else "low",
                dedup_key=f"incident_resolved:{_key(obs)}",
                occurred_at=resolved_at,
                url=obs.url or row.url,
                data={**_data(obs, ctx.source.id), "impact": impact, "duration_minutes": minutes},
            )
        )
    _merge(row, obs)
    return drafts


def _merge(row: IncidentRow, obs: Incident) -> None:
    """Bring the row up to date without losing what another source knew."""
    row.title = obs.title or row.title
    row.kind = obs.kind if obs.kind == "maintenance" else row.kind
    if obs.impact != "unknown" or row.impact == "unknown":
        row.impact = obs.impact
    if not (is_resolved(row.status) and not _resolved(obs) and obs.status == "ongoing"):
        row.status = obs.status  # a vaguer "ongoing" from a keyword feed does not reopen a resolution
    row.started_at = obs.started_at or row.started_at
    if _resolved(obs):
        row.resolved_at = obs.resolved_at or row.resolved_at or obs.updated_at
    row.updated_at = _latest(row.updated_at, obs.updated_at)
    if obs.components:
        row.components = list(obs.components)
    row.region = obs.region or row.region
    row.product = obs.product or row.product
    row.url = row.url or obs.url
    if len(obs.updates) >= len(row.updates or []):
        row.updates = [dict(u) for u in obs.updates]


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)
