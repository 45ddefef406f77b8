"""The checks of the price-reading agent on their own: page text, locale numbers, each rejection."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.ai.conftest import CORRECT, REDESIGN, VPS10

from veille.ai.prices import PageFacts, PriceAnswer, check_offers, numbers_in, page_text

FACTS = PageFacts(competitor="contabo", url="https://contabo.com/en/vps/", region="eu")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1.299,95 €", "1299.95"),
        ("$0.0119/hr", "0.0119"),
        ("1\u202f299,00\u00a0€ HT", "1299.00"),
        ("CHF 0,0079 / Std.", "0.0079"),
        ("€1,299.00 /month", "1299"),
        ("CHF 1'049.90", "1049.9"),
    ],
)
def test_numbers_after_locale_normalisation(text: str, number: str) -> None:
    assert Decimal(number) in numbers_in(text)


def test_page_text_drops_scripts_and_navigation() -> None:
    text = page_text(REDESIGN.read_bytes())
    assert "Cloud VPS 40" in text and "€1,299.00 /month" in text
    assert "999.99" not in text and "from €3.99" not in text and "München" not in text
    assert len(page_text(REDESIGN.read_bytes(), limit=50)) == 50


def _check(*offers: dict) -> tuple[list, list]:
    answer = PriceAnswer.model_validate({"offers": list(offers)})
    return check_offers(answer, page_text(REDESIGN.read_bytes()), FACTS, "m")


def test_correct_offers_are_kept_with_their_origin() -> None:
    kept, rejected = _check(*CORRECT)
    assert rejected == [] and [o.sku for o in kept] == [
        "cloud-vps-10",
        "cloud-vps-20",
        "cloud-vps-40",
        "dedicated-server-l",
    ]
    vps10 = kept[0]
    assert (vps10.price_monthly, vps10.price_hourly, vps10.unit, vps10.region, vps10.billing) == (
        Decimal("4.50"), None, "month", "eu", "on_demand",
    )  # fmt: skip
    assert vps10.extra["extracted_by"] == "model" and vps10.extra["quote"].startswith("Cloud VPS 10")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"price": 4.5 * 2}, "price 9.0 not in the quote"),
        ({"quote": "Cloud VPS 10 for €4.50 /month"}, "quote not found on the page"),
        ({"name": "Cloud VPS 100"}, "name 'Cloud VPS 100' not found on the page"),
        ({"currency": "USD"}, "currency USD but the quote shows EUR"),
        ({"currency": "XBT"}, "currency 'XBT' is not an ISO 4217 code"),
        ({"unit": "hour"}, "unit hour but the quote says per month"),
        ({"unit": "week"}, "unit 'week' is not one of hour, month, minute, year"),
        (
            {"billing": "lifetime"},
            "billing 'lifetime' is not one of on_demand, spot, marketplace, reserved, promo",
        ),
        ({"ram_gb": 16}, "ram_gb 16 not in the quote"),
        ({"gpu_model": "NVIDIA H100"}, "gpu_model 'NVIDIA H100' not found on the page"),
        ({"region": "fra1"}, "region 'fra1' not found on the page"),
        ({"price": 0}, "price 0 not in the quote"),
    ],
)
def test_each_check_rejects_with_its_reason(change: dict, reason: str) -> None:
    kept, rejected = _check({**VPS10, **change})
    assert kept == [] and rejected == [{"offer": change.get("name", "Cloud VPS 10"), "reason": reason}]


def test_a_size_written_in_tb_and_a_null_are_kept() -> None:
    text = "GPU Cloud Pricing\nGH200\n1 x NVIDIA GH200 96GB\n72\n480\n7.68\n$6.50/hr"
    offer = {**VPS10, "name": "GH200", "price": 6.5, "currency": "USD", "unit": "hour", "quote": text[17:],
             "vcpu": 72, "ram_gb": 480, "disk_gb": 7680, "gpu_model": "NVIDIA GH200 96GB", "gpu_count": None}  # fmt: skip
    kept, rejected = check_offers(PriceAnswer.model_validate({"offers": [offer]}), text, FACTS, "m")
    assert rejected == [] and (kept[0].disk_gb, kept[0].gpu_count, kept[0].price_hourly) == (
        7680,
        None,
        Decimal("6.5"),
    )
    assert kept[0].category == "gpu" and kept[0].price_monthly == Decimal("4745")


def test_a_currency_the_quote_does_not_show_must_be_the_pages() -> None:
    text = "Flavor\na2-ram4\n0,0079 / Std."
    offer = {**VPS10, "name": "a2-ram4", "price": 0.0079, "unit": "hour", "quote": "a2-ram4\n0,0079 / Std.",
             "vcpu": None, "ram_gb": None, "disk_gb": None}  # fmt: skip
    answer = PriceAnswer.model_validate({"offers": [offer, {**offer, "currency": "CHF"}]})
    facts = PageFacts(competitor="infomaniak", url="u", currency="CHF")
    kept, rejected = check_offers(answer, text, facts, "m")
    assert [o.currency for o in kept] == ["CHF"] and rejected == [
        {
            "offer": "a2-ram4",
            "reason": "currency EUR but the quote shows none and the page's prices are in CHF",
        }
    ]


def test_the_same_offer_twice_is_rejected() -> None:
    kept, rejected = _check(VPS10, VPS10)
    assert len(kept) == 1 and rejected == [{"offer": "Cloud VPS 10", "reason": "the same offer twice"}]
