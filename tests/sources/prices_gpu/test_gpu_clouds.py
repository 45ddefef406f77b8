"""lambda.instance_types, runpod.gpu_types, vastai.offers and skypilot.vms on real and own payloads."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from veille.errors import ParseError
from veille.observations import Availability, Offer
from veille.sources._registry import get_source
from veille.sources.lambda_cloud import parse_instance_types
from veille.sources.runpod import QUERY_BODY, parse_gpu_types
from veille.sources.skypilot import parse_vms
from veille.sources.vastai import SEARCH, country, nearest_rank, parse_offers


def offers(observations: list[Any]) -> list[Offer]:
    return [o for o in observations if isinstance(o, Offer)]


# --- Lambda ---------------------------------------------------------------------------------------


def test_lambda_instance_types(fixture_bytes: Any, ctx: Any) -> None:
    result = parse_instance_types(
        fixture_bytes("lambda/instance_types.json"), ctx("lambda.instance_types", "lambda")
    )
    by_sku = {o.sku: o for o in offers(result)}
    h100 = by_sku["gpu_8x_h100_sxm5"]
    assert (h100.price_hourly, h100.price_monthly, h100.currency, h100.region) == (
        Decimal("23.92"),
        Decimal("17461.6"),
        "USD",
        None,
    )
    assert (h100.gpu_model, h100.gpu_count, h100.vcpu, h100.ram_gb, h100.disk_gb, h100.category) == (
        "NVIDIA H100 80GB",
        Decimal(8),
        Decimal(208),
        Decimal(1800),
        Decimal(22000),
        "gpu",
    )
    assert by_sku["gpu_1x_a10"].gpu_model == "NVIDIA A10 24GB"
    assert by_sku["gpu_1x_gh200"].arch == "arm64"
    cpu = by_sku["cpu_4x_general"]
    assert (cpu.category, cpu.gpu_model, cpu.gpu_count, cpu.price_hourly) == (
        "vps",
        None,
        None,
        Decimal("0.2"),
    )
    availability = {(a.sku, a.region): a.status for a in result if isinstance(a, Availability)}
    assert availability == {
        ("gpu_8x_h100_sxm5", "us-east-3"): "available",
        ("gpu_8x_h100_sxm5", "europe-central-1"): "available",
        ("gpu_1x_a10", None): "unavailable",
        ("gpu_1x_gh200", "us-east-3"): "available",
        ("cpu_4x_general", "europe-central-1"): "available",
    }


def test_lambda_source_uses_the_new_base_and_a_bearer_key() -> None:
    spec = get_source("lambda.instance_types")
    assert spec.url == "https://cloud.lambda.ai/api/v1/instance-types"
    assert spec.credential == "lambda_api_key"
    assert spec.auth is not None and spec.auth("k") == {"headers": {"Authorization": "Bearer k"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
        (
            b'{"data": {"gpu_1x_a10": {"instance_type": {"name": "gpu_1x_a10", "descr',
            "(truncated|malformed) JSON",
        ),
        (
            b'{"error": {"code": "global/invalid-api-key", "message": "API key was invalid"}}',
            "API key was invalid",
        ),
        (b'{"data": {}}', "no instance types"),
        (
            b'{"data": {"x": {"instance_type": {"name": "x", "description": "1x A10"}}}}',
            "price_cents_per_hour",
        ),
        (
            b'{"data": {"x": {"instance_type": {"name": "x", "price_cents_per_hour": "cheap", "description": "1x A10"}}}}',
            "should be a number",
        ),
        (
            b'{"data": {"x": {"instance_type": {"name": "x", "price_cents_per_hour": 75, "description": "8x", "specs": {"gpus": 1}}}}}',
            "no GPU model",
        ),
        (b'{"data": []}', "expected an object"),
    ],
)
def test_lambda_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_instance_types(body, ctx("lambda.instance_types", "lambda"))


# --- RunPod ---------------------------------------------------------------------------------------


def test_runpod_gpu_types(fixture_bytes: Any, ctx: Any) -> None:
    result = parse_gpu_types(fixture_bytes("runpod/gpu_types.json"), ctx("runpod.gpu_types", "runpod"))
    by_key = {(o.sku, o.billing): o for o in offers(result)}
    one = by_key[("NVIDIA H100 80GB HBM3/1x/secure", "on_demand")]
    assert (one.price_hourly, one.gpu_model, one.gpu_count, one.gpu_memory_gb, one.currency) == (
        Decimal("2.99"),
        "NVIDIA H100 80GB",
        Decimal(1),
        Decimal(80),
        "USD",
    )
    assert by_key[("NVIDIA H100 80GB HBM3/8x/secure", "on_demand")].price_hourly == Decimal("23.92")
    assert by_key[("NVIDIA H100 80GB HBM3/8x/secure", "spot")].price_hourly == Decimal("14")
    assert ("NVIDIA H100 80GB HBM3/1x/community", "on_demand") not in by_key  # no community price
    rtx = by_key[("NVIDIA GeForce RTX 4090/2x/community", "on_demand")]
    assert (rtx.price_hourly, rtx.gpu_model, rtx.extra["cloud"]) == (
        Decimal("0.68"),
        "NVIDIA RTX 4090 24GB",
        "community",
    )
    assert by_key[("NVIDIA GeForce RTX 4090/1x/community", "spot")].price_hourly == Decimal("0.2")
    # maxGpuCount 4: no 8x offer; the spot price falls back to lowestPrice.minimumBidPrice
    assert ("NVIDIA A100 80GB PCIe/8x/secure", "on_demand") not in by_key
    assert by_key[("NVIDIA A100 80GB PCIe/4x/secure", "spot")].price_hourly == Decimal("3.28")
    assert by_key[("AMD Instinct MI300X OAM/1x/secure", "on_demand")].gpu_model == "AMD MI300X 192GB"
    assert all(o.category == "gpu" and o.region is None for o in offers(result))
    assert len(offers(result)) == 8 + 16 + 9 + 4
    stock = {a.sku: a.status for a in result if isinstance(a, Availability)}
    assert stock == {
        "NVIDIA H100 80GB HBM3": "high",
        "NVIDIA GeForce RTX 4090": "medium",
        "NVIDIA A100 80GB PCIe": "unavailable",
        "AMD Instinct MI300X OAM": "low",
    }


def test_runpod_source_posts_the_query_without_auth() -> None:
    spec = get_source("runpod.gpu_types")
    assert (spec.method, spec.url, spec.credential) == ("POST", "https://api.runpod.io/graphql", None)
    assert spec.json == QUERY_BODY
    for field in (
        "securePrice",
        "communityPrice",
        "memoryInGb",
        "minimumBidPrice",
        "stockStatus",
        "lowestPrice(",
    ):
        assert field in QUERY_BODY["query"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<!doctype html><title>Cloudflare</title>", "HTML"),
        (
            b'{"errors": [{"message": "Cannot query field \\"securePrice\\" on type \\"GpuType\\"."}]}',
            "GraphQL error",
        ),
        (b'{"data": {"gpuTypes": []}}', "is empty"),
        (b'{"data": {"gpuTypes": [{"id": "NVIDIA L4", "displayName": "L4"}]}}', "securePrice"),
        (
            b'{"data": {"gpuTypes": [{"id": "NVIDIA L4", "securePrice": null, "communityPrice": null}]}}',
            "has a price",
        ),
        (
            b'{"data": {"gpuTypes": [{"id": "NVIDIA L4", "securePrice": "x", "communityPrice": null}]}}',
            "should be a number",
        ),
        (b'{"data": {"gpu', "(truncated|malformed) JSON"),
        (b'{"data": {"gpuTypes": {"id": 1}}}', "expected an array"),
    ],
)
def test_runpod_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_gpu_types(body, ctx("runpod.gpu_types", "runpod"))


# --- Vast.ai ----------------------------------------------------------------------------------------


def test_vastai_groups_hosts_into_statistics(fixture_bytes: Any, ctx: Any) -> None:
    result = offers(parse_offers(fixture_bytes("vastai/bundles.json"), ctx("vastai.offers", "vastai")))
    by_key = {(o.sku, o.region, o.billing): o for o in result}
    rtx = by_key[("NVIDIA RTX 4090 24GB/1x", "SE", "marketplace")]
    # dph_total of the four single-4090 hosts in SE: 0.29, 0.35, 0.41, 0.52
    assert rtx.price_hourly == Decimal("0.35")
    assert rtx.extra["min"] == "0.29" and rtx.extra["p25"] == "0.29" and rtx.extra["median"] == "0.35"
    assert rtx.extra["count"] == 4
    assert (rtx.gpu_model, rtx.gpu_count, rtx.category, rtx.currency) == (
        "NVIDIA RTX 4090 24GB",
        Decimal(1),
        "gpu",
        "USD",
    )
    spot = by_key[("NVIDIA RTX 4090 24GB/1x", "SE", "spot")]
    assert spot.extra["count"] == 3 and spot.price_hourly == Decimal("0.2")  # one host publishes no min_bid
    h100 = by_key[("NVIDIA H100 80GB/8x", "US", "marketplace")]
    assert (h100.extra["count"], h100.extra["min"], h100.price_hourly) == (2, "17.6", Decimal("17.6"))
    assert by_key[("NVIDIA A100 40GB/1x", "CA", "marketplace")].price_hourly == Decimal("0.75")
    assert by_key[("NVIDIA A100 80GB/1x", "unknown", "marketplace")].gpu_memory_gb == Decimal(80)
    assert len([o for o in result if o.billing == "marketplace"]) == 5  # 9 hosts -> 5 groups


def test_vastai_helpers_and_request() -> None:
    assert (country("Sweden, SE"), country("SE"), country(None), country("Texas,  US")) == (
        "SE",
        "SE",
        "unknown",
        "US",
    )
    values = [Decimal(v) for v in ("1", "2", "3", "4", "5")]
    assert (nearest_rank(values, 25), nearest_rank(values, 50), nearest_rank(values, 100)) == (
        Decimal(2),
        Decimal(3),
        Decimal(5),
    )
    spec = get_source("vastai.offers")
    assert (spec.method, spec.url, spec.credential) == (
        "POST",
        "https://console.vast.ai/api/v0/bundles/",
        None,
    )
    assert spec.json == SEARCH
    assert SEARCH["rentable"] == {"eq": True} and SEARCH["rented"] == {"eq": False} and SEARCH["limit"] > 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<html>maintenance</html>", "HTML"),
        (b'{"offers": []}', "no offers"),
        (b'{"bundles": []}', "expected an array"),
        (b'{"offers": [{"num_gpus": 1, "dph_total": 0.3}]}', "gpu_name"),
        (b'{"offers": [{"gpu_name": "RTX 4090", "num_gpus": 1}]}', "dph_total"),
        (b'{"offers": [{"gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": "n/a"}]}', "should be a number"),
        (b'{"offers": [{"gpu_name": "RTX 4090", "num_gpus": 0, "dph_total": 0.3}]}', "positive"),
        (b'{"offers": [{"gpu_name": "RTX 4090", "num', "(truncated|malformed) JSON"),
    ],
)
def test_vastai_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_offers(body, ctx("vastai.offers", "vastai"))


# --- SkyPilot ---------------------------------------------------------------------------------------


def test_skypilot_lambda_real_excerpt(reference: Any, ctx: Any) -> None:
    body = (reference / "pricing" / "lambda_skypilot_catalog_vms_excerpt.csv").read_bytes()
    result = {o.sku: o for o in offers(parse_vms(body, ctx("skypilot.lambda", "lambda")))}
    assert set(result) == {"cpu_4x_general", "gpu_8x_v100", "gpu_4x_a6000", "gpu_1x_a6000", "gpu_8x_a100"}
    v100 = result["gpu_8x_v100"]
    assert (v100.price_hourly, v100.price_monthly, v100.region, v100.competitor) == (
        Decimal("4.4"),
        Decimal("3212"),
        "europe-central-1",
        "lambda",
    )
    assert (v100.gpu_model, v100.gpu_count, v100.vcpu, v100.ram_gb) == (
        "NVIDIA V100 16GB",
        Decimal(8),
        Decimal(92),
        Decimal(448),
    )
    assert result["gpu_4x_a6000"].gpu_model == "NVIDIA RTX A6000 48GB"
    assert result["gpu_8x_a100"].gpu_model == "NVIDIA A100 40GB"  # SizeInMiB 40960
    assert result["gpu_8x_a100"].price_hourly == Decimal("10.32")
    assert (result["cpu_4x_general"].category, result["cpu_4x_general"].gpu_model) == ("vps", None)
    assert all(o.billing == "on_demand" for o in result.values())  # no SpotPrice in Lambda rows


def test_skypilot_runpod_real_excerpt(reference: Any, ctx: Any) -> None:
    body = (reference / "pricing" / "runpod_skypilot_catalog_vms_excerpt.csv").read_bytes()
    result = {
        (o.sku, o.region, o.billing): o for o in offers(parse_vms(body, ctx("skypilot.runpod", "runpod")))
    }
    one = result[("1x_A100-80GB_SECURE", "EU-CZ-1", "on_demand")]
    assert (one.price_hourly, one.gpu_model, one.gpu_count, one.vcpu, one.ram_gb, one.extra["country"]) == (
        Decimal("1.64"),
        "NVIDIA A100 80GB",
        Decimal(1),
        Decimal(8),
        Decimal(80),
        "CZ",
    )
    assert result[("1x_A100-80GB_SECURE", "EU-CZ-1", "spot")].price_hourly == Decimal("1.19")
    assert result[("8x_A100-80GB_SECURE", "EU-RO-1", "on_demand")].price_hourly == Decimal("12.96")
    assert result[("8x_A100-80GB_SECURE", "EU-RO-1", "spot")].price_hourly == Decimal("9.52")
    sxm = result[("1x_A100-80GB-SXM_SECURE", "EU-SE-1", "on_demand")]
    assert (sxm.price_hourly, sxm.gpu_model) == (Decimal("1.89"), "NVIDIA A100 80GB")
    assert ("1x_A100-80GB-SXM_SECURE", "EU-SE-1", "spot") not in result  # empty SpotPrice
    assert len(result) == 9


def test_skypilot_own_fixtures_and_competitor_guess(fixture_bytes: Any, ctx: Any) -> None:
    lam = offers(parse_vms(fixture_bytes("skypilot/lambda_vms.csv"), ctx("cli", None)))
    assert {o.competitor for o in lam} == {"lambda"}
    assert {(o.sku, o.region) for o in lam if o.sku == "gpu_1x_a10"} == {
        ("gpu_1x_a10", "europe-central-1"),
        ("gpu_1x_a10", "us-east-1"),
    }
    run = offers(parse_vms(fixture_bytes("skypilot/runpod_vms.csv"), ctx("cli", None)))
    assert {o.competitor for o in run} == {"runpod"}
    h100 = next(o for o in run if o.sku == "8x_H100-SXM_SECURE" and o.billing == "on_demand")
    assert (h100.gpu_model, h100.gpu_count, h100.price_hourly) == (
        "NVIDIA H100 80GB",
        Decimal(8),
        Decimal("23.92"),
    )


def test_skypilot_sources() -> None:
    for cloud in ("lambda", "runpod"):
        spec = get_source(f"skypilot.{cloud}")
        assert spec.competitor == cloud and spec.credential is None
        assert (
            spec.url
            == f"https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/{cloud}/vms.csv"
        )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html>404: Not Found</html>", "HTML or JSON"),
        (b"InstanceType,Price\ngpu_1x_a10,0.75\n", "header lacks"),
        (
            b"InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region\ngpu_1x_a10,A10,1.0,30.0",
            "wrong number of columns",
        ),
        (
            b"InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region\ngpu_1x_a10,A10,1.0,30.0,200,abc,r\n",
            "should be a number",
        ),
        (b"InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region\n", "no priced row"),
        (b"\xff\xfe\x00I\x00n", "not UTF-8"),
    ],
)
def test_skypilot_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_vms(body, ctx("skypilot.lambda", "lambda"))


def test_fixture_json_files_are_valid(fixture_bytes: Any) -> None:
    for name in ("lambda/instance_types.json", "runpod/gpu_types.json", "vastai/bundles.json"):
        assert json.loads(fixture_bytes(name))
