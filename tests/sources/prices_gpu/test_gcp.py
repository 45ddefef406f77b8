"""gcp.skus: machine prices assembled from the per-core, per-GiB and GPU SKUs; pagination; bad input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from veille.errors import ParseError
from veille.observations import Offer
from veille.sources._registry import get_source
from veille.sources.gcp import SHAPES, api_key, merge_pages, next_page, parse_skus


def by_key(observations: list[Any]) -> dict[tuple[str, str, str], Offer]:
    return {(o.sku, o.region, o.billing): o for o in observations}


def test_real_page_assembles_a2_e2_and_t2d_machines(reference: Any, ctx: Any) -> None:
    body = (reference / "pricing" / "gcp_cloudbilling_compute_skus_page.json").read_bytes()
    offers = by_key(parse_skus(body, ctx("gcp.skus", "gcp")))
    # A2: 12 vCPU x 0.031611 + 85 GiB x 0.004237 + 1 A100 x 2.933908 (USD, "Americas" SKUs)
    a2 = offers[("a2-highgpu-1g", "us-central1", "on_demand")]
    assert a2.price_hourly == Decimal("3.673385")
    assert (a2.currency, a2.vcpu, a2.ram_gb, a2.gpu_model, a2.gpu_count) == (
        "USD",
        Decimal(12),
        Decimal(85),
        "NVIDIA A100 40GB",
        Decimal(1),
    )
    assert a2.price_monthly == Decimal("3.673385") * 730
    assert offers[("a2-highgpu-8g", "us-west1", "on_demand")].price_hourly == Decimal("29.38708")
    # E2 priced in IDR on that page: 2 x 327.173848364 + 8 x 43.85294978
    e2 = offers[("e2-standard-2", "us-east1", "on_demand")]
    assert (e2.currency, e2.price_hourly, e2.category) == ("IDR", Decimal("1005.171294968"), "vps")
    t2d = offers[("t2d-standard-1", "asia-southeast1", "on_demand")]
    assert t2d.price_hourly == Decimal("781.754996087")
    # A2 ultra needs the A100 80GB SKU, absent here: not assembled
    assert not any(sku.startswith("a2-ultragpu") for sku, _, _ in offers)
    regions = {region for _, region, _ in offers}
    assert regions == {"us-central1", "us-east1", "us-west1", "asia-southeast1"}
    expected = 3 * (len(SHAPES["E2"]) + 5) + len(SHAPES["T2D AMD"])  # a2: highgpu x4 + megagpu per region
    assert len(offers) == expected


def test_fixture_pages_merged(fixture_bytes: Any, ctx: Any) -> None:
    merged = merge_pages([fixture_bytes("gcp/skus_page1.json"), fixture_bytes("gcp/skus_page2.json")])
    offers = by_key(parse_skus(merged, ctx("gcp.skus", "gcp")))
    e2 = offers[("e2-standard-2", "europe-west1", "on_demand")]
    assert (e2.currency, e2.price_hourly) == ("EUR", Decimal("0.06184"))  # 2 x 0.02012 + 8 x 0.0027
    spot = offers[("e2-standard-2", "europe-west1", "spot")]
    assert spot.price_hourly == Decimal("0.01856")  # 2 x 0.00604 + 8 x 0.00081
    g2 = offers[("g2-standard-4", "europe-west1", "on_demand")]
    assert (g2.price_hourly, g2.gpu_model, g2.gpu_count, g2.category) == (
        Decimal("0.6504"),
        "NVIDIA L4 24GB",
        Decimal(1),
        "gpu",
    )  # 4 x 0.02288 + 16 x 0.00268 + 0.516
    t4 = offers[("n1-standard-8+1xt4", "europe-west1", "on_demand")]
    assert (t4.price_hourly, t4.gpu_model, t4.vcpu, t4.ram_gb) == (
        Decimal("0.67258"),
        "NVIDIA T4 16GB",
        Decimal(8),
        Decimal(30),
    )  # 8 x 0.02916 + 30 x 0.00391 + 0.322
    assert ("n1-standard-8+1xt4", "europe-west1", "spot") not in offers  # no spot N1 SKUs on these pages
    assert not any("Commitment" in o.name for o in offers.values())


def test_one_page_alone_assembles_nothing_it_cannot_price(fixture_bytes: Any, ctx: Any) -> None:
    # page 1 holds cores but no RAM: no machine can be priced from it alone
    assert parse_skus(fixture_bytes("gcp/skus_page1.json"), ctx("gcp.skus", "gcp")) == []


def test_pagination_sends_page_token(fixture_bytes: Any) -> None:
    spec = get_source("gcp.skus")
    first = spec.first_request()
    assert first.url == "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"
    assert first.params == {"currencyCode": "EUR", "pageSize": "5000"}
    follow = next_page(first, {}, fixture_bytes("gcp/skus_page1.json"))
    assert follow is not None
    assert follow.params["pageToken"] == "CkQKQnNlcnZpY2VzLzZGODEtNTg0NC00NTZBL3NrdXMvQTFCMi0wMDA4"
    assert follow.params["currencyCode"] == "EUR"
    assert next_page(follow, {}, fixture_bytes("gcp/skus_page2.json")) is None


def test_api_key_goes_in_the_key_parameter() -> None:
    spec = get_source("gcp.skus")
    assert spec.credential == "gcp_api_key"
    assert spec.auth is api_key
    assert api_key("AIza-test") == {"params": {"key": "AIza-test"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<html><head><title>Error 403</title></head></html>", "HTML"),
        (b'{"skus": [{"name": "services/6F81', "truncated"),
        (b'{"services": []}', "'skus' array"),
        (b'{"error": {"code": 403, "message": "API key not valid."}}', "API key not valid"),
        (b'{"skus": [{"skuId": "x"}]}', "description"),
        (
            b'{"skus": [{"description": "Network egress", "category": {"resourceFamily": "Network"}}]}',
            "resourceFamily 'Compute'",
        ),
    ],
)
def test_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_skus(body, ctx("gcp.skus", "gcp"))


def test_unreadable_price_is_a_parse_error(ctx: Any) -> None:
    sku = {
        "description": "E2 Instance Core running in Belgium",
        "category": {"resourceFamily": "Compute", "resourceGroup": "CPU", "usageType": "OnDemand"},
        "serviceRegions": ["europe-west1"],
        "pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": []}}],
    }
    with pytest.raises(ParseError, match="unreadable pricingInfo"):
        parse_skus(orjson.dumps({"skus": [sku]}), ctx("gcp.skus", "gcp"))


def test_merge_keeps_only_what_can_price_a_machine(fixture_bytes: Any) -> None:
    merged = orjson.loads(
        merge_pages([fixture_bytes("gcp/skus_page1.json"), fixture_bytes("gcp/skus_page2.json")])
    )
    descriptions = {sku["description"] for sku in merged["skus"]}
    assert "E2 Instance Ram running in Belgium" in descriptions
    assert not any(d.startswith(("Commitment", "Network")) for d in descriptions)
    network_only = orjson.dumps({"skus": [orjson.loads(fixture_bytes("gcp/skus_page1.json"))["skus"][-1]]})
    with pytest.raises(ParseError, match="none of the 1 SKUs"):
        merge_pages([network_only])
    with pytest.raises(ParseError, match="HTML"):
        merge_pages([fixture_bytes("gcp/skus_page1.json"), b"<html>quota exceeded</html>"])
