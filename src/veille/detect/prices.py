"""Offers, exchange rates and availability: history rows and price events.

Offers are a slowly changing dimension in ``offer_versions``, keyed per source on
(competitor, sku, region, billing). A new version is written only when the content changes (name,
category, specs, unit, currency, prices in the source currency: availability and ``extra`` excluded);
an offer missing from a snapshot is closed (``valid_to``). A currency move alone changes nothing,
because prices are compared in the source currency.

The diff is built for big catalogues: the current versions are loaded once per run as
``key hash -> (id, content hash)``, each offer is hashed and compared on arrival, only new versions are
normalised (EUR at the ECB rate of the day) and they are inserted in batches. The plausibility gate
(``veille.detect.gate``) decides at the end whether the snapshot is believed or held.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from veille.detect import gate
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.normalise import money
from veille.normalise.fx import FxResolver
from veille.observations import Availability, FxRate, Observation, Offer
from veille.store.models import FxRateRow, OfferVersion, Setting

MANUAL_SOURCE = "manual"
PRICE_FIELDS = ("currency", "unit", "price_hourly", "price_monthly")
SPEC_FIELDS = (
    "name",
    "category",
    "vcpu",
    "ram_gb",
    "disk_gb",
    "gpu_model",
    "gpu_count",
    "gpu_memory_gb",
    "arch",
)
CONTENT_FIELDS = SPEC_FIELDS + PRICE_FIELDS
BATCH = 5000
_MASK = (1 << 64) - 1


def _canon(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def key_hash(competitor: str, sku: str, region: str | None, billing: str) -> int:
    """A 64-bit hash of an offer's natural key."""
    raw = f"{competitor}\x1f{sku}\x1f{region or ''}\x1f{billing}".encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


def content_hash(offer: Any) -> str:
    """16 hex digits over the content fields of an ``Offer`` or an ``OfferVersion``."""
    raw = "\x1f".join(_canon(getattr(offer, f)) for f in CONTENT_FIELDS).encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


@dataclass
class Change:
    """A changed offer: the current version's id and the new observation."""

    old_id: int
    offer: Offer
    version: dict[str, Any]


class OfferSnapshot:
    """The offers of one source run, fed page by page, diffed against the current versions.

    ``partial`` snapshots (manual entries) add and change offers but never close missing ones.
    """

    def __init__(self, ctx: IngestContext, *, partial: bool | None = None) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.source_id = ctx.source.id
        self.partial = ctx.source.id == MANUAL_SOURCE if partial is None else partial
        self.fx = FxResolver(self.session)
        self.day = ctx.now.date()
        self.current: dict[int, int] = {}
        for row in self.session.execute(
            select(
                OfferVersion.id,
                OfferVersion.competitor,
                OfferVersion.sku,
                OfferVersion.region,
                OfferVersion.billing,
                OfferVersion.content_hash,
            )
            .where(
                OfferVersion.source_id == self.source_id,
                OfferVersion.valid_to.is_(None),
                OfferVersion.held.is_(False),
            )
            .execution_options(yield_per=20_000)  # streamed: big catalogues never sit in memory as rows
        ):
            kh = key_hash(row.competitor, row.sku, row.region, row.billing)
            self.current[kh] = (row.id << 64) | int(row.content_hash, 16)
        self.previous_count = len(self.current)
        self.baseline = self.previous_count == 0 and not self.partial
        self.count = 0
        self.duplicates = 0
        self.fingerprint = 0
        self.changed = 0
        self.close_ids: list[int] = []  # versions replaced by this snapshot
        self.review = gate.Review()  # what the gate has seen so far, and the events drafted
        self._changes: list[Change] = []  # changes of the batch not yet compared with their old rows
        self._buffer: list[dict[str, Any]] = []
        self.written = 0

    # --- feeding -------------------------------------------------------------------------------------

    def add_all(
        self, offers: Iterable[Offer], *, capture_id: int | None = None, url: str | None = None
    ) -> None:
        for offer in offers:
            self.add(offer, capture_id=capture_id, url=url)

    def add(self, offer: Offer, *, capture_id: int | None = None, url: str | None = None) -> None:
        """Diff one offer; a new version is queued only when its content differs."""
        kh = key_hash(offer.competitor, offer.sku, offer.region, offer.billing)
        chash = content_hash(offer)
        ch = int(chash, 16)
        previous = self.current.get(kh)
        if previous is not None and previous < 0:
            self.duplicates += 1  # the same key twice in one snapshot: the first one counts
            return
        self.count += 1
        self.fingerprint = (self.fingerprint + ((kh ^ ch) * 0x9E3779B97F4A7C15 & _MASK)) & _MASK
        if previous is None:
            self.current[kh] = -1
            version = self._version(offer, chash, capture_id, url)
            if not self.baseline:
                gate.note_added(self, version)
            self._queue(version)
            return
        self.current[kh] = ~previous
        if previous & _MASK == ch:
            return
        version = self._version(offer, chash, capture_id, url)
        self.changed += 1
        self.close_ids.append(previous >> 64)
        self._changes.append(Change(previous >> 64, offer, version))
        self._queue(version)

    def _version(self, offer: Offer, chash: str, capture_id: int | None, url: str | None) -> dict[str, Any]:
        amount = money.monthly(offer)
        quote = self.fx.quote(offer.currency, self.day) if amount is not None else None
        extra = dict(offer.extra)
        if url:
            extra.setdefault("url", url)
        if offer.available is not None:
            extra["available"] = offer.available
        if quote is not None and quote.source != "identity":
            extra["fx_source"] = quote.source
        return {
            "source_id": self.source_id,
            "competitor": offer.competitor,
            "sku": offer.sku,
            "region": offer.region or "",
            "billing": offer.billing,
            "valid_from": self.ctx.now,
            "valid_to": None,
            "name": offer.name,
            "category": offer.category,
            "vcpu": offer.vcpu,
            "ram_gb": offer.ram_gb,
            "disk_gb": offer.disk_gb,
            "gpu_model": offer.gpu_model,
            "gpu_count": offer.gpu_count,
            "gpu_memory_gb": offer.gpu_memory_gb,
            "arch": offer.arch,
            "unit": offer.unit,
            "currency": offer.currency,
            "price_hourly": offer.price_hourly,
            "price_monthly": offer.price_monthly,
            "monthly_eur": money.to_eur(amount, quote.rate) if quote else None,
            "fx_rate": quote.rate if quote else None,
            "fx_date": quote.day if quote else None,
            "capture_id": capture_id,
            "run_id": self.ctx.run_id,
            "held": False,
            "manual_url": extra.get("manual_url"),
            "extra": extra,
            "content_hash": chash,
        }

    def _queue(self, version: dict[str, Any]) -> None:
        self._buffer.append(version)
        if len(self._buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Insert the queued versions and let the gate compare the batch's changes with their old rows."""
        if self._buffer:
            self.session.execute(insert(OfferVersion), self._buffer)
            self.written += len(self._buffer)
            self._buffer = []
        if self._changes:
            gate.note_changes(self, self._changes)
            self._changes = []

    # --- closing -------------------------------------------------------------------------------------

    def removed_ids(self) -> list[int]:
        """Ids of the current versions the snapshot did not contain (empty for partial snapshots)."""
        if self.partial:
            return []
        return [value >> 64 for value in self.current.values() if value >= 0]

    def finish(self) -> list[EventDraft]:
        """Write what is left, pass the plausibility gate, and return the events."""
        self.flush()
        return gate.settle(self)

    def close(self, ids: Sequence[int]) -> None:
        """Close the versions ``ids`` at the snapshot's time."""
        for start in range(0, len(ids), 1000):
            chunk = list(ids[start : start + 1000])
            self.session.execute(
                update(OfferVersion).where(OfferVersion.id.in_(chunk)).values(valid_to=self.ctx.now)
            )


# --- ingestors ---------------------------------------------------------------------------------------


@ingestor("offer")
def ingest_offers(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store a snapshot of offers as versions and return the price, offer and spec events."""
    snapshot = OfferSnapshot(ctx)
    capture_id = ctx.capture_ids[0] if ctx.capture_ids else None
    snapshot.add_all((o for o in observations if isinstance(o, Offer)), capture_id=capture_id, url=ctx.url)
    return snapshot.finish()


@ingestor("fx_rate")
def ingest_fx_rates(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Upsert ECB reference rates into ``fx_rates`` (no events)."""
    rates = {(o.date.isoformat(), o.currency.upper()): o for o in observations if isinstance(o, FxRate)}
    if not rates:
        return []
    days = sorted({day for day, _ in rates})
    existing = {
        (row.day, row.currency): row
        for row in ctx.session.scalars(select(FxRateRow).where(FxRateRow.day.in_(days)))
    }
    for (day, currency), obs in rates.items():
        if obs.base.upper() != "EUR":
            continue
        row = existing.get((day, currency))
        if row is None:
            ctx.session.add(FxRateRow(day=day, currency=currency, rate=obs.rate, source=ctx.source.id))
        elif row.rate != obs.rate:
            row.rate, row.source = obs.rate, ctx.source.id
    return []


@ingestor("availability")
def ingest_availability(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Keep the latest stock level per (competitor, sku, zone) of the source; no price events."""
    items = {
        f"{o.competitor}|{o.sku}|{o.region or ''}": o.status
        for o in observations
        if isinstance(o, Availability)
    }
    key = f"availability:{ctx.source.id}"
    row = ctx.session.get(Setting, key)
    value = {"updated_at": ctx.now.isoformat(), "items": items}
    if row is None:
        ctx.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    return []


def availability(session: Any, source_id: str) -> dict[str, Any]:
    """The latest availability stored for ``source_id``: {"updated_at", "items": {"comp|sku|zone": status}}."""
    row = session.get(Setting, f"availability:{source_id}")
    return dict(row.value) if row is not None else {"updated_at": None, "items": {}}


def version_summary(version: Any) -> dict[str, Any]:
    """A JSON-ready summary of an offer version (a row or a dict)."""
    get = version.get if isinstance(version, dict) else lambda k: getattr(version, k)
    out: dict[str, Any] = {}
    for name in (
        "sku",
        "name",
        "region",
        "billing",
        "category",
        "vcpu",
        "ram_gb",
        "gpu_model",
        "gpu_count",
        "currency",
        "price_hourly",
        "price_monthly",
        "monthly_eur",
        "fx_rate",
        "fx_date",
    ):
        value = get(name)
        out[name] = money.plain(value) if isinstance(value, Decimal) else value
    return out


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
