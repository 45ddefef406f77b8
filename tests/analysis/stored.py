"""Stored data for the claim tests: live offers and runs written as the pipeline does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.store.models import OfferVersion, SourceRun

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def offer(competitor: str, sku: str, price: str, *, vcpu: int = 2, ram: int = 4, **kw: Any) -> OfferVersion:
    """A current VPS offer version, first seen ``kw["since"]`` (default: an hour before NOW)."""
    return OfferVersion(
        source_id=kw.get("source_id", f"{competitor}.catalog"),
        competitor=competitor,
        sku=sku,
        region=kw.get("region", "eu"),
        billing="on_demand",
        valid_from=kw.get("since", NOW - timedelta(hours=1)),
        valid_to=None,
        name=sku.upper(),
        category="vps",
        vcpu=Decimal(vcpu),
        ram_gb=Decimal(ram),
        disk_gb=None,
        gpu_model=None,
        gpu_count=None,
        currency="EUR",
        price_hourly=None,
        price_monthly=Decimal(price),
        monthly_eur=Decimal(price),
        extra={},
        content_hash=sku,
    )


def move_price(session: Session, row: OfferVersion, price: str, when: datetime) -> OfferVersion:
    """Close ``row`` at ``when`` and store its next version at ``price`` (a price change)."""
    row.valid_to = when
    new = offer(row.competitor, row.sku, price, vcpu=int(row.vcpu or 0), ram=int(row.ram_gb or 0), since=when)
    session.add(new)
    session.flush()
    return new


def ran(session: Session, source_id: str, when: datetime) -> None:
    session.add(SourceRun(source_id=source_id, started_at=when, finished_at=when, status="ok"))
