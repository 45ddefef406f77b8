"""The typed observations every parser returns.

Parsers are pure: bytes in, a list of these out. Money is ``Decimal``; times are aware datetimes (UTC
unless the source says otherwise). ``to_dict`` gives the JSON shape of docs/contract.md (decimals as
strings). They are slotted dataclasses, not frozen ones, because a catalogue yields a million of them
and a frozen one costs several times as much to build: treat them as values and never mutate one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

Category = Literal["vps", "dedicated", "gpu", "bare_metal", "block_storage", "object_storage", "other"]
CATEGORIES: tuple[str, ...] = (
    "vps",
    "dedicated",
    "gpu",
    "bare_metal",
    "block_storage",
    "object_storage",
    "other",
)
PriceUnit = Literal["minute", "hour", "month", "GB-month", "GB-hour"]
Billing = Literal["on_demand", "spot", "marketplace", "reserved", "promo"]
HOURS_PER_MONTH = Decimal(730)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class _Observation:
    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with ``type`` first, decimals as strings and times in ISO 8601."""
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = _jsonable(getattr(self, f.name))
        return out


@dataclass(slots=True)
class Offer(_Observation):
    """One priced offer in one region (and one billing model)."""

    type: ClassVar[str] = "offer"
    competitor: str
    sku: str
    name: str
    category: str
    currency: str
    price_hourly: Decimal | None
    price_monthly: Decimal | None
    vcpu: Decimal | None = None
    ram_gb: Decimal | None = None
    disk_gb: Decimal | None = None
    gpu_model: str | None = None
    gpu_count: Decimal | None = None
    gpu_memory_gb: Decimal | None = None
    arch: str | None = None
    region: str | None = None
    billing: str = "on_demand"
    unit: str = "hour"
    monthly_cap_hours: Decimal | None = None
    available: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    free_tier: bool = False  # a zero price is only believed with this flag

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Natural key: (competitor, sku, region, billing)."""
        return (self.competitor, self.sku, self.region or "", self.billing)


MAX_PRICE = Decimal("1e12")  # no offer costs this much in any currency: past it, the figure is garbage


def price_problem(offer: Offer) -> str | None:
    """Why ``offer``'s price cannot be true, or None.

    A price is never negative, never NaN or infinite, never past ``MAX_PRICE``, and zero only for an
    offer flagged ``free_tier``. Every offer a parser or a person gives is checked here before it is
    stored (``veille.detect.prices.OfferSnapshot``, ``veille prices add``).
    """
    for label, value in (("hourly", offer.price_hourly), ("monthly", offer.price_monthly)):
        if value is None:
            continue
        if type(value) is int:
            value = Decimal(value)
        if not isinstance(value, Decimal) or not value.is_finite():  # a float is never money
            return f"{label} price {value!s} is not a finite decimal"
        if value < 0:
            return f"negative {label} price {value}"
        if value == 0 and not offer.free_tier:
            return f"zero {label} price without the free tier flag"
        if value > MAX_PRICE:
            return f"{label} price {value} is past any plausible amount"
    return None


@dataclass(slots=True)
class FxRate(_Observation):
    """Units of ``currency`` per one ``base`` (EUR), as the ECB publishes them."""

    type: ClassVar[str] = "fx_rate"
    base: str
    currency: str
    rate: Decimal
    date: date


@dataclass(slots=True)
class Incident(_Observation):
    """An incident or maintenance on a competitor's status page."""

    type: ClassVar[str] = "incident"
    competitor: str | None
    id: str
    title: str
    impact: str
    status: str
    started_at: datetime | None
    resolved_at: datetime | None
    components: tuple[str, ...] = ()
    url: str | None = None
    region: str | None = None
    product: str | None = None
    updated_at: datetime | None = None
    updates: tuple[dict[str, Any], ...] = ()
    kind: str = "incident"  # or "maintenance"


@dataclass(slots=True)
class FeedItem(_Observation):
    """An entry of a changelog, release feed, blog or newsroom."""

    type: ClassVar[str] = "item"
    id: str
    title: str
    url: str | None
    published_at: datetime | None
    tags: tuple[str, ...] = ()
    summary: str = ""
    competitor: str | None = None


@dataclass(slots=True)
class Mention(_Observation):
    """A post or comment naming a competitor on a public platform (author handle only)."""

    type: ClassVar[str] = "mention"
    platform: str
    id: str
    title: str
    url: str | None
    author: str | None
    score: int | None
    comments: int | None
    created_at: datetime | None
    text: str = ""
    competitor: str | None = None


@dataclass(slots=True)
class JobPosting(_Observation):
    """An open position on a competitor's job board."""

    type: ClassVar[str] = "job"
    id: str
    title: str
    department: str | None
    function: str
    location: str | None
    url: str | None
    published_at: datetime | None
    competitor: str | None = None


@dataclass(slots=True)
class RatingSnapshot(_Observation):
    """An aggregate rating on a review platform at one time."""

    type: ClassVar[str] = "rating"
    platform: str
    competitor: str | None
    score: Decimal
    scale: Decimal
    count: int | None
    as_of: datetime
    url: str | None = None


@dataclass(slots=True)
class Review(_Observation):
    """One customer review (text kept for theme analysis; author handle only)."""

    type: ClassVar[str] = "review"
    platform: str
    id: str
    competitor: str | None
    rating: Decimal | None
    title: str
    text: str
    author: str | None
    published_at: datetime | None
    language: str | None = None
    url: str | None = None


@dataclass(slots=True)
class Availability(_Observation):
    """Stock level of an offer in a zone (a fast signal, kept apart from prices)."""

    type: ClassVar[str] = "availability"
    competitor: str
    sku: str
    region: str | None
    status: str


@dataclass(slots=True)
class Filing(_Observation):
    """A regulatory filing (SEC EDGAR) of a listed competitor."""

    type: ClassVar[str] = "filing"
    competitor: str | None
    id: str
    form: str
    title: str
    url: str | None
    filed_at: datetime | None
    items: tuple[str, ...] = ()  # 8-K item numbers ("2.03", "9.01")


Observation = (
    Offer
    | FxRate
    | Incident
    | FeedItem
    | Mention
    | JobPosting
    | RatingSnapshot
    | Review
    | Availability
    | Filing
)
OBSERVATION_TYPES: dict[str, type[_Observation]] = {
    cls.type: cls
    for cls in (
        Offer,
        FxRate,
        Incident,
        FeedItem,
        Mention,
        JobPosting,
        RatingSnapshot,
        Review,
        Availability,
        Filing,
    )
}
