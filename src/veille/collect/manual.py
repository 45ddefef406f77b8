"""Manual price entries: one offer read by a person on a page, stored through the same gate as collected ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.act import route_events
from veille.collect import lease
from veille.collect.record import finish_run, insert_events
from veille.collect.runner import RunResult
from veille.detect.prices import MANUAL_SOURCE, OfferSnapshot
from veille.errors import ValidationError
from veille.ingest import IngestContext
from veille.observations import Offer, price_problem
from veille.sources._registry import SourceSpec
from veille.store.models import OfferVersion, SourceRun
from veille.workspace import Workspace

MANUAL_CADENCE = timedelta(days=30)


def manual_spec(competitor: str, url: str) -> SourceSpec:
    """The pseudo-source of manual entries (its staleness horizon: 3 x 30 days)."""
    return SourceSpec(
        id=MANUAL_SOURCE,
        competitor=competitor,
        kind="prices",
        parser="manual",
        url=url,
        cadence=MANUAL_CADENCE,
        description="prices entered by hand with their source URL and date",
    )


def record_manual(workspace: Workspace, offer: Offer, *, url: str, when: datetime) -> RunResult:
    """Store one manually entered offer (observed at ``when`` on ``url``); returns the run's result."""
    if not url.startswith(("http://", "https://")):
        raise ValidationError(f"--url must be the http(s) page the price was read on, not {url!r}")
    if offer.price_hourly is None and offer.price_monthly is None:
        raise ValidationError("give --price-monthly or --price-hourly")
    problem = price_problem(offer)
    if problem is not None:
        raise ValidationError(f"{problem} (a free offer needs --free-tier)" if "zero" in problem else problem)
    spec = manual_spec(offer.competitor, url)
    token = lease.acquire(workspace.store, MANUAL_SOURCE)
    if token is None:
        raise ValidationError("another manual entry is being stored; try again")
    try:
        with workspace.store.session() as session:
            _refuse_late(session, offer, when)
            run = SourceRun(
                source_id=MANUAL_SOURCE, started_at=when, status="running", observations=1, events=0
            )
            session.add(run)
            session.flush()
            ctx = IngestContext(session, spec, run.id, when, workspace.settings, [], url)
            snapshot = OfferSnapshot(ctx, partial=True)
            snapshot.add(offer, url=url)
            drafts = snapshot.finish()
            rows = insert_events(session, drafts, now=when, source_id=MANUAL_SOURCE, run_id=run.id)
            route_events(session, [r for r in rows if r.status == "open"], when)
            status = "suspect" if any(r.kind == "price_review" for r in rows) else "ok"
            finish_run(session, run.id, status=status, now=when, observations=1, events=len(rows))
            return RunResult(MANUAL_SOURCE, status, run.id, 1, len(rows))
    finally:
        lease.release_now(workspace.store, MANUAL_SOURCE, token)


def _refuse_late(session: Session, offer: Offer, when: datetime) -> None:
    """An entry dated before the offer's latest manual entry would rewrite its history: refused."""
    latest = session.scalar(
        select(func.max(OfferVersion.valid_from)).where(
            OfferVersion.source_id == MANUAL_SOURCE,
            OfferVersion.competitor == offer.competitor,
            OfferVersion.sku == offer.sku,
            OfferVersion.region == (offer.region or ""),
            OfferVersion.billing == offer.billing,
        )
    )
    if latest is not None and when < latest:
        raise ValidationError(
            f"{offer.competitor} {offer.sku}: an entry dated {latest:%Y-%m-%d %H:%M}Z is already stored;"
            f" a price read before it ({when:%Y-%m-%d %H:%M}Z) is not stored (late data never rewrites history)"
        )
