"""Manual price entries: one offer read by a person on a page, stored through the same gate as collected ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from veille.act import route_events
from veille.collect import lease
from veille.collect.record import finish_run, insert_events
from veille.collect.runner import RunResult
from veille.detect.prices import MANUAL_SOURCE, OfferSnapshot
from veille.errors import ValidationError
from veille.ingest import IngestContext
from veille.observations import Offer
from veille.sources._registry import SourceSpec
from veille.store.models import SourceRun
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
    spec = manual_spec(offer.competitor, url)
    token = lease.acquire(
        workspace.store, MANUAL_SOURCE, stale_after=workspace.settings.lease_heartbeat_timeout
    )
    if token is None:
        raise ValidationError("another manual entry is being stored; try again")
    try:
        with workspace.store.session() as session:
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
