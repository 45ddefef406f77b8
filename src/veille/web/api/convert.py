"""Rows to API models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from veille.normalise.money import plain
from veille.store.models import IncidentRow, Note, RatingRow
from veille.web.api import models as m
from veille.web.data.sources import SourceView


def dec(value: Decimal | None) -> str | None:
    """A decimal string without exponent ("0.0000001", "640"), or None."""
    return None if value is None else format(value, "f")


def offer(r: Any) -> m.Offer:
    return m.Offer(
        id=r.id,
        competitor=r.competitor,
        source_id=r.source_id,
        sku=r.sku,
        name=r.name,
        category=r.category,
        region=r.region,
        billing=r.billing,
        vcpu=dec(r.vcpu),
        ram_gb=dec(r.ram_gb),
        disk_gb=dec(r.disk_gb),
        gpu_model=r.gpu_model,
        gpu_count=dec(r.gpu_count),
        currency=r.currency,
        price_hourly=dec(r.price_hourly),
        price_monthly=dec(r.price_monthly),
        monthly_eur=plain(r.monthly_eur),
        fx_rate=dec(r.fx_rate),
        fx_date=r.fx_date,
        valid_from=r.valid_from,
        valid_to=r.valid_to,
    )


def version(r: Any) -> m.PriceVersion:
    return m.PriceVersion(
        valid_from=r.valid_from,
        valid_to=r.valid_to,
        currency=r.currency,
        price_hourly=dec(r.price_hourly),
        price_monthly=dec(r.price_monthly),
        monthly_eur=plain(r.monthly_eur),
        fx_rate=dec(r.fx_rate),
        fx_date=r.fx_date,
    )


def event(r: Any) -> m.Event:
    return m.Event(
        id=r.id,
        kind=r.kind,
        competitor=r.competitor,
        title=r.title,
        importance=r.importance,
        occurred_at=r.occurred_at,
        detected_at=r.detected_at,
        url=r.url,
        data=r.data or {},
    )


def incident(r: IncidentRow) -> m.Incident:
    return m.Incident(
        id=r.id,
        source_id=r.source_id,
        incident_id=r.incident_id,
        competitor=r.competitor,
        title=r.title,
        impact=r.impact,
        status=r.status,
        started_at=r.started_at,
        resolved_at=r.resolved_at,
        components=r.components or [],
        url=r.url,
    )


def alert(a: Any) -> m.AlertOut:
    return m.AlertOut(
        id=a.id,
        rule=a.rule,
        event_id=a.event_id,
        event_title=a.event_title,
        channel=a.channel,
        status=a.status,
        attempts=a.attempts,
        created_at=a.created_at,
        sent_at=a.sent_at,
        last_error=a.last_error,
        open=a.acknowledged_at is None,
        acknowledged_at=a.acknowledged_at,
        acknowledged_by=a.acknowledged_by,
    )


def source(v: SourceView) -> m.Source:
    return m.Source(
        id=v.id,
        competitor=v.competitor,
        kind=v.kind,
        parser=v.parser,
        url=v.url,
        cadence_seconds=v.cadence_seconds,
        enabled=v.enabled,
        why_disabled=v.why_disabled,
        credential=v.credential,
        credential_present=v.credential_present,
        last_run_at=v.last_run_at,
        last_status=v.last_status,
        last_error=v.last_error,
        consecutive_failures=v.consecutive_failures,
        health=v.health,  # type: ignore[arg-type]
    )


def note(n: Note) -> m.Note:
    return m.Note(
        id=n.id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        competitor=n.competitor,
        score=dec(n.score),
        happened_on=n.happened_on,
        data={str(k): str(v) for k, v in (n.data or {}).items()},
        author=n.author,
        created_at=n.created_at,
    )


def rating(r: RatingRow) -> m.Rating:
    return m.Rating(
        id=r.id,
        competitor=r.competitor,
        platform=r.platform,
        score=str(r.score),
        scale=str(r.scale),
        count=r.count,
        as_of=r.as_of,
        url=r.url,
        entered_by=r.entered_by,
    )
