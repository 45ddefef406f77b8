"""French and English: gettext catalogs compiled from the ``.po`` files at start-up, locale choice, formats.

Message ids are English; ``locale/fr/LC_MESSAGES/messages.po`` translates them. Nothing needs
compiling before start-up: the ``.po`` files are read and compiled in memory on first use.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_percent, parse_pattern
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


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


class Formats:
    """Number, money and date formats of one locale, for the templates (patterns parsed once)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._locale = Locale.parse(locale)
        self._currency = self._locale.currency_formats["standard"]

    def money(self, amount: Any, currency: str | None = "EUR") -> str:
        value = _decimal(amount)
        if value is None:
            return "—"
        return self._currency.apply(value, self._locale, currency=currency or "EUR", currency_digits=True)

    def number(self, value: Any, digits: int = 2) -> str:
        number = _decimal(value)
        if number is None:
            return "—"
        return _pattern("#,##0." + "#" * digits if digits else "#,##0").apply(number, self._locale)

    def percent(self, value: Any) -> str:
        number = _decimal(value)
        return "—" if number is None else format_percent(number, format="#,##0.#%", locale=self.locale)

    def date(self, value: Any) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return format_date(value, format="medium", locale=self.locale)
        when = _when(value)
        if when is None:
            try:
                return format_date(date.fromisoformat(str(value)), format="medium", locale=self.locale)
            except ValueError:
                return "—" if not value else str(value)
        return format_date(when, format="medium", locale=self.locale)

    def datetime(self, value: Any) -> str:
        when = _when(value)
        if when is None:
            return "—"
        return format_datetime(when, format="medium", tzinfo=UTC, locale=self.locale) + " UTC"

    def ago(self, value: Any) -> str:
        when = _when(value)
        if when is None:
            return "—"
        delta = when - datetime.now(UTC)
        return format_timedelta(delta, add_direction=True, locale=self.locale)
