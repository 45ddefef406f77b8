"""French and English: every message of the templates is translated; locale negotiation; formats."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from starlette.requests import Request

from veille.web import i18n

WEB = Path(i18n.__file__).parent


def _template_messages() -> set[str]:
    found = extract_from_dir(
        str(WEB / "templates"),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_every_template_message_has_a_french_translation() -> None:
    with (WEB / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    translated = {m.id for m in catalog if m.id and m.string}
    messages = _template_messages()
    assert len(messages) > 250
    missing = sorted(messages - translated)
    assert not missing, f"untranslated (run pybabel extract/update, see docs/web.md): {missing}"


def test_the_catalog_compiles_at_start_up() -> None:
    fr = i18n.translations("fr")
    assert fr.gettext("Overview") == "Vue d’ensemble"
    assert i18n.translations("en").gettext("Overview") == "Overview"


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


def test_accept_language_then_cookie() -> None:
    assert i18n.negotiate(_request({"Accept-Language": "en-US,en;q=0.9,fr;q=0.8"})) == "en"
    assert i18n.negotiate(_request({"Accept-Language": "de-DE,de;q=0.9,fr;q=0.5,en;q=0.4"})) == "fr"
    assert i18n.negotiate(_request({"Accept-Language": "de, it"})) == "fr"
    assert i18n.negotiate(_request({"Accept-Language": "fr;q=0.1, en;q=0.9"})) == "en"
    assert i18n.negotiate(_request({"Accept-Language": ";;;,q=,en;q=abc"})) in ("fr", "en")
    assert i18n.negotiate(_request({"Accept-Language": "en", "Cookie": "veille_lang=fr"})) == "fr"


def test_formats_per_locale() -> None:
    fr, en = i18n.Formats("fr"), i18n.Formats("en")
    assert fr.money(Decimal("2319"), "EUR") == "2\u202f319,00\u00a0€"
    assert en.money(Decimal("2319"), "EUR") == "€2,319.00"
    assert en.money("24", "USD") == "$24.00" and fr.money(None) == "—"
    assert fr.number(Decimal("3.5"), 1) == "3,5" and en.number(1234567, 0) == "1,234,567"
    assert fr.date("2026-11-15") == "15 nov. 2026" and en.date("2026-11-15") == "Nov 15, 2026"


def test_fast_number_formats_agree_with_babel() -> None:
    from babel.numbers import format_currency, format_decimal

    values = [
        "0",
        "0.004",
        "0.005",
        "1",
        "3.79",
        "-3.79",
        "1234.5",
        "2319",
        "1234567.891",
        "99.995",
        "1E3",
        "0.1",
    ]
    for locale in ("fr", "en"):
        fmt = i18n.Formats(locale)
        for raw in values:
            value = Decimal(raw)
            for currency in ("EUR", "USD", "JPY", "CHF"):
                assert fmt.money(value, currency) == format_currency(value, currency, locale=locale), (
                    locale,
                    raw,
                )
            for digits in (0, 1, 2):
                pattern = "#,##0." + "#" * digits if digits else "#,##0"
                assert fmt.number(value, digits) == format_decimal(value, format=pattern, locale=locale)
        assert fmt.money(Decimal("-0.001")) == fmt.money(0)  # never "-0,00 €"
