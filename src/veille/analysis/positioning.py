"""Live price positioning: each reference product of the knowledge base against every competitor.

For each product (its match rule comes from the knowledge base's ``spec``: category, minimum vCPU and
RAM, GPU model and count, storage size) and each competitor, the cheapest offer valid at the chosen
time that meets the rule, in EUR per month, with its ratio to VMCloud's own price. The native price
is the truth: every EUR figure is converted at the ECB rate of the as-of day (``fx_rate`` and
``fx_date`` beside it), never at the rate of the day the offer's version started. Where no collected
offer matches, the knowledge base's figure is used (``basis: "kb"``). Every row says when its data was
last confirmed (``observed_at``) and is ``stale`` past three times its source's cadence. GPU rows carry
the price per GPU-hour too; spot, interruptible and marketplace prices are rows of their own.

Terms: each row says its ``terms`` (``{"billing", "commitment_months"}``) and whether it is the one
``compared`` for its product and competitor (the price page, the reports' tables and charts): by
default the no-commitment on-demand offer, falling back to the shortest commitment (billing
``reserved``: OVHcloud's bare-metal plans sold only for 6, 12 or 24 months) where a competitor has no
on-demand offer for the product; ``terms="reserved"`` prefers the committed offer where there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from veille.errors import NotFoundError
from veille.normalise import money
from veille.store.fx import FxQuote, FxResolver
from veille.store.models import KbRevision, OfferVersion, SourceRun, SourceState

TERMS = ("on_demand", "reserved")  # what positioning compares first; the other is the fallback

SELF = "vmcloud"
GB_PER_TB = Decimal(1000)
STALE_FACTOR = 3
DEFAULT_CADENCE = timedelta(days=1)
MANUAL_CADENCE = timedelta(days=30)
_LIVE_CATEGORIES = ("vps", "gpu", "bare_metal", "dedicated", "block_storage", "object_storage")


@dataclass(frozen=True)
class Rule:
    """What an offer must be to stand for a reference product."""

    category: str
    vcpu: Decimal | None = None
    ram_gb: Decimal | None = None
    gpu_family: str | None = None
    gpu_count: Decimal = Decimal(1)
    storage_tb: Decimal = Decimal(1)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Rule:
        gpu = spec.get("gpu_model")
        return cls(
            category=str(spec.get("category", "vps")),
            vcpu=money.to_decimal(spec.get("vcpu")),
            ram_gb=money.to_decimal(spec.get("ram_gb")),
            gpu_family=gpu_family(gpu) if gpu else None,
            gpu_count=money.to_decimal(spec.get("gpu_count")) or Decimal(1),
            storage_tb=money.to_decimal(spec.get("storage_tb")) or Decimal(1),
        )

    def monthly_eur(self, offer: Any) -> Decimal | None:
        """The offer's monthly EUR price for this product, or None when it does not meet the rule."""
        if offer.monthly_eur is None or not self.matches(offer):
            return None
        return self.scaled(offer.monthly_eur)

    def scaled(self, monthly_eur: Decimal) -> Decimal:
        """An offer's monthly EUR figure as this product's price (storage: per GB x 1,000 x the TB)."""
        return monthly_eur * GB_PER_TB * self.storage_tb if self.category == "storage" else monthly_eur

    def matches(self, offer: Any) -> bool:
        """Whether the offer meets the rule, whatever its price."""
        if self.category == "storage":
            return offer.category in ("block_storage", "object_storage") and offer.unit.startswith("GB")
        if self.category == "gpu":
            if offer.category not in ("gpu", "bare_metal", "vps", "dedicated") or not offer.gpu_model:
                return False
            return gpu_family(offer.gpu_model) == self.gpu_family and (offer.gpu_count or 0) >= self.gpu_count
        if offer.category != self.category or (offer.gpu_count or 0) > 0:
            return False
        if self.vcpu is not None and (offer.vcpu is None or offer.vcpu < self.vcpu):
            return False
        return not (self.ram_gb is not None and (offer.ram_gb is None or offer.ram_gb < self.ram_gb))


def gpu_family(name: str) -> str:
    """A GPU model without its memory size: "NVIDIA A100 80GB" -> "nvidia a100"."""
    return re.sub(r"\s*\d+\s*gb$", "", name.strip().lower())


def reference(session: Session) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], datetime | None]:
    """(products, prices, revision time) of the knowledge base's price table, as plain data."""
    from veille.kb.store import current

    table = current(session).price_table.model_dump(mode="json")
    revision = session.scalars(select(KbRevision.created_at).order_by(KbRevision.id.desc()).limit(1)).first()
    products = [
        {
            "id": product["id"],
            "label": product["label"].get("fr") or product["label"].get("en") or product["id"],
            "spec": {k: v for k, v in product["spec"].items() if v is not None},
        }
        for product in table["products"]
    ]
    return products, table["prices"], revision


def _eur(fx: FxResolver, cell: Any, day: date) -> Decimal | None:
    return _kb_eur(fx, cell, day)[0]


def _kb_eur(fx: FxResolver, cell: Any, day: date) -> tuple[Decimal | None, FxQuote | None]:
    """A knowledge-base cell's amount in EUR at the rate of ``day``, with the quote used."""
    if not cell:
        return None, None
    amount = money.to_decimal(cell.get("amount"))
    quote = fx.quote(cell.get("currency", "EUR"), day)
    return (money.to_eur(amount, quote.rate) if quote else None), quote


# --- the query: the rule in SQL, exactness in Python -------------------------------------------------
#
# Decimals are TEXT on SQLite, so SQL compares them as floats (CAST ... AS REAL / DOUBLE PRECISION).
# A float comparison can be wrong only within a hair of the threshold: rows that surely meet the rule
# ("sure") are ranked in SQL, rows within that hair ("band", almost never any) come back whole and are
# checked exactly in Python; of each (competitor, billing) group SQL returns only the rows whose float
# price is within a hair of the group's cheapest, and Python picks the exact cheapest among them.

_HAIR = 1e-9  # relative; far above any float conversion error (~1e-16), far below any real difference
_GPU_CATEGORIES = ("gpu", "bare_metal", "vps", "dedicated")
_STORAGE_CATEGORIES = ("block_storage", "object_storage")
# "+column" keeps SQLite from reaching for an index on the column (ix_offer_live ranks by price, not rule)
_UNINDEXED_PRICE_KNOWN = text(
    "(+offer_versions.price_monthly IS NOT NULL OR +offer_versions.price_hourly IS NOT NULL)"
)
_OFFER_COLUMNS = [c for c in OfferVersion.__table__.columns if c.key != "extra"]


def _num(column: Any) -> Any:
    return cast(column, Float)


def _at_least(column: Any, minimum: Decimal) -> tuple[Any, Any]:
    """(sure, loose) conditions for ``column >= minimum`` (the column is not NULL).

    Sure: the column equals the minimum (the usual case: same text on SQLite, exact on PostgreSQL) or
    exceeds it by more than a hair as floats. Loose: it is not below it by more than a hair.
    """
    edge = float(minimum)
    hair = abs(edge) * _HAIR
    return or_(column == minimum, _num(column) > edge + hair), _num(column) >= edge - hair


def _valid(at: datetime) -> list[Any]:
    """(current, closed after ``at``): the two halves of "valid at ``at``", each with its own index
    (ix_offer_live_rule, ix_offer_closed)."""
    common = [OfferVersion.valid_from <= at, OfferVersion.held.is_(False)]
    return [and_(OfferVersion.valid_to.is_(None), *common), and_(OfferVersion.valid_to > at, *common)]


def _gpu_models(session: Session) -> dict[str, list[str]]:
    """GPU family -> the distinct model names of that family among the current versions.

    Read from ix_offer_live_rule alone; the SQL match covers only current versions (``_candidates``).
    """
    ov = OfferVersion
    query = (
        select(ov.gpu_model)
        .where(ov.valid_to.is_(None), ov.category.in_(_GPU_CATEGORIES), ov.gpu_model.is_not(None))
        .distinct()
    )
    families: dict[str, list[str]] = {}
    for (model,) in session.execute(query):
        if model:
            families.setdefault(gpu_family(model), []).append(model)
    return families


def _categories(rule: Rule) -> tuple[str, ...]:
    """The offer categories that can meet ``rule``."""
    if rule.category == "storage":
        return _STORAGE_CATEGORIES
    if rule.category == "gpu":
        return _GPU_CATEGORIES
    return (rule.category,) if rule.category in _LIVE_CATEGORIES else ()


def _conditions(
    rule: Rule, gpu_models: dict[str, list[str]]
) -> tuple[tuple[str, ...], list[Any], list[Any], list[Any]] | None:
    """(categories, exact, sure, loose) SQL conditions of ``rule``; None when no offer can meet it."""
    ov = OfferVersion
    if rule.category == "storage":
        return _categories(rule), [func.substr(ov.unit, 1, 2) == "GB"], [], []
    if rule.category == "gpu":
        models = gpu_models.get(rule.gpu_family or "", []) if rule.gpu_family is not None else []
        if not models:
            return None
        family = ov.gpu_model.in_(models)
        enough, near_enough = _at_least(ov.gpu_count, rule.gpu_count)
        if rule.gpu_count > 0:  # an offer without a GPU count counts as 0: it cannot meet this
            return _GPU_CATEGORIES, [family, ov.gpu_count.is_not(None)], [enough], [near_enough]
        missing = ov.gpu_count.is_(None)
        if rule.gpu_count == 0:  # a float keeps the sign of its decimal: this test is exact
            return _GPU_CATEGORIES, [family, or_(missing, _num(ov.gpu_count) >= 0.0)], [], []
        return _GPU_CATEGORIES, [family], [or_(missing, enough)], [or_(missing, near_enough)]
    if rule.category not in _LIVE_CATEGORIES:
        return None
    # a float is zero exactly when the decimal is, and keeps its sign: this test is exact
    exact: list[Any] = [or_(ov.gpu_count.is_(None), _num(ov.gpu_count) <= 0.0)]
    sure: list[Any] = []
    loose: list[Any] = []
    for column, minimum in ((ov.vcpu, rule.vcpu), (ov.ram_gb, rule.ram_gb)):
        if minimum is not None:
            exact.append(column.is_not(None))
            s, lo = _at_least(column, minimum)
            sure.append(s)
            loose.append(lo)
    return (rule.category,), exact, sure, loose


def _in_python(session: Session, at: datetime, fx: FxResolver | None = None) -> list[Any]:
    """The versions valid at ``at`` that are matched in Python rather than in SQL: those closed after
    ``at`` (none when ``at`` is now; for a date in the past, about one per offer, found once in
    ix_offer_closed rather than once per product). Their EUR figure is computed in ``_best``."""
    _, closed = _valid(at)
    live = OfferVersion.category.in_(_LIVE_CATEGORIES)
    return list(session.execute(select(*_OFFER_COLUMNS).where(closed, live)))


class AtRate:
    """An offer row seen with the EUR figure of one day (``monthly_eur``, ``fx_rate``, ``fx_date``);
    every other attribute is the row's."""

    __slots__ = ("_row", "fx_date", "fx_rate", "monthly_eur")

    def __init__(self, row: Any, eur: Decimal, quote: FxQuote) -> None:
        self._row, self.monthly_eur, self.fx_rate, self.fx_date = row, eur, quote.rate, quote.day

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)

    def _asdict(self) -> dict[str, Any]:
        fields = self._row._asdict() if hasattr(self._row, "_asdict") else dict(vars(self._row))
        return {**fields, "monthly_eur": self.monthly_eur, "fx_rate": self.fx_rate, "fx_date": self.fx_date}


def at_rate(offer: Any, fx: FxResolver, day: date, *, exact: bool = False) -> AtRate | None:
    """``offer`` with ``monthly_eur``, ``fx_rate`` and ``fx_date`` of the ECB rate of ``day`` (the day
    the figure describes), or None when no rate of that day is known. ``exact``: the EUR figure is
    not rounded to ``money.EUR_PLACES`` (to rank offers, then round once)."""
    quote = fx.quote(offer.currency, day)
    amount = money.monthly(offer)
    if quote is None or amount is None or not quote.rate:
        return None
    eur = amount / quote.rate
    return AtRate(offer, eur if exact else eur.quantize(money.EUR_PLACES, ROUND_HALF_EVEN), quote)


def _native_monthly(ov: Any) -> Any:
    """The native monthly price as a float: the provider's monthly figure, else hourly x 730."""
    hours = float(money.HOURS_PER_MONTH)
    return case((ov.price_monthly.is_not(None), _num(ov.price_monthly)), else_=_num(ov.price_hourly) * hours)


def _candidates(session: Session, rule: Rule, at: datetime, gpu_models: dict[str, list[str]]) -> list[Any]:
    """Current rows that may be the cheapest of their group (competitor, billing, currency: ranked by
    native price, which one rate converts in the same order), and every one near a threshold; each with
    the group's first id (``first_id``) among the rows that surely meet the rule."""
    conditions = _conditions(rule, gpu_models)
    if conditions is None:
        return []
    categories, exact, sure, loose = conditions
    ov = OfferVersion
    sign = -1.0 if rule.category == "storage" and rule.storage_tb < 0 else 1.0
    is_sure = case((and_(*sure), 1), else_=0) if sure else literal(1)
    columns = (
        ov.id.label("id"),
        ov.competitor.label("competitor"),
        ov.billing.label("billing"),
        ov.currency.label("currency"),
        (_native_monthly(ov) * sign).label("price"),
        is_sure.label("sure"),
    )
    current, _ = _valid(at)
    # one branch per category, each a seek in ix_offer_live_rule, in (competitor, billing) order
    branches = [
        select(*columns).where(current, ov.category == category, _UNINDEXED_PRICE_KNOWN, *exact, *loose)
        for category in categories
    ]
    pool = union_all(*branches).subquery("pool")
    group = (pool.c.competitor, pool.c.billing, pool.c.currency)  # one rate per currency: same order
    sure_price = case((pool.c.sure == 1, pool.c.price))
    ranked = select(
        pool.c.id,
        pool.c.sure,
        pool.c.price,
        func.min(sure_price).over(partition_by=group).label("cheapest"),
        func.min(case((pool.c.sure == 1, pool.c.id))).over(partition_by=group).label("first_id"),
    ).subquery("ranked")
    near = ranked.c.price <= ranked.c.cheapest + func.abs(ranked.c.cheapest) * _HAIR
    query = (
        select(*_OFFER_COLUMNS, ranked.c.first_id)
        .join(ranked, ranked.c.id == ov.id)
        .where(or_(ranked.c.sure == 0, near))
    )
    return list(session.execute(query))


def _best(
    session: Session,
    rule: Rule,
    at: datetime,
    gpu_models: dict[str, list[str]],
    others: list[Any],
    fx: FxResolver | None = None,
    memo: dict[int, AtRate | None] | None = None,
) -> dict[tuple[str, str], tuple[Decimal, Any]]:
    """(competitor, billing) -> (EUR per month, offer): the cheapest offer meeting ``rule``, among the
    current versions (in SQL) and ``others`` (``_in_python``), each converted at the rate of ``at``'s day.

    Ties go to the smaller sku, then to the earlier stored version; groups come in the order of their
    earliest stored matching version. An offer in a currency without a rate that day is left out.
    ``memo`` keeps the conversions of one call of ``positioning`` (by version id) for the next product.
    """
    fx = fx or FxResolver(session)
    memo = {} if memo is None else memo
    day = at.date()
    best: dict[tuple[str, str], tuple[Decimal, int, Any]] = {}
    first: dict[tuple[str, str], int] = {}
    wanted = _categories(rule)
    candidates = [(row, row.first_id) for row in _candidates(session, rule, at, gpu_models)]
    for row, first_id in [*candidates, *((o, None) for o in others if o.category in wanted)]:
        if not rule.matches(row):
            continue
        if row.id not in memo:
            memo[row.id] = at_rate(row, fx, day, exact=True)
        offer = memo[row.id]
        if offer is None:
            continue
        value = rule.scaled(offer.monthly_eur)
        key = (offer.competitor, offer.billing)
        first[key] = min(first.get(key, offer.id), offer.id, offer.id if first_id is None else first_id)
        if key not in best or (value, offer.sku, offer.id) < (best[key][0], best[key][2].sku, best[key][1]):
            best[key] = (value, offer.id, offer)
    return {
        key: (best[key][0].quantize(money.EUR_PLACES, rounding=ROUND_HALF_EVEN), best[key][2])
        for key in sorted(best, key=first.__getitem__)
    }


def _last_seen(session: Session, at: datetime) -> dict[str, datetime]:
    query = (
        select(SourceRun.source_id, func.max(SourceRun.started_at))
        .where(and_(SourceRun.status.in_(("ok", "unchanged", "suspect")), SourceRun.started_at <= at))
        .group_by(SourceRun.source_id)
    )
    return {source_id: when for source_id, when in session.execute(query)}


def _cadences(session: Session) -> dict[str, timedelta]:
    from veille.sources import sources
    from veille.sources.vmcloud_catalogue import OWN_CADENCE, OWN_SOURCE

    out: dict[str, timedelta] = {"manual": MANUAL_CADENCE, OWN_SOURCE: OWN_CADENCE}
    out.update({s.id: s.cadence for s in sources()})
    for state in session.scalars(select(SourceState).where(SourceState.cadence_seconds.is_not(None))):
        out[state.source_id] = timedelta(seconds=state.cadence_seconds or 0)
    return out


def _ratio(value: Decimal | None, own: Decimal | None) -> str | None:
    if value is None or not own:
        return None
    return format((value / own).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN), "f")


def _commitments(session: Session, rows: list[dict[str, Any]], offers: dict[int, Any]) -> None:
    """Add ``terms`` to the live rows: the billing and, for committed offers, the months (from extra)."""
    ids = [offer_id for offer_id, offer in offers.items() if offer.billing == "reserved"]
    months: dict[int, Any] = {}
    if ids:
        query = select(OfferVersion.id, OfferVersion.extra).where(OfferVersion.id.in_(ids))
        months = {i: (extra or {}).get("commitment_months") for i, extra in session.execute(query)}
    for row in rows:
        offer_id = row.pop("_offer_id")
        row["terms"] = {"billing": row["billing"], "commitment_months": months.get(offer_id)}


def _mark_compared(rows: list[dict[str, Any]], terms: str) -> None:
    """Per competitor, flag the one row compared: the preferred terms' row, else the other (a shorter
    commitment first); spot, marketplace and promo rows are never the compared one."""
    order = (terms, *(t for t in TERMS if t != terms))
    chosen: dict[str, dict[str, Any]] = {}
    for row in rows:
        row["compared"] = False
        if row["billing"] not in TERMS:
            continue
        held = chosen.get(row["competitor"])
        rank = (order.index(row["billing"]), (row.get("terms") or {}).get("commitment_months") or 0)
        if held is None or rank < held["_rank"]:
            chosen[row["competitor"]] = {"_rank": rank, "row": row}
    for entry in chosen.values():
        entry["row"]["compared"] = True


def positioning(
    session: Session, *, at: datetime | None = None, now: datetime | None = None, terms: str = "on_demand"
) -> dict[str, Any]:
    """The positioning document of docs/contract.md (``as_of``, ``currency``, ``products``, ``rows``);
    ``terms``: what is compared first, ``on_demand`` (no commitment) or ``reserved`` (see above)."""
    if terms not in TERMS:
        raise ValueError(f"terms must be one of {', '.join(TERMS)}, not {terms!r}")
    as_of = at or now or datetime.now(UTC)
    products, prices, kb_time = reference(session)
    if not products:
        raise NotFoundError("the knowledge base has no reference products")
    fx = FxResolver(session)
    others = _in_python(session, as_of)
    memo: dict[int, AtRate | None] = {}
    gpu_models = _gpu_models(session) if any(p["spec"].get("category") == "gpu" for p in products) else {}
    seen = _last_seen(session, as_of)
    cadences = _cadences(session)
    rows: list[dict[str, Any]] = []
    own_prices: dict[str, dict[str, Any]] = {}
    for product in products:
        rule = Rule.from_spec(product["spec"])
        kb_cells = prices.get(product["id"], {})
        best = _best(session, rule, as_of, gpu_models, others, fx, memo)
        live_rows = [
            _live_row(product["id"], rule, value, offer, None, seen, cadences, as_of)
            for (value, offer) in best.values()
        ]
        _commitments(session, live_rows, {offer.id: offer for value, offer in best.values()})
        _mark_compared(live_rows, terms)
        covered = {r["competitor"] for r in live_rows if r["compared"]}
        own, own_entry = _own_price(fx, kb_cells.get(SELF), live_rows, as_of.date())
        own_prices[product["id"]] = own_entry
        for row in live_rows:
            row["ratio_to_self"] = _ratio(Decimal(row["monthly_eur"]), own)
        kb_rows = [
            _kb_row(product["id"], competitor, cell, fx, as_of.date(), own, kb_time)
            for competitor, cell in kb_cells.items()
            if cell and competitor not in covered
        ]
        rows.extend(sorted(live_rows + kb_rows, key=_row_order))
    return {
        "as_of": as_of.isoformat(),
        "currency": "EUR",
        "products": [
            {"id": p["id"], "label": p["label"], "spec": p["spec"], "own": own_prices[p["id"]]}
            for p in products
        ],
        "own_basis": own_basis(own_prices.values()),
        "rows": rows,
    }


def _row_order(row: dict[str, Any]) -> tuple[bool, bool, Decimal]:
    """Compared rows first, then by EUR price (rows without one last)."""
    return (not row["compared"], row["monthly_eur"] is None, Decimal(row["monthly_eur"] or 0))


def _kb_row(
    product_id: str, competitor: str, cell: Any, fx: FxResolver, day: date, own: Decimal | None, kb_time: Any
) -> dict[str, Any]:
    """The price table's figure of a competitor no live offer covers (``basis: "kb"``)."""
    value, quote = _kb_eur(fx, cell, day)  # None without an ECB rate: kept, without EUR
    return {
        "product": product_id,
        "competitor": competitor,
        "monthly_eur": money.fmt(value),
        "offer": None,
        "basis": "kb",
        "billing": "on_demand",
        "observed_at": kb_time.isoformat() if kb_time else None,
        "stale": False,
        "ratio_to_self": _ratio(value, own),
        "source_id": None,
        "kb_price": {"amount": str(cell.get("amount")), "currency": cell.get("currency", "EUR")},
        "fx_rate": money.plain(quote.rate) if quote else None,
        "fx_date": quote.day if quote else None,
        "terms": {"billing": "on_demand", "commitment_months": None},
        "compared": True,
    }


def _own_price(
    fx: FxResolver, cell: Any, live_rows: list[dict[str, Any]], day: date
) -> tuple[Decimal | None, dict[str, Any]]:
    """VMCloud's price of a product, the ratios' denominator: our live catalogue's compared offer where
    one matches, else the price table's cell; with ``basis`` ("live", "kb" or None: neither) and the sku."""
    mine = next((r for r in live_rows if r["competitor"] == SELF and r["compared"]), None)
    if mine is not None:
        sku = (mine.get("offer") or {}).get("sku")
        return Decimal(mine["monthly_eur"]), {"monthly_eur": mine["monthly_eur"], "basis": "live", "sku": sku}
    value = _eur(fx, cell, day)
    basis = "kb" if value is not None else None
    return value, {"monthly_eur": money.fmt(value), "basis": basis, "sku": None}


def own_basis(entries: Any) -> str | None:
    """Where VMCloud's prices come from across products: "live", "kb", "mixed", or None (no price)."""
    bases = {e["basis"] for e in entries if e["basis"]}
    if not bases:
        return None
    return bases.pop() if len(bases) == 1 else "mixed"


def _live_row(
    product_id: str,
    rule: Rule,
    value: Decimal,
    offer: Any,
    own: Decimal | None,
    seen: dict[str, datetime],
    cadences: dict[str, timedelta],
    as_of: datetime,
) -> dict[str, Any]:
    observed = seen.get(offer.source_id, offer.valid_from)
    observed = max(observed, offer.valid_from)
    cadence = cadences.get(offer.source_id, DEFAULT_CADENCE)
    row: dict[str, Any] = {
        "product": product_id,
        "competitor": offer.competitor,
        "monthly_eur": money.fmt(value),
        "offer": {
            "sku": offer.sku,
            "name": offer.name,
            "region": offer.region or None,
            "vcpu": _int(offer.vcpu),
            "ram_gb": _int(offer.ram_gb),
            "category": offer.category,
            "currency": offer.currency,
            "price_monthly": money.plain(offer.price_monthly),
            "price_hourly": money.plain(offer.price_hourly),
            "fx_rate": money.plain(offer.fx_rate),
            "fx_date": offer.fx_date,
        },
        "basis": "live",
        "billing": offer.billing,
        "observed_at": observed.isoformat(),
        "stale": as_of - observed > cadence * STALE_FACTOR,
        "ratio_to_self": _ratio(value, own),
        "source_id": offer.source_id,
        "fx_rate": money.plain(offer.fx_rate),
        "fx_date": offer.fx_date,
        "_offer_id": offer.id,
    }
    if rule.category == "gpu":
        hourly = money.to_eur(offer.price_hourly, offer.fx_rate) if offer.price_hourly is not None else None
        if hourly is None:
            hourly = value / money.HOURS_PER_MONTH
        count = offer.gpu_count or Decimal(1)
        row["offer"].update({"gpu_model": offer.gpu_model, "gpu_count": _int(offer.gpu_count)})
        row["per_gpu_hour_eur"] = money.fmt(hourly / count, 4)
    return row


def _int(value: Decimal | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else money.plain(value)
