"""Hostinger API billing catalogue: cents, renewal vs first-term prices, MB sizes, and its request."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from veille.errors import ParseError
from veille.settings import Settings
from veille.sources import ParseContext, get_source, parse_body
from veille.sources._http import Fetcher

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures/hostinger/billing_catalog_vps.json"


def test_catalog(parse) -> None:
    offers = parse("hostinger.catalog", FIXTURE)
    kvm1 = {o.billing: o for o in offers if o.sku == "hostingercom-vps-kvm1"}
    assert kvm1["on_demand"].price_monthly == Decimal("11.99") and kvm1["promo"].price_monthly == Decimal(
        "5.49"
    )
    assert (kvm1["on_demand"].vcpu, kvm1["on_demand"].ram_gb, kvm1["on_demand"].disk_gb) == (1, 4, 50)
    assert kvm1["on_demand"].extra["renewal_per_month_by_term"] == {
        "1 month": "11.99",
        "24 month": "8.99",
        "1 year": "9.99",
    }
    kvm8 = [o for o in offers if o.sku == "hostingercom-vps-kvm8"]
    assert [(o.billing, o.price_monthly, o.ram_gb) for o in kvm8] == [("on_demand", Decimal("49.99"), 32)]
    assert not any(o.sku == "hostingercom-vps-os-license" for o in offers)


def test_bad_catalog(parse) -> None:
    with pytest.raises(ParseError, match="no VPS item"):
        parse("hostinger.catalog", b"[]")
    with pytest.raises(ParseError, match="whole cents"):
        parse("hostinger.catalog", FIXTURE.read_bytes().replace(b'"price": 1199', b'"price": 11.99'))
    with pytest.raises(ParseError, match="billing period"):
        parse(
            "hostinger.catalog",
            FIXTURE.read_bytes().replace(b'"period_unit": "year"', b'"period_unit": "decade"', 1),
        )


def test_request(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/api/billing/v1/catalog",
        query_string={"category": "VPS"},
        headers={"Authorization": "Bearer hg-token"},
    ).respond_with_data(FIXTURE.read_bytes(), content_type="application/json")
    settings = Settings(
        http_retries=0,
        url_map={"https://developers.hostinger.com": httpserver.url_for("/").rstrip("/")},
        hostinger_token="hg-token",
    )
    spec = get_source("hostinger.catalog")

    async def fetch():  # type: ignore[no-untyped-def]
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch_source(spec)

    (page,) = asyncio.run(fetch()).pages
    offers = parse_body(
        spec.parser, page.read(), ParseContext(spec.id, spec.competitor, page.url, page.fetched_at)
    )
    assert len(offers) == 3
    httpserver.check_assertions()
