"""VMCloud against the market: where our prices stand, what sets us apart, and who moves on it.

``standing`` reads the positioning document: for each reference product, our price (our live catalogue
or the price table: ``basis``) against the competitors' compared prices, and whether we are the most or
the least expensive. ``THEMES`` are the subjects of our differentiators (support, sovereignty,
simplicity, ecosystem, price), found by their words (French and English, accents and case ignored) in
the knowledge base's differentiators and moat; ``moves`` are the competitors' recent events whose text
speaks of one of them (docs/claims.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.analysis.claims.model import median
from veille.store.models import EventRow

SELF = "vmcloud"
MOVE_DAYS = 90
MOVE_KINDS = ("feature", "offer_added", "price_announcement", "funding")  # their moves, not others' talk
MAX_MOVES = 12
SCAN_LIMIT = 500  # the newest events read to find them (a cap on the cost of a check)
# theme -> (label FR, label EN, words). A word ending in "*" matches any ending.
THEMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "support": (
        "Support humain",
        "Human support",
        ("support", "supports", "expert*", "humain*", "human", "assistance", "helpdesk", "account manager"),
    ),
    "sovereignty": (
        "Souveraineté européenne",
        "European sovereignty",
        ("souverain*", "sovereign*", "rgpd", "gdpr", "cloud act", "secnumcloud", "europe*", "eu"),
    ),
    "simplicity": (
        "Simplicité",
        "Simplicity",
        ("simple", "simplicite", "simplicity", "simplif*", "easy", "one-click"),
    ),
    "ecosystem": (
        "Écosystème complet",
        "Complete ecosystem",
        ("paas", "kubernetes", "cdn", "load balancer*", "managed database*", "serverless", "ecosyst*"),
    ),
}


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


_PATTERNS = {theme: _pattern(words) for theme, (_, _, words) in THEMES.items()}


def themes_of(text: str) -> list[str]:
    """The themes ``text`` speaks of, in ``THEMES`` order."""
    folded = fold(text)
    return [theme for theme, pattern in _PATTERNS.items() if pattern.search(folded)]


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def our_themes(differentiators: Any, moat: Any) -> list[str]:
    """The themes our differentiators and moat speak of (either language)."""
    found: set[str] = set()
    for text in _texts([differentiators, moat]):
        found.update(themes_of(text))
    return [theme for theme in THEMES if theme in found]


def moves(
    session: Session, now: datetime, themes: Sequence[str], days: int = MOVE_DAYS, limit: int = MAX_MOVES
) -> list[dict[str, Any]]:
    """Competitors' events of the last ``days`` whose title speaks of one of ``themes``, newest first."""
    if not themes:
        return []
    since = now - timedelta(days=days)
    e = EventRow
    query = (
        select(e.id, e.kind, e.competitor, e.title, e.url, e.detected_at)  # not ``data``: cheaper to read
        .where(
            e.kind.in_(MOVE_KINDS),
            e.competitor.is_not(None),
            e.competitor != SELF,
            e.detected_at >= since,
            e.detected_at <= now,
        )
        .order_by(e.detected_at.desc(), e.id.desc())
        .limit(SCAN_LIMIT)
    )
    out = []
    for row in session.execute(query):
        touched = [t for t in themes_of(row.title) if t in themes]
        if touched:
            out.append(_move(row, touched))
            if len(out) >= limit:
                break
    return out


def _move(row: Any, touched: list[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "competitor": row.competitor,
        "title": row.title,
        "url": row.url,
        "detected_at": row.detected_at.isoformat(),
        "themes": touched,
    }


def standing(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per reference product: our price and its basis, the competitors' cheapest, median and dearest
    compared prices, our rank (1 = cheapest) and whether we are the most or the least expensive."""
    rows_by_product: dict[str, list[dict[str, Any]]] = {}
    for row in document.get("rows", []):
        if row.get("compared") and row.get("monthly_eur") is not None and row["competitor"] != SELF:
            rows_by_product.setdefault(row["product"], []).append(row)
    out = []
    for product in document.get("products", []):
        own = product.get("own") or {}
        out.append(_product_standing(product, own, rows_by_product.get(product["id"], [])))
    return out


def _product_standing(
    product: dict[str, Any], own: dict[str, Any], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    ours = Decimal(own["monthly_eur"]) if own.get("monthly_eur") is not None else None
    prices = sorted(rows, key=lambda r: Decimal(r["monthly_eur"]))
    entry: dict[str, Any] = {
        "product": product["id"],
        "label": product.get("label") or product["id"],
        "own_eur": own.get("monthly_eur"),
        "basis": own.get("basis"),
        "sku": own.get("sku"),
        "competitors": len(prices),
        "cheapest": _brief(prices[0]) if prices else None,
        "dearest": _brief(prices[-1]) if prices else None,
        "median_eur": None,
        "ratio_to_median": None,
        "rank": None,
        "position": None,
    }
    if ours is None or not prices:
        return entry
    values = [Decimal(r["monthly_eur"]) for r in prices]
    middle = median(values)
    entry["median_eur"] = format(middle, "f") if middle is not None else None
    entry["ratio_to_median"] = format((ours / middle).quantize(Decimal("0.01")), "f") if middle else None
    entry["rank"] = 1 + sum(1 for v in values if v < ours)
    if ours > values[-1]:
        entry["position"] = "most_expensive"
    elif ours < values[0]:
        entry["position"] = "least_expensive"
    return entry


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    offer = row.get("offer") or {}
    return {
        "competitor": row["competitor"],
        "monthly_eur": row["monthly_eur"],
        "basis": row.get("basis"),
        "sku": offer.get("sku"),
    }
