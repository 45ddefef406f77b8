"""Manual entries: one offer read by a person on a page, stored through the same gate as collected
ones; a rating read by hand on G2, Capterra...; their events recorded as a run's are (``record_events``)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.collect import lease
from veille.collect.record import finish_run, record_events
from veille.collect.result import RunResult
from veille.detect.prices import MANUAL_SOURCE, OfferSnapshot
from veille.detect.reviews import latest_rating, rating_change
from veille.errors import ValidationError
from veille.events import EventDraft
from veille.ingest import IngestContext
from veille.normalise import money
from veille.normalise.money import CONVERTIBLE
from veille.observations import CATEGORIES, Billing, Offer
from veille.sources import SourceSpec
from veille.store.models import EventRow, OfferVersion, RatingRow, SourceRun
from veille.workspace import Workspace

MANUAL_CADENCE = timedelta(days=30)
BILLINGS: tuple[str, ...] = get_args(Billing)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # older than any cloud price worth recording
FUTURE_SLACK = timedelta(days=1)  # a reader's clock or time zone ahead of ours, not a typo'd year
MAX_INTEGER_DIGITS = 9  # a billion a month is already absurd for one offer
MAX_PLACES = 8
# Field -> longest text (the column widths of offer_versions, the URL a sane page has).
MAX_CHARS = {"sku": 200, "name": 300, "region": 80, "gpu_model": 80}
MAX_URL_CHARS = 2000
_AMOUNTS = ("price_hourly", "price_monthly", "vcpu", "ram_gb", "disk_gb", "gpu_count")


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
    check_entry(offer, url=url, when=when, now=datetime.now(UTC))  # stricter than ``price_problem``
    spec = manual_spec(offer.competitor, url)
    token = lease.acquire(
        workspace.store, MANUAL_SOURCE, stale_after=workspace.settings.lease_heartbeat_timeout
    )
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
            rows = record_events(
                session, drafts, now=when, source_id=MANUAL_SOURCE, run_id=run.id, released=ctx.released
            )
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


def _flag(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def _clip(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def check_amount(field_name: str, value: Decimal, *, free: bool = False) -> None:
    """A figure is finite, more than 0 (0 for a free tier's price), under a billion, at most MAX_PLACES decimals."""
    flag = _flag(field_name)
    price = field_name.startswith("price_")
    if not value.is_finite() or value < 0 or (value == 0 and not (free and price)):
        hint = " (a free offer needs --free-tier)" if price and value == 0 else ""
        raise ValidationError(f"{flag} must be more than 0{hint}, not {value}")
    if money.integer_digits(value) > MAX_INTEGER_DIGITS:
        raise ValidationError(f"{flag} is too large (at most {MAX_INTEGER_DIGITS} digits before the point)")
    if money.decimal_places(value) > MAX_PLACES:
        raise ValidationError(f"{flag} has too many decimals (at most {MAX_PLACES})")


def check_text(field_name: str, value: str | None, *, required: bool = False) -> None:
    """A text is printable (no control characters), within its column's width, and present if required."""
    flag = field_name.upper() if field_name == "sku" else _flag(field_name)
    if value is None or not value.strip():
        if required:
            raise ValidationError(f"{flag} must not be empty")
        return
    limit = MAX_CHARS[field_name]
    if len(value) > limit:
        raise ValidationError(f"{flag} is too long ({len(value)} characters, at most {limit})")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValidationError(f"{flag} holds a control or invisible character: {_clip(value)}")


def check_when(when: datetime, now: datetime) -> None:
    """The day a price was read: not before 2000, not more than a day ahead of now."""
    if when < EARLIEST:
        raise ValidationError(f"--date {when.date()} is before {EARLIEST.year}: not a date a price was read")
    if when > now + FUTURE_SLACK:
        raise ValidationError(f"--date {when.date()} is in the future")


def check_url(url: str) -> None:
    from urllib.parse import urlsplit

    if len(url) > MAX_URL_CHARS:
        raise ValidationError(f"--url is too long ({len(url)} characters, at most {MAX_URL_CHARS})")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    spaced = any(unicodedata.category(ch)[0] in "CZ" for ch in url)
    if spaced or parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"--url must be the http(s) page the price was read on, not {_clip(url)}")


def check_entry(offer: Offer, *, url: str, when: datetime, now: datetime) -> None:
    """Refuse a manual entry a person could not have read on a page (ValidationError, one line)."""
    check_url(url)
    check_text("sku", offer.sku, required=True)
    for field_name in ("name", "region", "gpu_model"):
        check_text(field_name, getattr(offer, field_name))
    if offer.category not in CATEGORIES:
        raise ValidationError(f"--category must be one of {', '.join(CATEGORIES)}")
    if offer.billing not in BILLINGS:
        raise ValidationError(f"--billing must be one of {', '.join(BILLINGS)}, not {_clip(offer.billing)}")
    if offer.currency not in CONVERTIBLE:
        raise ValidationError(
            f"--currency must be a currency veille can convert to EUR ({', '.join(sorted(CONVERTIBLE))}),"
            f" not {_clip(offer.currency)}"
        )
    if offer.price_hourly is None and offer.price_monthly is None:
        raise ValidationError("give --price-monthly or --price-hourly")
    for field_name in _AMOUNTS:
        value = getattr(offer, field_name)
        if value is not None:
            check_amount(field_name, value, free=offer.free_tier)
    check_when(when, now)


# --- ratings read by hand ----------------------------------------------------------------------

MANUAL_PLATFORMS = ("g2", "capterra", "trustpilot", "gartner", "other")


def record_manual_rating(
    session: Session,
    *,
    competitor: str,
    platform: str,
    score: Decimal,
    scale: Decimal = Decimal(5),
    count: int | None = None,
    as_of: datetime,
    url: str | None = None,
    entered_by: str = "cli",
) -> tuple[RatingRow, EventDraft | None]:
    """Record a G2 / Capterra (or other) aggregate read by hand; returns the row and any change event.

    The web dashboard and ``veille ratings add`` both call this. Scores are on ``scale`` (5 by default).
    """
    platform = platform.lower()
    if platform not in MANUAL_PLATFORMS:
        raise ValidationError(f"unknown rating platform {platform!r}; one of {', '.join(MANUAL_PLATFORMS)}")
    if not (Decimal(0) <= score <= scale):
        raise ValidationError(f"score {score} is outside 0..{scale}")
    if count is not None and count < 0:
        raise ValidationError("the review count cannot be negative")
    if as_of.tzinfo is None:
        raise ValidationError("the date of a rating must carry a time zone")
    previous = latest_rating(session, competitor, platform)
    row = RatingRow(
        competitor=competitor,
        platform=platform,
        score=score,
        scale=scale,
        count=count,
        as_of=as_of,
        url=url,
        source_id=None,
        entered_by=entered_by,
    )
    session.add(row)
    session.flush()
    draft = rating_change(previous, competitor, platform, score, count, as_of, url)
    return row, draft


def enter_manual_rating(
    session: Session,
    now: datetime,
    *,
    competitor: str,
    platform: str,
    score: Decimal,
    scale: Decimal = Decimal(5),
    count: int | None = None,
    as_of: datetime | None = None,
    url: str | None = None,
    entered_by: str = "cli",
) -> tuple[RatingRow, list[EventRow]]:
    """``record_manual_rating`` plus its event stored (deduplicated) and routed to the alert rules, in
    the caller's transaction: what the CLI and the dashboard call."""
    row, draft = record_manual_rating(
        session,
        competitor=competitor,
        platform=platform,
        score=score,
        scale=scale,
        count=count,
        as_of=as_of or now,
        url=url,
        entered_by=entered_by,
    )
    events = record_events(session, [draft] if draft else [], now=now, source_id="manual")
    return row, events
