"""Pricing pages: the price-string parser (with property tests), spec reading, both extractors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.sources.declared import sources_of

from veille.errors import ParseError
from veille.sources import pricing_pages
from veille.sources._html_prices import parse_amount, parse_price, read_specs
from veille.sources.pricing_pages import PAGES


@pytest.mark.parametrize(
    ("text", "amount", "currency", "period"),
    [
        ("1.299,00 €", "1299.00", "EUR", None),
        ("€1,299.00", "1299.00", "EUR", None),
        ("12,99 €/mois", "12.99", "EUR", "month"),
        ("$0.50/hr", "0.50", "USD", "hour"),
        ("ab 4,51 €", "4.51", "EUR", None),
        ("0,0052 €/h", "0.0052", "EUR", "hour"),
        ("0.125 $/hr", "0.125", "USD", "hour"),
        ("CHF 12.50 pro Monat", "12.50", "CHF", "month"),
        ("1\u202f299,00\u00a0€ HT par mois", "1299.00", "EUR", "month"),
        ("US$ 2.49 per hour", "2.49", "USD", "hour"),
        ("$2.24/GPU/hr", "2.24", "USD", "hour"),
        ("€ 5 /mo", "5", "EUR", "month"),
        ("49,90 € pro Jahr", "49.90", "EUR", "year"),
    ],
)
def test_price_strings(text: str, amount: str, currency: str, period: str | None) -> None:
    price = parse_price(text)
    assert price is not None
    assert (price.amount, price.currency, price.period) == (Decimal(amount), currency, period)


def test_price_flags() -> None:
    assert parse_price("ab 4,51 €").starting_from and parse_price("à partir de 3,99 €").starting_from
    assert parse_price("12,99 € TTC/mois").vat == "incl" and parse_price("12,99 € HT/mois").vat == "excl"
    assert parse_price("$2.24/GPU/hr").per_gpu and not parse_price("$2.24/hr").per_gpu
    assert parse_price("Cloud VPS 10 vCPU") is None and parse_price("") is None


NARROW_NBSP, NBSP = "\u202f", "\u00a0"
_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)


def _group(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


@given(_amounts, st.sampled_from(["fr", "de", "en", "ch"]), st.sampled_from([None, "hour", "month"]))
def test_price_strings_round_trip(amount: Decimal, style: str, period: str | None) -> None:
    whole, cents = divmod(amount, 1)
    cents_text = f"{int(cents * 100):02d}"
    if style == "fr":
        text = _group(int(whole), NARROW_NBSP) + "," + cents_text + NBSP + "€"
        suffix = {"hour": " HT/heure", "month": " HT/mois", None: ""}[period]
    elif style == "de":
        text = f"{_group(int(whole), '.')},{cents_text} €"
        suffix = {"hour": " pro Stunde", "month": " pro Monat", None: ""}[period]
    elif style == "en":
        text = f"€{_group(int(whole), ',')}.{cents_text}"
        suffix = {"hour": "/hr", "month": "/month", None: ""}[period]
    else:
        text = f"CHF {_group(int(whole), chr(39))}.{cents_text}"
        suffix = {"hour": " per hour", "month": " per month", None: ""}[period]
    price = parse_price(f"Preis / prix / price: {text}{suffix}")
    assert price is not None
    assert price.amount == amount and price.period == period
    assert price.currency == ("CHF" if style == "ch" else "EUR")


@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.9999"), places=4),
    st.sampled_from([",", "."]),
)
def test_sub_unit_hourly_prices(amount: Decimal, sep: str) -> None:
    text = format(amount, "f").replace(".", sep)
    price = parse_price(f"${text}/hr")
    assert price is not None and price.amount == amount and price.period == "hour"


@given(st.text(max_size=200))
def test_never_crashes_on_any_text(text: str) -> None:
    price = parse_price(text)
    assert price is None or price.amount >= 0
    read_specs(text)


def test_amount_separators() -> None:
    assert parse_amount("1.299") == Decimal("1299") and parse_amount("1,299") == Decimal("1299")
    assert parse_amount("0.299") == Decimal("0.299") and parse_amount("12,5") == Decimal("12.5")
    assert parse_amount("1.234.567,89") == Decimal("1234567.89") and parse_amount("abc") is None
    assert parse_amount("1.299", ",") == Decimal("1299") and parse_amount("1.299", ".") == Decimal("1.299")


def test_specs_in_three_languages() -> None:
    en = read_specs("4 vCPU Cores · 8 GB RAM · 75 GB NVMe · 8 x NVIDIA H100 80GB")
    assert (en.vcpu, en.ram_gb, en.disk_gb, en.gpu_name, en.gpu_count, en.gpu_memory_gb) == (
        4,
        8,
        75,
        "NVIDIA H100",
        8,
        80,
    )
    fr = read_specs("2 cœurs vCPU, 4 Go de RAM, 1 To d'espace disque NVMe")
    assert (fr.vcpu, fr.ram_gb, fr.disk_gb) == (2, 4, 1000)
    de = read_specs("Arbeitsspeicher: 16 GB, Prozessorkerne: 4, SSD 160 GB")
    assert (de.vcpu, de.ram_gb, de.disk_gb) == (4, 16, 160)
    assert read_specs("a2-ram4-disk50-perf1").gpu_name is None  # flavour names are not GPUs


def _page(parse, fixtures, key: str, name: str):
    page = PAGES[key]
    return parse(
        "pricing_page.html", fixtures / "pricing_pages" / name, url=page.url, source_id=f"pricing_page.{key}"
    )


def test_contabo_selectors_en(parse, fixtures) -> None:
    offers = _page(parse, fixtures, "contabo", "contabo_en.html")
    assert [o.sku for o in offers] == ["cloud-vps-10", "cloud-vps-20", "cloud-vps-40"]
    vps10 = offers[0]
    assert (
        vps10.competitor,
        vps10.price_monthly,
        vps10.price_hourly,
        vps10.vcpu,
        vps10.ram_gb,
        vps10.disk_gb,
    ) == (
        "contabo",
        Decimal("4.50"),
        None,
        4,
        8,
        75,
    )
    assert offers[2].price_monthly == Decimal("1299.00") and vps10.extra["extractor"] == "selectors"
    assert all(o.price_monthly != Decimal("999.99") for o in offers)  # scripts are ignored


def test_hostinger_selectors_fr_promo(parse, fixtures) -> None:
    offers = _page(parse, fixtures, "hostinger", "hostinger_fr.html")
    kvm1 = offers[0]
    assert (kvm1.name, kvm1.price_monthly, kvm1.billing, kvm1.extra["list_price"], kvm1.extra["vat"]) == (
        "KVM 1",
        Decimal("5.49"),
        "promo",
        "11.99",
        "excl",
    )
    assert (kvm1.vcpu, kvm1.ram_gb, kvm1.disk_gb) == (1, 4, 50)
    assert offers[2].price_monthly == Decimal("1049.90") and offers[2].billing == "on_demand"


def test_infomaniak_table_de(parse, fixtures) -> None:
    offers = _page(parse, fixtures, "infomaniak", "infomaniak_de.html")
    first, _, gpu = offers
    assert (first.price_hourly, first.price_monthly, first.currency, first.unit) == (
        Decimal("0.0079"),
        Decimal("4.51"),
        "CHF",
        "hour",
    )
    assert first.extra["starting_from"] is True and first.disk_gb == 50 and first.gpu_model is None
    assert (gpu.gpu_model, gpu.category, gpu.vcpu, gpu.ram_gb) == ("NVIDIA L4 24GB", "gpu", 16, 64)


def test_coreweave_and_paperspace_gpu(parse, fixtures) -> None:
    hgx = _page(parse, fixtures, "coreweave", "coreweave_en.html")[0]
    assert (hgx.gpu_model, hgx.gpu_count, hgx.price_hourly, hgx.currency, hgx.vcpu, hgx.ram_gb) == (
        "NVIDIA H100 80GB",
        8,
        Decimal("49.24"),
        "USD",
        128,
        2048,
    )
    assert hgx.price_monthly == Decimal("35945.2")  # 730 h: the page states no cap
    paper = _page(parse, fixtures, "paperspace", "paperspace_en.html")
    assert [(o.gpu_model, o.price_hourly) for o in paper][:2] == [
        ("NVIDIA H100 80GB", Decimal("5.95")),
        ("NVIDIA A100 80GB", Decimal("3.18")),
    ]


def test_generic_extractor_cards_de_and_table_fr(parse, fixtures) -> None:
    cards = parse("pricing_page.generic", fixtures / "pricing_pages/generic_de_cards.html", competitor="acme")
    assert [(o.sku, o.price_monthly) for o in cards if o.unit == "month"] == [
        ("cloud-s", Decimal("4.51")),
        ("cloud-m", Decimal("12.99")),
        ("dedicated-xl", Decimal("1299.00")),
    ]
    gpu = next(o for o in cards if o.sku == "gpu-l4")
    assert (gpu.price_hourly, gpu.gpu_model, gpu.vcpu, gpu.ram_gb) == (
        Decimal("0.95"),
        "NVIDIA L4 24GB",
        8,
        48,
    )
    assert cards[0].extra["vat"] == "incl" and cards[0].extra["starting_from"] is True
    table = parse("pricing_page.generic", fixtures / "pricing_pages/generic_fr_table.html", competitor="acme")
    assert [(o.name, o.vcpu, o.ram_gb, o.disk_gb, o.price_monthly) for o in table] == [
        ("VPS Essentiel", 2, 4, 80, Decimal("9.90")),
        ("VPS Pro", 8, 32, 320, Decimal("1299.00")),
    ]


def test_selectors_fall_back_to_generic(parse, fixtures) -> None:
    # a redesign: the Contabo selectors find nothing on a page laid out differently
    offers = parse(
        "pricing_page.html",
        fixtures / "pricing_pages/generic_de_cards.html",
        url=PAGES["contabo"].url,
        source_id="pricing_page.contabo",
    )
    assert offers and {o.extra["extractor"] for o in offers} == {"card"} and offers[0].competitor == "contabo"


def test_no_plan_is_an_error(parse, fixtures) -> None:
    with pytest.raises(ParseError, match="no plan with a price"):
        parse(
            "pricing_page.html",
            fixtures / "pricing_pages/no_prices.html",
            url=PAGES["coreweave"].url,
            source_id="pricing_page.coreweave",
        )
    with pytest.raises(ParseError, match="JSON where an HTML"):
        parse("pricing_page.generic", b'{"plans": []}', competitor="acme")
    with pytest.raises(ParseError, match="cannot tell whose page"):
        parse(
            "pricing_page.generic", fixtures / "pricing_pages/contabo_en.html", url="https://unknown.example/"
        )


def test_sources_are_polite_and_unverified() -> None:
    assert {s.competitor for s in sources_of(pricing_pages)} == {
        "infomaniak",
        "contabo",
        "hostinger",
        "coreweave",
        "paperspace",
    }
    assert all(
        s.html and not s.verified and s.parser == "pricing_page.html" for s in sources_of(pricing_pages)
    )
