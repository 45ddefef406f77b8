"""Numbers, money and dates per locale (Babel)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def money(amount: Decimal | str | None, currency: str, lang: str) -> str:
    """``1 299,00 €`` in French, ``€1,299.00`` in English; an em dash when unknown."""
    if amount is None:
        return "—"
    return format_currency(Decimal(amount), currency, locale=LOCALES[lang])


def number(value: Decimal | float | int | str | None, lang: str, pattern: str | None = None) -> str:
    if value is None:
        return "—"
    return format_decimal(Decimal(str(value)), format=pattern, locale=LOCALES[lang])


def percent(value: Decimal | str | None, lang: str) -> str:
    """A percentage given in percent units (``12.5`` -> ``+12,5 %``)."""
    if value is None:
        return "—"
    ratio = Decimal(value) / 100
    text = format_percent(ratio, format="#,##0.#%", locale=LOCALES[lang])
    return ("+" + text) if ratio > 0 else text


def day(value: datetime | None, lang: str) -> str:
    return format_date(value, format="medium", locale=LOCALES[lang]) if value else "—"


def moment(value: datetime | None, lang: str) -> str:
    return format_datetime(value, format="medium", locale=LOCALES[lang], tzinfo=None) if value else "—"
