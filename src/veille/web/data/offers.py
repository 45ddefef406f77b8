"""Offers: live prices and their history (``offer_versions``).

The native price is the truth; every EUR figure shown is converted at the ECB rate of the day it
describes: today for a current offer, the day of each point for a history (``in_eur``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Float, Integer, Row, TextualSelect, and_, cast, column, func, or_, select, text
from sqlalchemy.orm import Session

from veille.analysis.positioning import at_rate
from veille.reports.charts import DASHES, competitor_colour
from veille.store.fx import FxResolver
from veille.store.models import OfferVersion
from veille.web.data import paging

HISTORY_POINTS = 1000
OFFER = paging.columns(OfferVersion, "extra", "content_hash", "manual_url", "capture_id", "run_id")
VERSION = (
    OfferVersion.id,
    OfferVersion.valid_from,
    OfferVersion.valid_to,
    OfferVersion.currency,
    OfferVersion.price_hourly,
    OfferVersion.price_monthly,
    OfferVersion.monthly_eur,
)


def in_eur(
    session: Session, rows: Sequence[Any], today: date | None = None, *, history: bool = False
) -> list[Any]:
    """``rows`` with ``monthly_eur``, ``fx_rate`` and ``fx_date`` at the rate of the day each describes:
    ``today`` for a current version, its first day for a closed one or a point of a ``history``
    (None without a rate)."""
    fx = FxResolver(session)
    day = today or datetime.now(UTC).date()
    out: list[Any] = []
    for row in rows:
        described = day if row.valid_to is None and not history else row.valid_from.date()
        converted = at_rate(row, fx, described)
        if converted is None:  # no rate known for that day: no EUR figure
            out.append(
                SimpleNamespace(**{**row._asdict(), "monthly_eur": None, "fx_rate": None, "fx_date": None})
            )
        else:
            out.append(converted)
    return out


def live(session: Session, competitor: str, category: str | None = None, limit: int = 200) -> list[Any]:
    """The competitor's current offers, by category then price (cheapest first), in EUR at today's rate.

    The order is taken from the partial index of current offers; only the ``limit`` rows shown are read.
    """
    price = cast(OfferVersion.monthly_eur, Float)  # SQLite keeps decimals as text: order numerically
    ids = select(OfferVersion.id).where(
        OfferVersion.valid_to.is_(None), OfferVersion.competitor == competitor
    )
    if category:
        ids = ids.where(OfferVersion.category == category)
    ids = ids.order_by(OfferVersion.category, OfferVersion.monthly_eur.is_(None), price).limit(limit)
    rows = in_eur(
        session, list(session.execute(select(*OFFER).where(OfferVersion.id.in_(ids.scalar_subquery()))))
    )
    rows.sort(key=lambda r: (r.category, r.monthly_eur is None, r.monthly_eur or 0))
    return rows


def live_counts(session: Session) -> dict[str, int]:
    """Number of current offers per competitor."""
    rows = session.execute(
        select(OfferVersion.competitor, func.count())
        .where(OfferVersion.valid_to.is_(None))
        .group_by(OfferVersion.competitor)
    )
    return {str(c): int(n) for c, n in rows}


def priced_categories(session: Session, competitor: str) -> list[str]:
    """The categories of the competitor's current offers that have a price (one chart each)."""
    rows = session.scalars(
        select(OfferVersion.category)
        .where(
            OfferVersion.valid_to.is_(None),
            OfferVersion.competitor == competitor,
            or_(OfferVersion.price_monthly.is_not(None), OfferVersion.monthly_eur.is_not(None)),
        )
        .distinct()
    )
    return sorted(str(c) for c in rows if c)


def history(
    session: Session, competitor: str, sku: str, region: str | None = None, limit: int = HISTORY_POINTS
) -> list[Row[Any]]:
    """Every version of one offer (newest ``limit``), oldest first."""
    query = select(*VERSION).where(OfferVersion.competitor == competitor, OfferVersion.sku == sku)
    if region is not None:
        query = query.where(OfferVersion.region == region)
    rows: list[Row[Any]] = list(session.execute(query.order_by(OfferVersion.valid_from.desc()).limit(limit)))
    rows.reverse()
    return rows


Key = tuple[str, str, str | None]  # competitor, sku, region (None: every region of the sku)


def histories(
    session: Session, keys: Sequence[Key], limit: int = HISTORY_POINTS
) -> dict[Key, list[Row[Any]]]:
    """``history`` of several offers in one statement: ``key -> versions`` (newest ``limit`` of each,
    oldest first). A page charting a dozen offers reads them at once instead of one query each: a
    UNION ALL of one ``history`` query per key, each served by ``ix_offer_key``."""
    out: dict[Key, list[Row[Any]]] = {key: [] for key in keys}
    wanted = list(out)
    if not wanted:
        return out
    params: dict[str, Any] = {"most": limit}
    for n, (competitor, sku, region) in enumerate(wanted):
        params |= {f"c{n}": competitor, f"s{n}": sku, f"r{n}": region}
    statement = _histories_sql(tuple(region is not None for _, _, region in wanted))
    for row in session.execute(statement, params):
        out[wanted[row.k]].append(row)
    return out


@lru_cache(maxsize=64)
def _histories_sql(regional: tuple[bool, ...]) -> TextualSelect:
    """The statement of ``histories`` for keys with (True) or without (False) a region, built once:
    SQLAlchemy's construction of the same union took longer than running it."""
    names = ", ".join(column.key for column in VERSION)
    parts = [
        f"SELECT * FROM (SELECT {names}, {n} AS k FROM offer_versions WHERE competitor = :c{n} AND sku = :s{n}"
        + (f" AND region = :r{n}" if with_region else "")
        + f" ORDER BY valid_from DESC LIMIT :most) AS h{n}"
        for n, with_region in enumerate(regional)
    ]
    return text(" UNION ALL ".join(parts) + " ORDER BY k, valid_from").columns(*VERSION, column("k", Integer))


def series(session: Session, rows: Sequence[Row[Any]], now: datetime | None = None) -> list[dict[str, Any]]:
    """Chart points: one per version, monthly price in EUR at the ECB rate of the point's day (and the
    native price, the rate and its date); a current version closes the line at ``now``'s rate."""
    fx = FxResolver(session)
    moments: list[tuple[datetime, Any]] = [(r.valid_from, r) for r in rows]
    if rows and rows[-1].valid_to is None:
        end = now or datetime.now(UTC)
        if rows[-1].valid_from.tzinfo is None:
            end = end.replace(tzinfo=None)
        if end.date() > rows[-1].valid_from.date():
            moments.append((end, rows[-1]))
    points = []
    for when, r in moments:
        priced = at_rate(r, fx, when.date())
        points.append(
            {
                "t": when.isoformat(),
                "y": str(priced.monthly_eur) if priced is not None else None,
                "native": str(r.price_monthly) if r.price_monthly is not None else None,
                "currency": r.currency,
                "fx_rate": str(priced.fx_rate) if priced is not None else None,
                "fx_date": priced.fx_date if priced is not None else None,
            }
        )
    return points


def chart_for(
    session: Session, competitor: str, offers: Sequence[Row[Any]], most: int = 5
) -> list[dict[str, Any]]:
    """History series of up to ``most`` offers (one line each, one region per SKU), for the price chart."""
    charted: dict[str, Any] = {}
    for offer in offers:
        if offer.monthly_eur is not None and offer.sku not in charted and len(charted) < most:
            charted[offer.sku] = offer
    found = histories(session, [(competitor, o.sku, o.region) for o in charted.values()], limit=120)
    colour = competitor_colour(competitor)
    return [
        {
            "label": offer.name + (f" · {offer.region}" if offer.region else ""),
            "color": colour,
            "dash": DASHES[index % len(DASHES)],
            "points": series(session, found[(competitor, offer.sku, offer.region)]),
        }
        for index, offer in enumerate(charted.values())
    ]


def page(
    session: Session,
    *,
    competitor: str | None = None,
    category: str | None = None,
    current: bool = True,
    limit: int = 100,
    cursor: str | None = None,
) -> paging.Page[Row[Any]]:
    """Offers (current ones by default), newest id first, keyset-paginated."""
    limit = paging.clamp(limit)
    query = select(OfferVersion.id)
    if current:
        query = query.where(OfferVersion.valid_to.is_(None))
    if competitor:
        query = query.where(OfferVersion.competitor == competitor)
    if category:
        query = query.where(OfferVersion.category == category)
    key = paging.decode(cursor, 1)
    if key:
        query = query.where(OfferVersion.id < key[0])
    query = query.order_by(OfferVersion.id.desc()).limit(limit + 1)
    if current and (competitor or category):
        # the page's ids from the partial index of current offers alone, then only those rows: ordering
        # the whole rows of every current offer of a competitor cost ten times more
        query = (
            select(*OFFER)
            .where(OfferVersion.id.in_(query.scalar_subquery()))
            .order_by(OfferVersion.id.desc())
        )
    else:
        query = query.with_only_columns(*OFFER)
    rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return paging.Page(rows, paging.encode(rows[-1].id) if more and rows else None)


def history_page(
    session: Session, competitor: str, sku: str, region: str | None, limit: int, cursor: str | None
) -> paging.Page[Row[Any]]:
    """Versions of one offer, newest first, keyset-paginated over (valid_from, id)."""
    limit = paging.clamp(limit)
    query = select(*VERSION).where(OfferVersion.competitor == competitor, OfferVersion.sku == sku)
    if region is not None:
        query = query.where(OfferVersion.region == region)
    key = paging.decode(cursor, 2)
    if key:
        when: datetime = key[0]
        query = query.where(
            or_(
                OfferVersion.valid_from < when,
                and_(OfferVersion.valid_from == when, OfferVersion.id < key[1]),
            )
        )
    rows = list(
        session.execute(
            query.order_by(OfferVersion.valid_from.desc(), OfferVersion.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    page: list[Row[Any]] = [*rows[:limit]]  # type: ignore[list-item]
    return paging.Page(page, paging.encode(page[-1].valid_from, page[-1].id) if more and page else None)
