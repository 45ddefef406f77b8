"""Incident statistics per competitor: counts per month, by impact, mean time to resolve.

Plain functions over the ``incidents`` table, returning plain data (the reports, the web pages and
``veille incidents --stats`` call them). Maintenance is counted apart from incidents. Times are UTC;
a month is ``YYYY-MM`` of ``started_at`` (first-seen time when the source gave no start).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.store.models import IncidentRow

IMPACT_ORDER = ("critical", "major", "minor", "none", "unknown")


@dataclass(frozen=True)
class IncidentRecord:
    competitor: str | None
    id: str
    title: str
    kind: str
    impact: str
    status: str
    started_at: datetime | None
    resolved_at: datetime | None
    region: str | None
    product: str | None
    url: str | None
    source_id: str

    @property
    def minutes_to_resolve(self) -> float | None:
        if self.started_at is None or self.resolved_at is None or self.resolved_at < self.started_at:
            return None
        return (self.resolved_at - self.started_at).total_seconds() / 60

    def to_dict(self) -> dict[str, Any]:
        return {
            "competitor": self.competitor,
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "impact": self.impact,
            "status": self.status,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "region": self.region,
            "product": self.product,
            "url": self.url,
            "source_id": self.source_id,
        }


def list_incidents(
    session: Session,
    *,
    competitor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[IncidentRecord]:
    """Incidents (and maintenances unless ``kind`` says which), newest first."""
    query = select(IncidentRow)
    if competitor:
        query = query.where(IncidentRow.competitor == competitor)
    if kind:
        query = query.where(IncidentRow.kind == kind)
    rows = session.execute(query).scalars().all()
    records = []
    for r in rows:
        start = r.started_at or r.first_seen_at
        if (since and start < since) or (until and start >= until):
            continue
        records.append(
            IncidentRecord(
                r.competitor,
                r.incident_id,
                r.title,
                r.kind,
                r.impact,
                r.status,
                r.started_at or r.first_seen_at,
                r.resolved_at,
                r.region,
                r.product,
                r.url,
                r.source_id,
            )
        )
    records.sort(key=lambda rec: rec.started_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return records[:limit] if limit else records


def per_month(records: list[IncidentRecord]) -> dict[str, dict[str, int]]:
    """``{competitor: {"YYYY-MM": count}}`` of incidents (maintenance excluded)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        if rec.kind == "incident" and rec.started_at is not None:
            out[rec.competitor or "-"][rec.started_at.strftime("%Y-%m")] += 1
    return {c: dict(sorted(months.items())) for c, months in sorted(out.items())}


def by_impact(records: list[IncidentRecord]) -> dict[str, dict[str, int]]:
    """``{competitor: {impact: count}}`` of incidents (maintenance excluded)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        if rec.kind == "incident":
            out[rec.competitor or "-"][rec.impact] += 1
    return {c: {i: n[i] for i in IMPACT_ORDER if n[i]} for c, n in sorted(out.items())}


def mean_time_to_resolve(records: list[IncidentRecord]) -> dict[str, float | None]:
    """``{competitor: mean minutes from start to resolution}`` over resolved incidents."""
    durations: dict[str, list[float]] = defaultdict(list)
    competitors: set[str] = set()
    for rec in records:
        if rec.kind != "incident":
            continue
        competitors.add(rec.competitor or "-")
        minutes = rec.minutes_to_resolve
        if minutes is not None:
            durations[rec.competitor or "-"].append(minutes)
    return {
        c: (round(sum(durations[c]) / len(durations[c]), 1) if durations[c] else None)
        for c in sorted(competitors)
    }


def statistics(
    session: Session,
    *,
    competitor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Every figure per competitor over a period: counts, per month, by impact, MTTR in minutes."""
    records = list_incidents(session, competitor=competitor, since=since, until=until)
    months, impacts, mttr = per_month(records), by_impact(records), mean_time_to_resolve(records)
    competitors = sorted({rec.competitor or "-" for rec in records})
    out = []
    for c in competitors:
        mine = [r for r in records if (r.competitor or "-") == c]
        out.append(
            {
                "competitor": c,
                "incidents": sum(1 for r in mine if r.kind == "incident"),
                "maintenances": sum(1 for r in mine if r.kind == "maintenance"),
                "unresolved": sum(1 for r in mine if r.kind == "incident" and r.resolved_at is None),
                "per_month": months.get(c, {}),
                "by_impact": impacts.get(c, {}),
                "mttr_minutes": mttr.get(c),
            }
        )
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "competitors": out,
    }
