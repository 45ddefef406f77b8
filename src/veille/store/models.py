"""The tables of veille.

History is kept as slowly changing dimensions: a versioned row (``valid_from``/``valid_to``) is
written only when something changes, and what disappears is closed (``valid_to`` set), never deleted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from veille.store.types import ExactDecimal, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# --- knowledge base -------------------------------------------------------------------------------


class KbRevision(Base):
    """One version of the whole knowledge base: every import or edit writes one."""

    __tablename__ = "kb_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64), index=True)


class CompetitorRow(Base):
    """One competitor record as it is now (``veille.kb.ids.CompetitorRecord`` in ``data``)."""

    __tablename__ = "competitors"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)  # the order lists show (the analysis's, then additions)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class CompetitorRevision(Base):
    """One change of a competitor record: who, when, why, and the record as it became."""

    __tablename__ = "competitor_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    competitor: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(20))  # seed, add, edit, retire, restore, import
    created_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]


# --- collection ------------------------------------------------------------------------------------


class SourceState(Base):
    """The scheduler's and operator's state of one source."""

    __tablename__ = "source_state"
    source_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    enabled: Mapped[bool | None] = mapped_column(Boolean)  # None: the source's default
    cadence_seconds: Mapped[int | None] = mapped_column(Integer)  # None: the source's default
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    running_since: Mapped[datetime | None]
    running_token: Mapped[str | None] = mapped_column(String(64))
    running_holder: Mapped[str | None] = mapped_column(String(300))  # host:pid:start of the process
    running_heartbeat: Mapped[datetime | None]  # refreshed by the holder while it runs
    validators: Mapped[dict[str, Any] | None]  # url -> {"etag": ..., "last_modified": ...}


class SourceRecord(Base):
    """A workspace's own watch-list entry (added, edited or imported): it replaces a shipped source of the
    same id. ``entry`` is the watch-list mapping (``veille.sources.watchlist``)."""

    __tablename__ = "source_records"
    source_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    entry: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SourceRevision(Base):
    """One change to the watch list: who, when, why, and the entry after it (None once removed)."""

    __tablename__ = "source_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))  # add, edit, import, remove, enable, disable
    message: Mapped[str] = mapped_column(Text)
    entry: Mapped[dict[str, Any] | None]


class SourceRun(Base):
    """One run of one source: status, error, counts."""

    __tablename__ = "source_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # running, ok, unchanged, failed, suspect
    error: Mapped[str | None] = mapped_column(Text)
    observations: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)


class Capture(Base):
    """A raw response, kept content-addressed and compressed under the workspace."""

    __tablename__ = "captures"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("source_runs.id"))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]]
    fetched_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)


class FxRateRow(Base):
    """ECB reference rate: units of ``currency`` per 1 EUR on ``day``."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("day", "currency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10))  # ISO date
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal]
    source: Mapped[str] = mapped_column(String(40))


class OfferVersion(Base):
    """One version of one offer (competitor, sku, region, billing): specs and price as observed."""

    __tablename__ = "offer_versions"
    __table_args__ = (
        # the web's current offers: partial indexes over the (few) rows still valid
        Index(
            "ix_offer_live",
            "competitor",
            "category",
            "monthly_eur",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index(
            "ix_offer_live_id",
            "id",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index(
            "ix_offer_source_current", "source_id", "valid_to"
        ),  # a run loads its source's current versions
        Index("ix_offer_key", "competitor", "sku", "region", "billing", "valid_from"),
        # positioning (analysis/positioning.py): versions closed after a given time; and the current
        # versions by category, covering every column the product rules read (no table lookups)
        Index(
            "ix_offer_closed",
            "valid_to",
            "valid_from",
            sqlite_where=text("valid_to IS NOT NULL"),
            postgresql_where=text("valid_to IS NOT NULL"),
        ),
        Index(
            "ix_offer_live_rule",
            "category",
            "competitor",
            "billing",
            "gpu_model",
            "monthly_eur",
            "vcpu",
            "ram_gb",
            "gpu_count",
            "unit",
            "valid_from",
            "held",
            "valid_to",
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120))
    competitor: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(80), default="")
    billing: Mapped[str] = mapped_column(String(20), default="on_demand")
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20))
    vcpu: Mapped[Decimal | None]
    ram_gb: Mapped[Decimal | None]
    disk_gb: Mapped[Decimal | None]
    gpu_model: Mapped[str | None] = mapped_column(String(80))
    gpu_count: Mapped[Decimal | None]
    gpu_memory_gb: Mapped[Decimal | None]
    arch: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(12), default="hour")
    currency: Mapped[str] = mapped_column(String(3))
    price_hourly: Mapped[Decimal | None]
    price_monthly: Mapped[Decimal | None]
    monthly_eur: Mapped[Decimal | None]
    fx_rate: Mapped[Decimal | None]  # units of currency per EUR used for monthly_eur
    fx_date: Mapped[str | None] = mapped_column(String(10))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("source_runs.id"))
    held: Mapped[bool] = mapped_column(Boolean, default=False)  # from a snapshot held as suspect
    manual_url: Mapped[str | None] = mapped_column(Text)  # manual entries: where the figure was read
    extra: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))


# --- signals ---------------------------------------------------------------------------------------


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("source_id", "incident_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120))
    incident_id: Mapped[str] = mapped_column(String(200))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="incident")
    title: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    components: Mapped[list[Any]]
    region: Mapped[str | None] = mapped_column(String(80))
    product: Mapped[str | None] = mapped_column(String(120))
    url: Mapped[str | None] = mapped_column(Text)
    updates: Mapped[list[Any]]
    first_seen_at: Mapped[datetime]


class FeedItemRow(Base):
    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("source_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120))
    item_id: Mapped[str] = mapped_column(String(500))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    tags: Mapped[list[Any]]
    summary: Mapped[str] = mapped_column(Text, default="")
    roadmap_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime]


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("platform", "mention_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    mention_id: Mapped[str] = mapped_column(String(200))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class MentionCount(Base):
    """Score and comment counts of a mention over time (a row per change)."""

    __tablename__ = "mention_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    mention_row_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), index=True)
    observed_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)


class JobRow(Base):
    """A job posting, opened when first seen and closed when it leaves the board."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("source_id", "job_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120))
    job_id: Mapped[str] = mapped_column(String(200))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class RatingRow(Base):
    """An aggregate rating (scraped or entered by hand), one row per observed change."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    platform: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal]
    scale: Mapped[Decimal]
    count: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[datetime]
    url: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(String(120))
    entered_by: Mapped[str | None] = mapped_column(String(120))


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("platform", "review_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    review_id: Mapped[str] = mapped_column(String(200))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    rating: Mapped[Decimal | None]
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    published_at: Mapped[datetime | None]
    url: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list[Any]]
    sentiment: Mapped[Decimal | None]
    first_seen_at: Mapped[datetime]


class FilingRow(Base):
    """A regulatory filing (SEC EDGAR) of a listed competitor, kept once by accession number."""

    __tablename__ = "filings"
    __table_args__ = (UniqueConstraint("source_id", "accession"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(120))
    accession: Mapped[str] = mapped_column(String(40))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    form: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    items: Mapped[list[Any]]  # 8-K item numbers, e.g. ["2.03", "9.01"]
    url: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]


# --- events and actions ----------------------------------------------------------------------------


class EventRow(Base):
    """A detected change. ``dedup_key`` is unique: the same change is never recorded twice."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_time", "kind", "detected_at"),
        Index("ix_events_time", "detected_at"),
        Index("ix_events_competitor_time", "competitor", "detected_at"),  # the web's events of one competitor
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    importance: Mapped[str] = mapped_column(String(10))  # low, medium, high
    occurred_at: Mapped[datetime | None]
    detected_at: Mapped[datetime]
    url: Mapped[str | None] = mapped_column(Text)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    data: Mapped[dict[str, Any]]
    source_id: Mapped[str | None] = mapped_column(String(120))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("source_runs.id"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, held, accepted, dismissed


class AlertRule(Base):
    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kinds: Mapped[list[Any]]
    competitors: Mapped[list[Any]]
    min_importance: Mapped[str] = mapped_column(String(10), default="low")
    conditions: Mapped[dict[str, Any]]  # e.g. {"min_change_pct": "5"}
    channels: Mapped[list[Any]]  # channel names
    mode: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate, daily, weekly, monthly
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # why routing last skipped the rule (stored data it could not read or evaluate), and when
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # file, apprise
    target: Mapped[str] = mapped_column(Text)  # path or Apprise URL


class Alert(Base):
    """The outbox: stored before it is sent; (rule, event, channel) is unique so it is sent once."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule", "event_id", "channel"),
        Index("ix_alerts_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(
        String(20), default="pending"
    )  # pending, sending, sent, failed, digest
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    # Open until a person acknowledges it (dashboard or API), whatever its delivery status (docs/web.md).
    acknowledged_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))


class Action(Base):
    """What the watch plan turned an event into: roadmap candidate, comms draft, strategy note, review flag."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("kind", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(40)
    )  # roadmap_candidate, comms_draft, strategy_note, positioning_review, price_review
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, done, dismissed
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]]


class ClaimCheck(Base):
    """The latest check of one claim of the knowledge base against the live data (analysis/claims).

    Rewritten only when the claim's inputs change (``inputs_digest``); ``verdict_since`` is when the
    verdict last changed. ``status``: open, accepted (its revision applied), dismissed (quiet until the
    inputs move away from ``dismissed_digest``).
    """

    __tablename__ = "claim_checks"
    claim_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    section: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[dict[str, Any]]  # {"fr": ..., "en": ...}
    verdict: Mapped[str] = mapped_column(String(20))  # holds, contradicted, weakened, unverifiable, stale
    previous_verdict: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[dict[str, Any]]  # {"fr": ..., "en": ...}
    evidence: Mapped[list[Any]]
    proposal: Mapped[dict[str, Any] | None]  # the KB revision a contradiction proposes
    inputs_digest: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime]
    verdict_since: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")
    dismissed_digest: Mapped[str | None] = mapped_column(String(64))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)


class ClaimTag(Base):
    """An editor's tags on one sentence of the knowledge base (analysis/claims): what it speaks of
    (``price``, ``incidents``, ``support``, ``reviews``; an empty list: nothing to check), replacing the
    tags the word lists propose. ``sentence`` is the hash of its two languages (rewording it drops them)."""

    __tablename__ = "claim_tags"
    __table_args__ = (UniqueConstraint("competitor", "field", "sentence", name="uq_claim_tags_sentence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competitor: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(40))
    sentence: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[Any]]
    author: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


# --- people and manual intelligence ----------------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # admin, editor, viewer
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    # Where the current visit's "since your last visit" starts (None: first visit); see veille.auth.begin_visit.
    visit_since: Mapped[datetime | None]
    # Part of every session cookie: raising it (password change, sign out everywhere) ends them all.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailure(Base):
    """A failed sign-in, kept a few minutes so every server process throttles the same tries."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # as typed, lower-cased
    address: Mapped[str] = mapped_column(String(64))  # the client address (an IPv6 /64)
    failed_at: Mapped[datetime] = mapped_column(index=True)
    __table_args__ = (Index("ix_login_failures_address", "address", "failed_at"),)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class Note(Base):
    """Manual intelligence: quarterly review notes, secret-shopping logs, analyst-report notes."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # quarterly_review, secret_shopping, analyst_report, strategy
    competitor: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    score: Mapped[Decimal | None]
    happened_on: Mapped[str | None] = mapped_column(String(10))
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class Setting(Base):
    """Small persistent key/value state (secret key, last report edition...)."""

    __tablename__ = "settings_kv"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[dict[str, Any]]


class HostSlot(Base):
    """One of a host's request slots, shared by every worker (PostgreSQL workspaces; ``store.hostgate``)."""

    __tablename__ = "host_slots"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None]


class HostPace(Base):
    """When the next request to a host may start, whichever worker sends it (``store.hostgate``)."""

    __tablename__ = "host_pace"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_at: Mapped[datetime]


# --- model calls ----------------------------------------------------------------------------------


class AiCall(Base):
    """One call to the model, paid or answered from the cache: the log, the cache and the budget.

    ``cache_key`` is the model, the prompt version and the digest of what was sent; a paid call with
    ``status`` ``ok`` answers every later call of the same key (``cached`` rows cost no token).
    ``detail`` holds what the caller made of the answer (the offers rejected and why) or the error.
    """

    __tablename__ = "ai_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(String(60))
    endpoint: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(120))
    prompt_version: Mapped[str] = mapped_column(String(20))
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # ok, invalid, refused, error, over_budget
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_eur: Mapped[Decimal | None]
    sent_chars: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(Text)  # the model's JSON as received (the cache)
    source_id: Mapped[str | None] = mapped_column(String(120), index=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None]
