"""azure.retail: Retail Prices API pages, the size decoder, pagination, bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from veille.errors import ParseError
from veille.observations import Offer
from veille.sources._registry import Request, get_parser, get_source
from veille.sources.azure import EU_REGIONS, URL, decode_size, next_page, parse_retail


def offers_by_key(observations: list[Any]) -> dict[tuple[str, str], Offer]:
    return {(o.sku, o.billing): o for o in observations}


def test_real_payload_keeps_linux_and_drops_windows(reference: Any, ctx: Any) -> None:
    body = (reference / "pricing" / "azure_retail_prices_standard_b1s_northeurope.json").read_bytes()
    offers = parse_retail(body, ctx("azure.retail.northeurope", "azure"))
    assert len(offers) == 1  # the " Windows" row is dropped
    b1s = offers[0]
    assert isinstance(b1s, Offer)
    assert (b1s.competitor, b1s.sku, b1s.name, b1s.region, b1s.billing) == (
        "azure",
        "Standard_B1s",
        "B1s",
        "northeurope",
        "on_demand",
    )
    assert b1s.currency == "USD"  # as the recorded page says; the sources ask for EUR
    assert b1s.price_hourly == Decimal("0.0113")
    assert b1s.price_monthly == Decimal("8.249")
    assert (b1s.vcpu, b1s.ram_gb, b1s.category, b1s.arch) == (Decimal(1), Decimal(1), "vps", "x86_64")


def test_fixture_pages(fixture_bytes: Any, ctx: Any) -> None:
    page1 = offers_by_key(
        parse_retail(fixture_bytes("azure/retail_westeurope_page1.json"), ctx("a", "azure"))
    )
    assert set(page1) == {
        ("Standard_D4s_v5", "on_demand"),
        ("Standard_D4s_v5", "spot"),
        ("Standard_B2s", "on_demand"),
        ("Standard_E4-2s_v5", "on_demand"),
    }  # Windows and Low Priority rows are gone
    d4 = page1[("Standard_D4s_v5", "on_demand")]
    assert d4.price_hourly == Decimal("0.1936")  # the newer of two meters (2025 beats 2023)
    assert d4.currency == "EUR" and d4.region == "westeurope"
    assert (d4.vcpu, d4.ram_gb) == (Decimal(4), Decimal(16))
    assert page1[("Standard_D4s_v5", "spot")].price_hourly == Decimal("0.03872")
    assert (
        page1[("Standard_E4-2s_v5", "on_demand")].vcpu,
        page1[("Standard_E4-2s_v5", "on_demand")].ram_gb,
    ) == (Decimal(2), Decimal(32))
    page2 = offers_by_key(
        parse_retail(fixture_bytes("azure/retail_westeurope_page2.json"), ctx("a", "azure"))
    )
    a100 = page2[("Standard_NC24ads_A100_v4", "on_demand")]
    assert (a100.category, a100.gpu_model, a100.gpu_count) == ("gpu", "NVIDIA A100 80GB", Decimal(1))
    assert a100.price_monthly == Decimal("3.4436") * 730
    assert page2[("Standard_NC24ads_A100_v4", "spot")].price_hourly == Decimal("1.3774")
    assert page2[("Standard_D2pls_v5", "on_demand")].arch == "arm64"
    m128 = page2[("Standard_M128ms", "on_demand")]
    assert (m128.vcpu, m128.ram_gb) == (None, None)  # not decoded: left unknown, not guessed
    assert ("Standard_D4s_v5", "on_demand") not in page2  # DevTestConsumption row is not pay-as-you-go
    assert len(page2) == 4  # the Cloud Services row is dropped


@pytest.mark.parametrize(
    ("name", "vcpu", "ram", "gpu", "count", "arch"),
    [
        ("Standard_D4s_v5", 4, 16, None, None, "x86_64"),
        ("Standard_D2as_v4", 2, 8, None, None, "x86_64"),
        ("Standard_D2pls_v5", 2, 4, None, None, "arm64"),
        ("Standard_D16ds_v5", 16, 64, None, None, "x86_64"),
        ("Standard_E8s_v5", 8, 64, None, None, "x86_64"),
        ("Standard_E4-2s_v5", 2, 32, None, None, "x86_64"),
        ("Standard_E64s_v3", 64, 432, None, None, "x86_64"),
        ("Standard_E96ds_v5", 96, 672, None, None, "x86_64"),
        ("Standard_F8s_v2", 8, 16, None, None, "x86_64"),
        ("Standard_F4", 4, 8, None, None, "x86_64"),
        ("Standard_F4als_v6", 4, 8, None, None, "x86_64"),
        ("Standard_F4ams_v6", 4, 32, None, None, "x86_64"),
        ("Standard_B1ls", 1, "0.5", None, None, "x86_64"),
        ("Standard_B2ms", 2, 8, None, None, "x86_64"),
        ("Standard_B2ts_v2", 2, 1, None, None, "x86_64"),
        ("Standard_B4ls_v2", 4, 8, None, None, "x86_64"),
        ("Standard_B2ps_v2", 2, 8, None, None, "arm64"),
        ("Standard_A2m_v2", 2, 16, None, None, "x86_64"),
        ("Standard_L8s_v3", 8, 64, None, None, "x86_64"),
        ("Standard_NC4as_T4_v3", 4, 28, "NVIDIA T4 16GB", "1", "x86_64"),
        ("Standard_NC40ads_H100_v5", 40, 320, "NVIDIA H100 NVL 94GB", "1", "x86_64"),
        ("Standard_ND96isr_H100_v5", 96, 1900, "NVIDIA H100 80GB", "8", "x86_64"),
        ("Standard_ND96isr_MI300X_v5", 96, 1850, "AMD MI300X 192GB", "8", "x86_64"),
        ("Standard_NV6ads_A10_v5", 6, 55, "NVIDIA A10 24GB", "0.1666666666666666666666666667", "x86_64"),
    ],
)
def test_size_decoder(name: str, vcpu: int, ram: Any, gpu: str | None, count: str | None, arch: str) -> None:
    size = decode_size(name)
    assert (size.vcpu, size.ram_gb, size.gpu_model, size.arch) == (
        Decimal(vcpu),
        Decimal(str(ram)),
        gpu,
        arch,
    )
    assert size.gpu_count == (Decimal(count) if count else None)


@pytest.mark.parametrize(
    "name",
    [
        "Standard_D4_v2",
        "Standard_DS3_v2",
        "Standard_M128ms",
        "Standard_G5",
        "Basic_A1",
        "Standard_DC4s_v3",
        "weird",
    ],
)
def test_size_decoder_leaves_irregular_names_unknown(name: str) -> None:
    size = decode_size(name)
    assert (size.vcpu, size.ram_gb) == (None, None)


def test_unknown_n_series_is_still_a_gpu_offer(ctx: Any) -> None:
    item = {
        "currencyCode": "EUR", "retailPrice": 1.5, "unitOfMeasure": "1 Hour", "type": "Consumption",
        "serviceName": "Virtual Machines", "armRegionName": "westeurope", "armSkuName": "Standard_NC6_Promo",
        "productName": "Virtual Machines NC Promo Series", "skuName": "NC6", "meterName": "NC6",
    }  # fmt: skip
    [offer] = parse_retail(orjson.dumps({"Items": [item], "NextPageLink": None}), ctx("a", "azure"))
    assert isinstance(offer, Offer)
    assert offer.category == "gpu" and offer.gpu_model is None


def test_next_page_follows_the_link_query_on_the_configured_host(fixture_bytes: Any) -> None:
    first = get_source("azure.retail.westeurope").first_request()
    follow = next_page(first, {}, fixture_bytes("azure/retail_westeurope_page1.json"))
    assert follow is not None
    assert follow.url == URL
    assert follow.params["$skip"] == "100"
    assert follow.params["currencyCode"] == "'EUR'"
    assert "armRegionName eq 'westeurope'" in follow.params["$filter"]
    assert next_page(first, {}, fixture_bytes("azure/retail_westeurope_page2.json")) is None


def test_next_page_with_escaped_link() -> None:
    body = b'{"Items": [], "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=200\\u0026x=1", "Count": 0}'
    follow = next_page(Request(URL), {}, body)
    assert follow is not None and follow.params == {"$skip": "200", "x": "1"}


def test_sources_cover_the_eu_regions_with_the_documented_filter() -> None:
    assert get_parser("azure.retail").func is not None
    for region in EU_REGIONS:
        spec = get_source(f"azure.retail.{region}")
        assert spec.url == "https://prices.azure.com/api/retail/prices"
        assert spec.params["$filter"] == (
            f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq '{region}'"
        )
        assert spec.params["currencyCode"] == "'EUR'"
        assert spec.credential is None and spec.paginate is next_page and spec.competitor == "azure"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML"),
        (b'{"BillingCurrency": "EUR", "Items": [{"currencyCode": "EUR", "retailPr', "truncated"),
        (b'{"BillingCurrency": "EUR", "Values": []}', "'Items' array"),
        (b"[1, 2]", "'Items' array"),
        (
            b'{"Items": [{"type": "Consumption", "serviceName": "Virtual Machines", "armSkuName": "Standard_B1s"}]}',
            "missing field",
        ),
        (
            b'{"Items": [{"type": "Consumption", "serviceName": "Storage", "armSkuName": "x"}]}',
            "no 'Virtual Machines'",
        ),
        (b'{"Items": [17]}', r"Items\[0\]: expected `object`, got `int`"),
        (b'{"Items": [], "NextPageLink": 3}', r"NextPageLink: expected `str \| null`"),
    ],
)
def test_bad_input_raises_a_clear_parse_error(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_retail(body, ctx("a", "azure"))


def test_string_price_is_a_schema_change(ctx: Any) -> None:
    item = {
        "currencyCode": "EUR", "retailPrice": "0.1", "unitOfMeasure": "1 Hour", "type": "Consumption",
        "serviceName": "Virtual Machines", "armSkuName": "Standard_B1s", "productName": "Virtual Machines BS Series",
        "skuName": "B1s", "meterName": "B1s",
    }  # fmt: skip
    with pytest.raises(
        ParseError, match=r"Items\[0\]\.retailPrice: expected `int \| float \| null`, got `str`"
    ):
        parse_retail(orjson.dumps({"Items": [item]}), ctx("a", "azure"))


def test_empty_last_page_is_not_an_error(ctx: Any) -> None:
    assert parse_retail(b'{"Items": [], "NextPageLink": null, "Count": 0}', ctx("a", "azure")) == []
