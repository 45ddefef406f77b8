"""French and English: gettext catalogs compiled from the ``.po`` files at start-up, locale choice, formats.

Message ids are English; ``locale/fr/LC_MESSAGES/messages.po`` translates them. Nothing needs
compiling before start-up: the ``.po`` files are read and compiled in memory on first use.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_currency,
    format_percent,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from veille.web.security import LANG_COOKIE

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale`` (English is the identity)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(request: Request) -> str:
    """The cookie's language if set, else the best match of Accept-Language, else French."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    header = request.headers.get("accept-language", "")
    preferred: list[tuple[float, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        lang, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if lang:
            preferred.append((-quality + index * 1e-6, lang.strip().replace("_", "-")))
    for _, lang in sorted(preferred):
        try:
            match = Locale.parse(lang, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if match in LOCALES:
            return match
    return DEFAULT_LOCALE


def request_locale(request: Request) -> str:
    """The language of this request (chosen once, kept on ``request.state``)."""
    locale = getattr(request.state, "locale", None)
    if locale not in LOCALES:
        locale = negotiate(request)
        request.state.locale = locale
    return str(locale)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


class _NumberStyle:
    """A locale's separators and currency layouts, read from Babel once; formatting is then plain Python.

    Babel's pattern engine costs ~0.2 ms a number, which a page of 40 offers pays 160 times; the output
    is the same (checked against Babel in tests/web/test_i18n.py).
    """

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.group = get_group_symbol(locale)
        self.decimal = get_decimal_symbol(locale)
        self.minus = get_minus_sign_symbol(locale)
        self._currency: dict[str, tuple[str, str, int]] = {}

    def digits(self, value: Decimal, most: int, least: int) -> str:
        """``value`` grouped, with between ``least`` and ``most`` decimals (half-even rounding)."""
        rounded = value.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_EVEN)
        text = f"{abs(rounded):,.{most}f}"
        if most > least:
            whole, _, frac = text.partition(".")
            frac = frac.rstrip("0").ljust(least, "0")
            text = f"{whole}.{frac}" if frac else whole
        text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        return (self.minus + text) if rounded < 0 else text

    def currency(self, code: str) -> tuple[str, str, int]:
        """(prefix, suffix, decimals) of amounts in ``code``."""
        layout = self._currency.get(code)
        if layout is None:
            places = get_currency_precision(code)
            sample = format_currency(Decimal(1), code, locale=self.locale)
            number = self.digits(Decimal(1), places, places)
            prefix, _, suffix = sample.partition(number)
            layout = self._currency[code] = (prefix, suffix, places)
        return layout


class Formats:
    """Number, money and date formats of one locale, for the templates."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._locale = Locale.parse(locale)
        self._style = _NumberStyle(self._locale)

    def money(self, amount: Any, currency: str | None = "EUR") -> str:
        value = _decimal(amount)
        if value is None:
            return "—"
        prefix, suffix, places = self._style.currency((currency or "EUR").upper())
        text = self._style.digits(abs(value), places, places)
        sign = self._style.minus if value < 0 and text.strip("0,.\u202f\u00a0") else ""
        return f"{sign}{prefix}{text}{suffix}"

    def number(self, value: Any, digits: int = 2) -> str:
        number = _decimal(value)
        if number is None:
            return "—"
        return self._style.digits(number, digits, 0)

    def percent(self, value: Any) -> str:
        number = _decimal(value)
        return "—" if number is None else format_percent(number, format="#,##0.#%", locale=self.locale)

    def date(self, value: Any) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return _medium_date(value, self.locale)
        when = _when(value)
        if when is None:
            try:
                return _medium_date(date.fromisoformat(str(value)), self.locale)
            except ValueError:
                return "—" if not value else str(value)
        return _medium_date(when.date(), self.locale)

    def datetime(self, value: Any) -> str:
        when = _when(value)
        return "—" if when is None else _medium_datetime(when, self.locale)

    def cadence(self, seconds: Any) -> str:
        """How often, in words: "every 5 min", "hourly", "daily" ("quotidienne" in French)..."""
        from veille.cadence import describe

        return describe(float(seconds), self.locale[:2])

    def ago(self, value: Any) -> str:
        when = _when(value)
        if when is None:
            return "—"
        delta = when - datetime.now(UTC)
        return format_timedelta(delta, add_direction=True, locale=self.locale)


# Babel's pattern engine costs ~40 us a date; a page shows the same few dozen dates again and again.
@lru_cache(maxsize=4096)
def _medium_date(day: date, locale: str) -> str:
    return format_date(day, format="medium", locale=locale)


@lru_cache(maxsize=4096)
def _medium_datetime(when: datetime, locale: str) -> str:
    return format_datetime(when, format="medium", tzinfo=UTC, locale=locale) + " UTC"
