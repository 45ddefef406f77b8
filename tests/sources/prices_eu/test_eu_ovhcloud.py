"""OVHcloud catalogue parsers on the real payloads and on the project's fixtures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from veille.errors import ParseError
from veille.observations import Offer


def _by(offers, sku, region=None):
    return next(o for o in offers if o.sku == sku and o.region == region)


def test_public_cloud_catalog_real(parse, reference) -> None:
    offers = parse("ovhcloud.catalog", reference / "pricing/ovh_public_cloud_catalog_addons.json")
    assert len(offers) == 13 and all(isinstance(o, Offer) for o in offers)
    monthly = _by(offers, "d2-4.monthly")
    assert (
        monthly.price_monthly == Decimal("11.44") and monthly.price_hourly is None and monthly.unit == "month"
    )
    hourly = _by(offers, "d2-4")
    assert hourly.price_hourly == Decimal("0.0206") and hourly.price_monthly == Decimal("15.038")
    assert (hourly.vcpu, hourly.ram_gb, hourly.disk_gb, hourly.currency) == (2, 4, 50, "EUR")
    assert hourly.monthly_cap_hours is None  # the monthly plan is another product, not a cap
    gpu = _by(offers, "a100-180")
    assert gpu.category == "gpu" and gpu.gpu_model == "NVIDIA A100 80GB" and gpu.gpu_count == 1
    assert gpu.price_hourly == Decimal("2.75") and gpu.ram_gb == 180
    assert {o.region for o in offers if o.sku == "b3-8"} == {None, "3AZ", "LZ.AF", "LZ.EU", "LZ.EUROZONE"}
    assert _by(offers, "b3-8", "LZ.AF").price_hourly == Decimal("0.093")
    assert _by(offers, "c3-8", "3AZ").price_hourly == Decimal("0.0913")
    # net of tax: the tax field (217360000 for d2-4 monthly) is never added
    assert all(o.price_monthly != Decimal("13.6136") for o in offers)


def test_eco_catalog_real(parse, reference) -> None:
    offers = parse("ovhcloud.eco", reference / "pricing/ovh_eco_catalog_FI.json")
    rise = next(o for o in offers if o.sku == "22rise011")
    assert rise.price_monthly == Decimal("59.99") and rise.category == "dedicated" and rise.currency == "EUR"
    assert (rise.vcpu, rise.ram_gb, rise.disk_gb) == (12, 32, 1000)
    assert rise.extra["setup_fee"] == "59.99"
    assert rise.extra["commitment_prices"]["degressivity12"] == {
        "price": "56.99",
        "months": 12,
        "paid": "monthly",
    }
    assert rise.billing == "on_demand" and "commitment_months" not in rise.extra
    ks1 = next(o for o in offers if o.sku == "22sk010")
    assert (ks1.price_monthly, ks1.ram_gb, ks1.disk_gb, ks1.name) == (Decimal("4.99"), 4, 1000, "KS-1")


def test_baremetal_plans_sold_only_with_a_commitment(parse, reference) -> None:
    """HGR-HCI-2 has no price without commitment: it rents at 778.99, 737.99 or 696.99 EUR a month for
    6, 12 or 24 months; it is an offer on ``reserved`` terms at its shortest commitment."""
    offers = parse("ovhcloud.eco", reference / "pricing/ovh_baremetal_catalog_FR.json")
    assert {(o.sku, o.billing) for o in offers} == {
        ("20adv02-sgp", "on_demand"),
        ("21hci02", "reserved"),
        ("21hgrai01", "reserved"),
    }
    hci = next(o for o in offers if o.sku == "21hci02")
    assert (hci.name, hci.price_monthly, hci.currency, hci.category) == (
        "HGR-HCI-2",
        Decimal("778.99"),
        "EUR",
        "dedicated",
    )
    assert hci.extra["commitment_months"] == 6 and hci.extra["commitment_mode"] == "degressivity6"
    monthly = {k: v["price"] for k, v in hci.extra["commitment_prices"].items() if v["paid"] == "monthly"}
    assert monthly == {"degressivity6": "778.99", "degressivity12": "737.99", "degressivity24": "696.99"}
    assert hci.extra["commitment_prices"]["upfront24"] == {
        "price": "15743.81",
        "months": 24,
        "paid": "upfront",
    }
    assert (hci.vcpu, hci.ram_gb) == (80, 384)


def test_public_cloud_catalog_fixture(parse, fixtures) -> None:
    offers = parse("ovhcloud.catalog", fixtures / "ovhcloud/cloud_catalog_fr.json")
    assert len(offers) == 6  # 5 instance offers + the high-speed volume; snapshots are not priced here
    volume = _by(offers, "volume.high-speed")
    assert (volume.category, volume.unit, volume.price_monthly) == (
        "block_storage",
        "GB-month",
        Decimal("0.0803"),
    )
    assert volume.extra["per_tb_month"] == "80.3" and volume.price_hourly is None
    b2 = _by(offers, "b2-7")
    assert b2.price_hourly == Decimal("0.0681") and b2.ram_gb == 7
    assert _by(offers, "b2-7.monthly").price_monthly == Decimal("26.4")
    assert _by(offers, "b2-7", "3AZ").price_hourly == Decimal("0.0749")
    l4 = _by(offers, "l4-90")
    assert (l4.gpu_model, l4.gpu_count, l4.gpu_memory_gb, l4.price_hourly) == ("NVIDIA L4 24GB", 1, 24, 1)
    h100 = _by(offers, "h100-760", "LZ.EU")
    assert (h100.gpu_model, h100.gpu_count, h100.disk_gb) == ("NVIDIA H100 80GB", 4, 15360)
    assert h100.price_hourly == Decimal("11.98")


def test_currency_follows_the_subsidiary(parse, fixtures) -> None:
    (offer,) = parse("ovhcloud.catalog", fixtures / "ovhcloud/cloud_catalog_gb.json")
    assert offer.currency == "GBP" and offer.price_hourly == Decimal("0.0088")


def test_eco_fixture_adds_mandatory_addons(parse, fixtures) -> None:
    (offer,) = parse("ovhcloud.eco", fixtures / "ovhcloud/eco_catalog_fr.json")
    # 12.99 plan + 0 RAM + 1.00 storage default add-ons; the non-default 32 GB RAM is not counted
    assert offer.price_monthly == Decimal("13.99") and offer.ram_gb == 16 and offer.disk_gb == 4000
    assert offer.extra["datacenters"] == ["gra", "rbx"] and offer.extra["cpu"] == "AMD Opteron 4122"


def test_not_the_cloud_catalog(parse, fixtures) -> None:
    with pytest.raises(ParseError, match="no addons with product 'publiccloud-instance'"):
        parse("ovhcloud.catalog", fixtures / "ovhcloud/eco_catalog_fr.json")
    with pytest.raises(ParseError, match="no plans"):
        parse("ovhcloud.eco", b'{"plans": [], "addons": []}')


def test_price_must_be_an_integer(parse) -> None:
    body = (
        b'{"addons": [{"planCode": "d2-2.consumption", "product": "publiccloud-instance", '
        b'"pricings": [{"intervalUnit": "hour", "price": "lots", "formattedPrice": "1 \xe2\x82\xac"}]}]}'
    )
    with pytest.raises(ParseError, match="1e-8"):
        parse("ovhcloud.catalog", body)


def test_list_price_wins_over_commitments(parse, fixtures) -> None:
    import json

    document = json.loads((fixtures / "ovhcloud/cloud_catalog_fr.json").read_text())
    b2 = document["addons"][0]
    committed = dict(b2["pricings"][0], price=5000000, mode="upfront12", commitment=12)
    b2["pricings"] = [committed, *b2["pricings"]]
    offers = parse("ovhcloud.catalog", json.dumps(document).encode())
    assert _by(offers, "b2-7").price_hourly == Decimal("0.0681")
