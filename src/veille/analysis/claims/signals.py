"""Verdicts of the incident and review claims: "recurring incidents" against the incidents counted,
"disastrous support" or "negative reviews" against the latest ratings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.analysis.claims import model as m
from veille.analysis.claims.model import Check, Claim, both
from veille.store.models import IncidentRow, RatingRow, SourceRun

STALE_FACTOR = 3


@dataclass
class Signals:
    """Per competitor: incidents over the window, whether (and how freshly) a status page is watched,
    and the latest rating of each platform."""

    incidents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status_seen: dict[str, bool] = field(default_factory=dict)  # competitor -> fresh (False: stale)
    watched_since: dict[str, datetime] = field(default_factory=dict)  # competitor -> first status-page run
    ratings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def load(session: Session, now: datetime, competitors: set[str]) -> Signals:
    """What the incident and review claims of ``competitors`` read."""
    from veille.sources import sources

    out = Signals()
    if not competitors:
        return out
    since = now - timedelta(days=m.INCIDENT_DAYS)
    query = (
        select(
            IncidentRow.competitor,
            IncidentRow.id,
            IncidentRow.incident_id,
            IncidentRow.title,
            IncidentRow.started_at,
            IncidentRow.url,
        )
        .where(
            IncidentRow.competitor.in_(competitors),
            func.coalesce(IncidentRow.started_at, IncidentRow.first_seen_at) >= since,
        )
        .order_by(IncidentRow.id)
    )
    for row in session.execute(query):
        out.incidents.setdefault(row.competitor, []).append(
            {
                "type": "incident",
                "id": row.id,
                "incident_id": row.incident_id,
                "title": row.title,
                "started_at": row.started_at,
                "url": row.url,
            }
        )
    specs = [s for s in sources() if s.kind == "incidents" and s.competitor in competitors]
    runs = {
        source_id: (first, last)
        for source_id, first, last in session.execute(
            select(SourceRun.source_id, func.min(SourceRun.started_at), func.max(SourceRun.started_at))
            .where(SourceRun.source_id.in_([s.id for s in specs]), SourceRun.status.in_(("ok", "unchanged")))
            .group_by(SourceRun.source_id)
        )
    }
    for spec in specs:
        if spec.id in runs and spec.competitor:
            first, last = runs[spec.id]
            fresh = now - last <= spec.cadence * STALE_FACTOR
            out.status_seen[spec.competitor] = out.status_seen.get(spec.competitor, False) or fresh
            out.watched_since[spec.competitor] = min(first, out.watched_since.get(spec.competitor, first))
    _ratings(session, out, competitors)
    return out


def _ratings(session: Session, out: Signals, competitors: set[str]) -> None:
    latest = (
        select(RatingRow.competitor, RatingRow.platform, func.max(RatingRow.id).label("id"))
        .where(RatingRow.competitor.in_(competitors))
        .group_by(RatingRow.competitor, RatingRow.platform)
        .subquery()
    )
    for row in session.scalars(
        select(RatingRow).join(latest, latest.c.id == RatingRow.id).order_by(RatingRow.id)
    ):
        out.ratings.setdefault(row.competitor or "", []).append(
            {
                "type": "rating",
                "id": row.id,
                "platform": row.platform,
                "score": str(row.score),
                "scale": str(row.scale),
                "count": row.count,
                "as_of": row.as_of,
                "url": row.url,
            }
        )


def inputs(claim: Claim, signals: Signals, now: datetime) -> dict[str, Any]:
    c = claim.competitor
    if claim.kind == "incident_sentence":
        since = signals.watched_since.get(c)
        return {
            "incidents": signals.incidents.get(c, []),
            "watched": c in signals.status_seen,
            "fresh": signals.status_seen.get(c, False),
            "watched_since": since.date().isoformat() if since else None,
            "whole_window": since is not None and now - since >= timedelta(days=m.INCIDENT_DAYS),
        }
    return {"ratings": signals.ratings.get(c, [])}


def judge(claim: Claim, data: dict[str, Any]) -> Check:
    if claim.kind == "incident_sentence":
        return _incidents(data)
    return _reviews(data, negative=claim.expected.get("negative", True))


def _incidents(data: dict[str, Any]) -> Check:
    if not data["watched"]:
        return Check(
            "unverifiable",
            both(
                "aucune page de statut de ce concurrent n'est relevée",
                "no status page of this competitor is collected",
            ),
        )
    found = data["incidents"]
    if not data["fresh"]:
        return Check(
            "stale",
            both(
                "la page de statut n'a pas été relevée depuis trop longtemps",
                "the status page has not been collected for too long",
            ),
            found,
        )
    count = len(found)
    reason = both(
        f"{count} incident(s) en {m.INCIDENT_DAYS} jours", f"{count} incident(s) in {m.INCIDENT_DAYS} days"
    )
    if count >= m.RECURRING:
        return Check("holds", reason, found)
    if count == 0 and data["whole_window"]:
        return Check("contradicted", reason, found)
    if count == 0:  # watched for less than the window: too early to say there are none
        since = data["watched_since"]
        reason = both(
            f"aucun incident depuis le {since}, début du relevé",
            f"no incident since {since}, when watching began",
        )
    return Check("weakened", reason, found)


def _reviews(data: dict[str, Any], *, negative: bool = True) -> Check:
    """A negative sentence holds on a median rating at most 60% of the scale (weakened up to 75%); a
    positive one (an editor's ``support`` or ``reviews`` tag on praise) holds from 75% (weakened from 60%)."""
    ratings = data["ratings"]
    if not ratings:
        return Check(
            "unverifiable",
            both(
                "aucune note d'avis relevée pour ce concurrent",
                "no review rating collected for this competitor",
            ),
        )
    shares = [Decimal(r["score"]) / Decimal(r["scale"]) for r in ratings if Decimal(r["scale"])]
    share = m.median(shares) or Decimal(0)
    pct = format((share * 100).quantize(Decimal(1)), "f")
    reason = both(
        f"note médiane des avis : {pct} % de l'échelle", f"median review rating: {pct}% of the scale"
    )
    if not negative:
        if share >= m.RATING_WEAKENED:
            return Check("holds", reason, ratings)
        return Check("weakened" if share >= m.RATING_HOLDS else "contradicted", reason, ratings)
    if share <= m.RATING_HOLDS:
        return Check("holds", reason, ratings)
    return Check("weakened" if share <= m.RATING_WEAKENED else "contradicted", reason, ratings)
