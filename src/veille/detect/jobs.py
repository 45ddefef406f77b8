"""Job boards: daily snapshots, postings opened and closed, and hiring trend events.

Each run of a job board is a full snapshot (``snapshot_of=("jobs",)``: an emptied board still closes
its postings). A posting seen for the first time is opened (``first_seen_at``); one missing from the
snapshot is closed (``closed_at``); one that comes back is reopened. Counts by function at any time
come from these dates (``veille.store.jobs.open_counts``).

Trend rule (``hiring`` events): for each function, the open count now is compared with the count
``WINDOW`` (90 days) ago, or at the first snapshot when the history is shorter. An event is raised
when the count moved by at least ``MIN_ROLES`` (3) roles and by at least ``MIN_SHARE`` (25%) of the
baseline (any move of 3+ from zero counts). Importance is medium, high for a rise of 50% or more in
GPU/AI roles (VMCloud's own market). One event per competitor, function and ISO week at most.

A trend that persists is one signal: once an event reported a level (``open_now``), the same
competitor and function fire again only when the open count has moved again from that level by as much
as a trend must move (``MIN_ROLES`` and ``MIN_SHARE`` of the level last reported); "+500% GPU/AI roles
(1 → 6)" seen again a week later with the same six roles is no new event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.detect.mentions import already_recorded
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.normalise.jobs import FUNCTION_WORDS, FUNCTIONS
from veille.observations import JobPosting, Observation
from veille.store.jobs import baseline_time, open_counts
from veille.store.models import EventRow, JobRow

WINDOW = timedelta(days=90)
MIN_ROLES = 3
MIN_SHARE = Decimal("0.25")


def _store_snapshot(ctx: IngestContext, postings: Sequence[JobPosting]) -> None:
    session = ctx.session
    rows = {r.job_id: r for r in session.scalars(select(JobRow).where(JobRow.source_id == ctx.source.id))}
    seen: set[str] = set()
    for post in postings:
        if post.id in seen:
            continue
        seen.add(post.id)
        row = rows.get(post.id)
        if row is None:
            session.add(
                JobRow(
                    source_id=ctx.source.id,
                    job_id=post.id,
                    competitor=post.competitor or ctx.source.competitor,
                    title=post.title,
                    department=(post.department or None) and post.department[:200],
                    function=post.function,
                    location=(post.location or None) and post.location[:300],
                    url=post.url,
                    published_at=post.published_at,
                    first_seen_at=ctx.now,
                    closed_at=None,
                )
            )
            continue
        if row.closed_at is not None and row.closed_at <= ctx.now:
            row.closed_at = None  # back on the board
        row.title, row.function, row.url = post.title, post.function, post.url
    for job_id, row in rows.items():
        if job_id not in seen and row.closed_at is None and row.first_seen_at <= ctx.now:
            row.closed_at = ctx.now
    session.flush()


def _moved(old: int, new: int) -> bool:
    """Whether a count moved enough to be a trend: MIN_ROLES roles and MIN_SHARE of ``old`` (any move
    of MIN_ROLES from zero)."""
    change = abs(new - old)
    return change >= MIN_ROLES and not (old and Decimal(change) / old < MIN_SHARE)


def _last_reported(session: Session, competitor: str, function: str) -> int | None:
    """The open count the latest ``hiring`` event of this competitor and function reported, if any."""
    data = session.scalar(
        select(EventRow.data)
        .where(EventRow.kind == "hiring", EventRow.dedup_key.startswith(f"hiring:{competitor}:{function}:"))
        .order_by(EventRow.detected_at.desc(), EventRow.id.desc())
        .limit(1)
    )
    value = (data or {}).get("open_now")
    return int(value) if isinstance(value, int) else None


def _trend_events(ctx: IngestContext, competitor: str) -> list[EventDraft]:
    session = ctx.session
    baseline = baseline_time(session, competitor, ctx.now, WINDOW)
    if baseline is None or baseline >= ctx.now:
        return []
    before = open_counts(session, competitor, baseline)
    after = open_counts(session, competitor, ctx.now)
    year, week, _ = ctx.now.isocalendar()
    since = "in 90 days" if baseline <= ctx.now - WINDOW else f"since {baseline.date().isoformat()}"
    drafts: list[EventDraft] = []
    for function in FUNCTIONS:
        old, new = before.get(function, 0), after.get(function, 0)
        change = new - old
        if not _moved(old, new):
            continue
        key = f"hiring:{competitor}:{function}:{year}-W{week:02d}"
        if already_recorded(session, key):
            continue
        reported = _last_reported(session, competitor, function)
        if reported is not None and not _moved(reported, new):
            continue  # the same trend, still at the level already reported
        share = (Decimal(change) * 100 / old).quantize(Decimal(1)) if old else None
        label = FUNCTION_WORDS[function][1]  # the title is stored in English
        amount = f"{share:+}%" if share is not None else f"{change:+d}"
        high = function == "gpu_ai" and (share is None or share >= 50) and change > 0
        drafts.append(
            EventDraft(
                kind="hiring",
                competitor=competitor,
                title=f"{competitor}: {amount} {label} roles {since} ({old} → {new})",
                importance="high" if high else "medium",
                dedup_key=key,
                occurred_at=ctx.now,
                url=ctx.url,
                data={
                    "function": function,
                    "open_now": new,
                    "open_before": old,
                    "change": change,
                    "change_pct": str(share) if share is not None else None,
                    "baseline_at": baseline.isoformat(),
                },
            )
        )
    return drafts


@ingestor("job", snapshot_of=("jobs",))
def ingest_jobs(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Apply one board snapshot and return the hiring trend events it makes visible."""
    postings = [o for o in observations if isinstance(o, JobPosting)]
    _store_snapshot(ctx, postings)
    competitor = ctx.source.competitor or next((p.competitor for p in postings if p.competitor), None)
    return _trend_events(ctx, competitor) if competitor else []
