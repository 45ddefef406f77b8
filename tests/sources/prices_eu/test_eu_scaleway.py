"""Scaleway parsers: product catalogue (per-minute GPU prices), Instance API types and availability."""

from __future__ import annotations

from decimal import Decimal

import pytest

from veille.errors import ParseError
from veille.observations import Availability
from veille.sources import Request
from veille.sources.scaleway import paginate_catalog, paginate_servers

SERVERS_URL = "https://api.scaleway.com/instance/v1/zones/fr-par-1/products/servers"


def _sku(offers, sku):
    return next(o for o in offers if o.sku == sku)


def test_catalog_real(parse, reference) -> None:
    offers = parse("scaleway.catalog", reference / "pricing/scaleway_product_catalog_instances_fr-par-1.json")
    assert len(offers) == 96
    l4 = _sku(offers, "L4-1-24G")  # 0.013125 EUR per minute
    assert l4.unit == "minute" and l4.price_hourly == Decimal("0.7875")
    assert l4.price_monthly == Decimal("574.875") and l4.extra["price_per_unit"] == "0.013125"
    assert (l4.gpu_model, l4.gpu_count, l4.category, l4.ram_gb) == ("NVIDIA L4 24GB", 1, "gpu", 48)
    assert _sku(offers, "L4-8-24G").price_hourly == Decimal("6.3")
    basic = _sku(offers, "BASIC3-X2C-4G")
    assert (basic.price_hourly, basic.vcpu, basic.ram_gb, basic.region) == (
        Decimal("0.039449"),
        2,
        4,
        "fr-par-1",
    )
    assert basic.price_monthly == Decimal("28.79777") and basic.monthly_cap_hours is None
    assert _sku(offers, "BASIC2-A2C-4G").arch == "arm64" and basic.arch == "x86_64"
    assert _sku(offers, "STANDARD3-X32C-128G").price_hourly == Decimal("1.298")
    assert sum(o.unit == "minute" for o in offers) == 4


def test_servers_real_matches_catalog(parse, reference) -> None:
    offers = parse(
        "scaleway.servers",
        reference / "pricing/scaleway_instance_products_servers_fr-par-1_page1.json",
        url=SERVERS_URL,
    )
    assert len(offers) == 50 and {o.region for o in offers} == {"fr-par-1"}
    l4 = _sku(offers, "L4-1-24G")
    assert (l4.price_hourly, l4.price_monthly, l4.gpu_memory_gb) == (
        Decimal("0.7875"),
        Decimal("574.875"),
        24,
    )
    assert l4.gpu_model == "NVIDIA L4 24GB" and l4.ram_gb == 48
    dev = _sku(offers, "DEV1-S")
    assert dev.disk_gb == 20 and dev.extra["end_of_service"] is False


def test_availability_real(parse, reference) -> None:
    levels = parse(
        "scaleway.availability",
        reference / "pricing/scaleway_instance_products_servers_availability_fr-par-1_page1.json",
        url=SERVERS_URL + "/availability",
    )
    assert all(isinstance(a, Availability) for a in levels) and len(levels) > 10
    assert levels[0] == Availability("scaleway", "BASIC2-A16C-32G", "fr-par-1", "available")


def test_catalog_fixture_pages(parse, fixtures) -> None:
    page1 = parse("scaleway.catalog", fixtures / "scaleway/catalog_fr-par-2_page1.json")
    page2 = parse("scaleway.catalog", fixtures / "scaleway/catalog_fr-par-2_page2.json")
    h100 = _sku(page1, "H100-1-80G")
    assert (
        h100.unit == "minute"
        and h100.price_hourly == Decimal("2.73")
        and h100.gpu_model == "NVIDIA H100 80GB"
    )
    assert _sku(page2, "COPARM1-2C-8G").arch == "arm64"


def test_catalog_pagination_uses_total_count(fixtures) -> None:
    first = Request(
        "https://api.scaleway.com/product-catalog/v2alpha1/public-catalog/products",
        params={"page": "1", "page_size": "2", "zone": "fr-par-2"},
    )
    nxt = paginate_catalog(first, {}, (fixtures / "scaleway/catalog_fr-par-2_page1.json").read_bytes())
    assert nxt is not None and nxt.params == {"page": "2", "page_size": "2", "zone": "fr-par-2"}
    assert paginate_catalog(nxt, {}, (fixtures / "scaleway/catalog_fr-par-2_page2.json").read_bytes()) is None


def test_servers_pagination_follows_link_header() -> None:
    first = Request(SERVERS_URL, params={"page": "1", "per_page": "50"})
    link = '</products/servers?page=2&per_page=50&>; rel="next",</products/servers?page=3&per_page=50&>; rel="last"'
    nxt = paginate_servers(first, {"Link": link, "X-Total-Count": "107"}, b"{}")
    assert nxt is not None and nxt.url == SERVERS_URL and nxt.params == {"page": "2", "per_page": "50"}
    last = paginate_servers(
        Request(SERVERS_URL, params={"page": "3", "per_page": "50"}), {"X-Total-Count": "107"}, b"{}"
    )
    assert last is None
    fallback = paginate_servers(first, {"x-total-count": "107"}, b"{}")
    assert fallback is not None and fallback.params["page"] == "2"


def test_servers_fixture_gpu_and_end_of_service(parse, fixtures) -> None:
    url = "https://api.scaleway.com/instance/v1/zones/fr-par-2/products/servers"
    offers = parse("scaleway.servers", fixtures / "scaleway/servers_fr-par-2_page2.json", url=url)
    h100 = _sku(offers, "H100-2-80G")
    assert (h100.gpu_model, h100.gpu_count, h100.gpu_memory_gb, h100.region) == (
        "NVIDIA H100 80GB",
        2,
        80,
        "fr-par-2",
    )
    assert h100.price_hourly == Decimal("6.68") and h100.price_monthly == Decimal("4876.4")
    assert _sku(offers, "DEV1-S").extra["end_of_service"] is True
    levels = parse(
        "scaleway.availability",
        fixtures / "scaleway/availability_fr-par-2_page2.json",
        url=url + "/availability",
    )
    assert {a.sku: a.status for a in levels}["H100-2-80G"] == "shortage"


def test_unit_of_measure_is_required(parse) -> None:
    body = b'{"products": [{"sku": "/x", "properties": {"instance": {}, "hardware": {}}, "price": {"retail_price": {"currency_code": "EUR", "units": 1, "nanos": 0}}}], "total_count": 1}'
    with pytest.raises(ParseError, match="unit_of_measure"):
        parse("scaleway.catalog", body)


def test_unknown_time_unit(parse, fixtures) -> None:
    body = (
        (fixtures / "scaleway/catalog_fr-par-2_page2.json")
        .read_bytes()
        .replace(b'"unit": "hour"', b'"unit": "fortnight"')
    )
    with pytest.raises(ParseError, match="unknown time unit 'fortnight'"):
        parse("scaleway.catalog", body)


def test_servers_pagination_stops_on_a_link_to_itself() -> None:
    current = Request(SERVERS_URL, params={"page": "2", "per_page": "50"})
    assert (
        paginate_servers(current, {"Link": '</products/servers?page=2&per_page=50&>; rel="next"'}, b"{}")
        is None
    )
