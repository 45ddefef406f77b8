"""Pydantic models of the REST API (they make the OpenAPI document precise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from veille.act.rules import CompetitorId, Conditions, Kind, Mode, RuleInput

Decimal_ = str  # amounts travel as decimal strings, never floats
Lang = Literal["fr", "en"]


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


class Competitor(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    country: str | None = None
    tier: str | None = None
    threat: Literal["high", "medium", "low"] | None = None
    threat_reason: str | None = None


class CompetitorDetail(Competitor):
    profile: dict[str, Any] = Field(default_factory=dict)
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    positioning: str | None = None
    our_advantages: list[str] = Field(default_factory=list)
    verdict: str | None = None
    strategy: str | None = None
    key_message: str | None = None
    live_offers: int = 0
    matrix: dict[str, int | None] = Field(default_factory=dict)


class Offer(BaseModel):
    id: int
    competitor: str
    source_id: str
    sku: str
    name: str
    category: str
    region: str
    billing: str
    vcpu: Decimal_ | None
    ram_gb: Decimal_ | None
    disk_gb: Decimal_ | None
    gpu_model: str | None
    gpu_count: Decimal_ | None
    currency: str
    price_hourly: Decimal_ | None
    price_monthly: Decimal_ | None
    monthly_eur: Decimal_ | None
    fx_rate: Decimal_ | None = None  # units of the currency per EUR, of the day monthly_eur describes
    fx_date: str | None = None  # the ECB publication day of fx_rate
    valid_from: datetime
    valid_to: datetime | None


class OfferPage(BaseModel):
    items: list[Offer]
    next_cursor: str | None


class PriceVersion(BaseModel):
    valid_from: datetime
    valid_to: datetime | None
    currency: str
    price_hourly: Decimal_ | None
    price_monthly: Decimal_ | None
    monthly_eur: Decimal_ | None
    fx_rate: Decimal_ | None = None
    fx_date: str | None = None


class PriceHistory(BaseModel):
    competitor: str
    sku: str
    region: str | None
    items: list[PriceVersion]
    next_cursor: str | None


class Product(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None
    label: str | None = None
    spec: dict[str, Any] = Field(default_factory=dict)


class PositioningRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    product: str | None
    competitor: str
    monthly_eur: Decimal_ | None
    offer: dict[str, Any] | None
    basis: Literal["live", "kb"]
    observed_at: str | None
    ratio_to_self: Decimal_ | None
    fx_rate: Decimal_ | None = None  # the ECB rate of the as-of day that converted monthly_eur
    fx_date: str | None = None


class Positioning(BaseModel):
    as_of: str
    currency: str
    products: list[Product]
    rows: list[PositioningRow]


class Claim(BaseModel):
    """A claim of the analysis and its latest verdict against the live data (docs/claims.md)."""

    id: str
    competitor: str | None
    section: str
    kind: str
    text: dict[str, str]
    verdict: Literal["holds", "contradicted", "weakened", "unverifiable", "stale"]
    previous_verdict: str | None
    reason: dict[str, str]
    evidence: list[dict[str, Any]]
    proposal: dict[str, Any] | None
    status: Literal["open", "accepted", "dismissed"]
    dismissed_reason: str | None
    checked_at: datetime
    verdict_since: datetime


class Event(BaseModel):
    id: int
    kind: str
    competitor: str | None
    title: str
    importance: str
    occurred_at: datetime | None
    detected_at: datetime
    url: str | None
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: str | None


class Incident(BaseModel):
    id: int
    source_id: str
    incident_id: str
    competitor: str | None
    title: str
    impact: str
    status: str
    started_at: datetime | None
    resolved_at: datetime | None
    components: list[Any]
    url: str | None


class IncidentPage(BaseModel):
    items: list[Incident]
    next_cursor: str | None


class AlertOut(BaseModel):
    id: int
    rule: str
    event_id: int
    event_title: str | None
    channel: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    open: bool = Field(description="Not acknowledged yet (whatever its delivery status).")
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


Importance = Literal["low", "medium", "high"]
RuleIn = RuleInput  # the one schema of a rule (veille.act.rules), shared with the command line and pages


class RulePatch(BaseModel):
    """The fields of a rule to change; the rule that results is validated as a whole."""

    model_config = ConfigDict(extra="forbid")
    kinds: list[Kind] | None = Field(default=None, max_length=50)
    competitors: list[CompetitorId] | None = Field(default=None, max_length=50)
    min_importance: Importance | None = None
    conditions: Conditions | None = None
    channels: list[str] | None = Field(default=None, min_length=1, max_length=20)
    mode: Mode | None = None
    enabled: bool | None = None


class Rule(BaseModel):
    id: int
    name: str
    kinds: list[str]
    competitors: list[str]
    min_importance: str
    conditions: dict[str, Any] = Field(description="As stored: see RuleIn.conditions.")
    channels: list[str]
    mode: str
    enabled: bool
    last_error: str | None = Field(
        default=None, description="Why routing last skipped this rule (it could not be read or evaluated)."
    )
    last_error_at: datetime | None = None


class Source(BaseModel):
    id: str
    competitor: str | None
    kind: str
    parser: str
    url: str
    cadence_seconds: int
    enabled: bool
    why_disabled: str | None
    credential: str | None = Field(
        description="Name of the setting holding the credential (never its value)."
    )
    credential_present: bool | None
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    health: Literal["ok", "failing", "never", "disabled"]


class SourcePatch(BaseModel):
    enabled: bool


class Report(BaseModel):
    name: str
    format: str
    size: int
    modified: datetime
    url: str


class ReportIn(BaseModel):
    kind: Literal["analysis", "digest", "review", "battlecard"]
    lang: Literal["fr", "en"] = "fr"
    format: Literal["md", "html", "pdf"] = "html"
    competitor: str | None = Field(default=None, max_length=40)


NoteKind = Literal["quarterly_review", "secret_shopping", "analyst_report", "strategy"]


class NoteIn(BaseModel):
    kind: NoteKind
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=20000)
    competitor: str | None = Field(default=None, max_length=40)
    score: Decimal_ | None = Field(default=None, pattern=r"^\d{1,3}(\.\d{1,2})?$", description="0 to 5")
    happened_on: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    data: dict[str, str] = Field(default_factory=dict, max_length=20)


class Note(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    competitor: str | None
    score: Decimal_ | None
    happened_on: str | None
    data: dict[str, str]
    author: str
    created_at: datetime


class NotePage(BaseModel):
    items: list[Note]
    next_cursor: str | None


class RatingIn(BaseModel):
    competitor: str = Field(min_length=1, max_length=40)
    platform: Literal["g2", "capterra", "trustpilot"]
    score: Decimal_ = Field(pattern=r"^\d{1,3}(\.\d{1,3})?$")
    scale: Decimal_ = Field(default="5", pattern=r"^\d{1,3}(\.\d{1,3})?$")
    count: int | None = Field(default=None, ge=0, le=10_000_000)
    as_of: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    url: str | None = Field(default=None, max_length=2000)


class Rating(BaseModel):
    id: int
    competitor: str | None
    platform: str
    score: Decimal_
    scale: Decimal_
    count: int | None
    as_of: datetime
    url: str | None
    entered_by: str | None


class RatingPage(BaseModel):
    items: list[Rating]
    next_cursor: str | None


class ScoreIn(BaseModel):
    score: int = Field(ge=0, le=5)
    evidence: str = Field(min_length=1, max_length=5000)
    url: str | None = Field(default=None, max_length=2000)


class ScoreOut(BaseModel):
    competitor: str
    criterion: str
    score: int
    evidence: dict[str, Any] | None


class ImportResult(BaseModel):
    revision: int
    competitors: int
    warnings: list[str]


class Me(BaseModel):
    name: str
    role: str
