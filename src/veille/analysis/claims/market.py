"""The live prices the price claims are checked against, read once per check from the positioning.

For each reference product: the cheapest matching live on-demand offer of each competitor (the rows
of :func:`veille.analysis.positioning.positioning`), VMCloud's own price (its live offer where one is
collected, the price table otherwise) and the market's median (of the competitors' live prices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.analysis.claims.model import median
from veille.analysis.positioning import positioning
from veille.errors import NotFoundError
from veille.normalise import money
from veille.store.fx import FxResolver

SELF = "vmcloud"


def offer_evidence(row: dict[str, Any]) -> dict[str, Any]:
    """A live positioning row as evidence: what was offered, at what price, seen when."""
    offer = row.get("offer") or {}
    return {
        "type": "offer",
        "product": row["product"],
        "competitor": row["competitor"],
        "source_id": row.get("source_id"),
        "sku": offer.get("sku"),
        "name": offer.get("name"),
        "region": offer.get("region"),
        "price_monthly": offer.get("price_monthly"),
        "currency": offer.get("currency"),
        "monthly_eur": row["monthly_eur"],
        "observed_at": row.get("observed_at"),
        "stale": bool(row.get("stale")),
    }


@dataclass
class Market:
    """Live prices by product and competitor, and VMCloud's own price, in EUR per month."""

    live: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # product -> competitor -> row
    own: dict[str, Decimal] = field(default_factory=dict)
    own_basis: dict[str, str] = field(default_factory=dict)  # product -> "live" | "kb"
    kb_eur: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)

    def price(self, product: str, competitor: str) -> Decimal | None:
        row = self.live.get(product, {}).get(competitor)
        return Decimal(row["monthly_eur"]) if row and row["monthly_eur"] is not None else None

    def watched(self, competitor: str) -> bool:
        """True when at least one live offer of ``competitor`` matches a reference product."""
        return any(competitor in rows for rows in self.live.values())

    def market_median(self, product: str) -> Decimal | None:
        """The median of the competitors' cheapest live prices for ``product`` (VMCloud left out)."""
        prices = [self.price(product, c) for c in self.live.get(product, {}) if c != SELF]
        return median([p for p in prices if p is not None])

    def against_us(self, competitor: str) -> list[tuple[Decimal, dict[str, Any]]]:
        """(live price / our price, evidence) for each product both have."""
        out = []
        for product in self.products:
            value, own = self.price(product, competitor), self.own.get(product)
            if value is not None and own:
                out.append((value / own, offer_evidence(self.live[product][competitor])))
        return out

    def against_market(self, competitor: str) -> list[tuple[Decimal, dict[str, Any]]]:
        """(price / the market's median, evidence) for each product with both; VMCloud's own price for us."""
        out = []
        for product in self.products:
            middle = self.market_median(product)
            value = self.own.get(product) if competitor == SELF else self.price(product, competitor)
            if value is None or not middle:
                continue
            row = self.live[product].get(competitor)
            evidence = offer_evidence(row) if row else self.own_evidence(product)
            out.append((value / middle, {**evidence, "market_median_eur": money.fmt(middle)}))
        return out

    def own_evidence(self, product: str) -> dict[str, Any]:
        """VMCloud's price of ``product``, with the competitors' offers the market's median is made of."""
        own = self.own.get(product)
        offers = [offer_evidence(row) for c, row in self.live.get(product, {}).items() if c != SELF]
        return {
            "type": "own_price",
            "product": product,
            "monthly_eur": money.fmt(own),
            "basis": self.own_basis.get(product, "kb"),
            "offers": offers,
        }


def load(session: Session, now: datetime, kb_prices: dict[str, dict[str, Any]]) -> Market:
    """The market as of ``now``; ``kb_prices`` is the price table's cells (product -> competitor -> Money)."""
    try:
        document = positioning(session, at=now)
    except NotFoundError:
        return Market()
    market = Market(products=[p["id"] for p in document["products"]])
    for row in document["rows"]:
        if row["billing"] != "on_demand" or row["monthly_eur"] is None:
            continue
        if row["basis"] == "live":
            market.live.setdefault(row["product"], {})[row["competitor"]] = row
    for product in document["products"]:
        own = product.get("own") or {}
        if own.get("monthly_eur") is not None:  # our live catalogue's offer, else the price table's cell
            market.own[product["id"]] = Decimal(own["monthly_eur"])
            market.own_basis[product["id"]] = own["basis"]
    fx = FxResolver(session)
    for product, cells in kb_prices.items():
        for competitor, cell in cells.items():
            market.kb_eur[(product, competitor)] = _eur(fx, cell, now)
    return market


def _eur(fx: FxResolver, cell: Any, now: datetime) -> Decimal | None:
    if cell is None:
        return None
    quote = fx.quote(cell.currency, now.date())
    return money.to_eur(cell.amount, quote.rate) if quote else None
