"""Money arithmetic on offers: Decimal only, one month = 730 hours unless the provider caps it.

A parser gives ``price_hourly`` (per hour, whatever the provider's billing granularity recorded in
``unit``) and/or ``price_monthly`` (the provider's own monthly figure, e.g. Hetzner's or DigitalOcean's
cap). Storage offers use the same two fields per GB (``unit`` "GB-month" or "GB-hour").
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Protocol

HOURS_PER_MONTH = Decimal(730)
MINUTES_PER_HOUR = Decimal(60)
EUR_PLACES = Decimal("0.0001")
_PER_HOUR = {"minute": MINUTES_PER_HOUR, "hour": Decimal(1), "GB-hour": Decimal(1)}


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from a string, int or Decimal (floats go through ``str``); None stays None."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


MAX_TYPED_CHARS = 40


def parse_typed(text: str) -> Decimal:
    """A finite Decimal from what a person typed (``5.50``, ``5,50``); ValueError on anything else
    (``NaN``, ``inf``, words, more than MAX_TYPED_CHARS characters)."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned or len(cleaned) > MAX_TYPED_CHARS:
        raise ValueError(f"not an amount: {text[:MAX_TYPED_CHARS]!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {text!r}")
    return value


def integer_digits(value: Decimal) -> int:
    """How many digits a finite Decimal has before its decimal point (0 for 0.5)."""
    return max(value.adjusted() + 1, 0)


def decimal_places(value: Decimal) -> int:
    """How many digits a finite Decimal has after its decimal point, trailing zeros left out."""
    exponent = value.normalize().as_tuple().exponent
    return max(-int(exponent), 0)


class Priced(Protocol):
    """Anything with a price per hour and per month: an ``Offer`` or a stored offer version."""

    @property
    def price_hourly(self) -> Decimal | None: ...

    @property
    def price_monthly(self) -> Decimal | None: ...


def per_hour(amount: Decimal, unit: str) -> Decimal:
    """Convert a price per ``unit`` (minute, hour, month, GB-hour, GB-month) to a price per hour."""
    if unit in _PER_HOUR:
        return amount * _PER_HOUR[unit]
    if unit in ("month", "GB-month"):
        return amount / HOURS_PER_MONTH
    raise ValueError(f"unknown price unit {unit!r}")


def monthly(offer: Priced) -> Decimal | None:
    """The monthly price in the offer's currency: the provider's monthly figure, else hourly x 730."""
    if offer.price_monthly is not None:
        return offer.price_monthly
    if offer.price_hourly is not None:
        return offer.price_hourly * HOURS_PER_MONTH
    return None


def hourly(offer: Priced) -> Decimal | None:
    """The hourly price in the offer's currency: the provider's hourly figure, else monthly / 730."""
    if offer.price_hourly is not None:
        return offer.price_hourly
    if offer.price_monthly is not None:
        return offer.price_monthly / HOURS_PER_MONTH
    return None


def to_eur(amount: Decimal | None, rate: Decimal | None) -> Decimal | None:
    """``amount`` in a currency quoted at ``rate`` units per EUR, in EUR (4 places); None without a rate."""
    if amount is None or rate is None or rate == 0:
        return None
    return (amount / rate).quantize(EUR_PLACES, rounding=ROUND_HALF_EVEN)


def change(old: Decimal | None, new: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(absolute, percentage) change from ``old`` to ``new``; percentage rounded to 0.01."""
    if old is None or new is None:
        return None, None
    delta = new - old
    pct = None if old == 0 else (delta * 100 / old).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return delta, pct


def fmt(amount: Decimal | None, places: int = 2) -> str | None:
    """A decimal string rounded to ``places`` (for display and JSON), or None."""
    if amount is None:
        return None
    return format(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")


def plain(amount: Decimal | None) -> str | None:
    """A decimal string without exponent or trailing zeros, or None."""
    if amount is None:
        return None
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# The euro and the currencies the ECB quotes against it today (daily reference rates; the lev left in
# 2026): the only currencies a price can be entered in, since no other can be converted.
CONVERTIBLE: frozenset[str] = frozenset(
    [
        "EUR",
        "USD",
        "JPY",
        "CZK",
        "DKK",
        "GBP",
        "HUF",
        "PLN",
        "RON",
        "SEK",
        "CHF",
        "ISK",
        "NOK",
        "TRY",
        "AUD",
        "BRL",
        "CAD",
        "CNY",
        "HKD",
        "IDR",
        "ILS",
        "INR",
        "KRW",
        "MXN",
        "MYR",
        "NZD",
        "PHP",
        "SGD",
        "THB",
        "ZAR",
    ]
)
