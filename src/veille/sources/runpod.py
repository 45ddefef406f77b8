"""RunPod GPU pods: per-GPU prices from the public GraphQL API, secure and community clouds apart.

``POST https://api.runpod.io/graphql`` with ``{"query": GPU_TYPES_QUERY, "variables": {...}}``; no auth
for the pricing queries. The answer is ``{"data": {"gpuTypes": [{id, displayName, manufacturer,
memoryInGb, maxGpuCount, securePrice, communityPrice, secureSpotPrice, communitySpotPrice,
lowestPrice{minimumBidPrice, uninterruptablePrice, minVcpu, minMemory, stockStatus}}]}}``. GraphQL
errors come back as ``{"errors": [...]}`` with status 200 and become a ``ParseError``.

Prices are USD per GPU-hour. ``runpod.gpu_types`` returns, per GPU type and per count of 1, 2, 4 and 8
GPUs (up to ``maxGpuCount``), the per-GPU price x count as separate offers for the secure cloud
(``sku`` ``<id>/<n>x/secure``) and the community cloud (``.../community``), each on demand and, where
a spot price exists, ``billing="spot"`` (``secureSpotPrice`` / ``communitySpotPrice``, else
``lowestPrice.minimumBidPrice``). Prices are global (``region`` null): the per-datacenter queries of
gpuhunt are left for later. ``lowestPrice.stockStatus`` gives an ``Availability`` per type. No real
payload was available: the shape follows RunPod's API docs and gpuhunt; unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.normalise.units import clean
from veille.observations import HOURS_PER_MONTH, Availability, Observation, Offer
from veille.sources._price_json import (
    fail,
    guarded,
    load_json,
    mapping,
    optional_decimal,
    sequence,
    text_field,
)
from veille.sources._registry import ParseContext, parser

PARSER_ID = "runpod.gpu_types"
URL = "https://api.runpod.io/graphql"
GPU_COUNTS = (1, 2, 4, 8)
GPU_TYPES_QUERY = """query GpuTypes($lowestPriceInput: GpuLowestPriceInput) {
  gpuTypes {
    id
    displayName
    manufacturer
    memoryInGb
    maxGpuCount
    securePrice
    communityPrice
    secureSpotPrice
    communitySpotPrice
    lowestPrice(input: $lowestPriceInput) {
      minimumBidPrice
      uninterruptablePrice
      minVcpu
      minMemory
      stockStatus
    }
  }
}"""
QUERY_BODY = {"query": GPU_TYPES_QUERY, "variables": {"lowestPriceInput": {"gpuCount": 1}}}


def _offer(
    competitor: str,
    gpu: Mapping[str, Any],
    model: str,
    count: int,
    cloud: str,
    billing: str,
    per_gpu: Decimal,
) -> Offer:
    hourly = clean(per_gpu * count)
    lowest = gpu.get("lowestPrice") if isinstance(gpu.get("lowestPrice"), dict) else {}
    extra: dict[str, Any] = {"cloud": cloud, "price_per_gpu": str(clean(per_gpu))}
    if count == 1 and isinstance(lowest, dict):  # lowestPrice was asked for one GPU
        extra |= {k: lowest[k] for k in ("minVcpu", "minMemory") if lowest.get(k) is not None}
    return Offer(
        competitor=competitor,
        sku=f"{gpu['id']}/{count}x/{cloud}",
        name=f"{count}x {gpu.get('displayName') or gpu['id']} ({cloud} cloud)",
        category="gpu",
        currency="USD",
        price_hourly=hourly,
        price_monthly=clean(hourly * HOURS_PER_MONTH),
        gpu_model=model,
        gpu_count=Decimal(count),
        gpu_memory_gb=gpu_memory_gb(model),
        region=None,
        billing=billing,
        extra=extra,
    )


@parser(PARSER_ID, reads="RunPod GraphQL answer to the gpuTypes query (JSON)")
@guarded(PARSER_ID)
def parse_gpu_types(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Secure and community offers (on demand and spot) per GPU type and count, plus stock status."""
    document = mapping(load_json(body, PARSER_ID), PARSER_ID, "document")
    if document.get("errors"):
        first = document["errors"][0] if isinstance(document["errors"], list) else document["errors"]
        message = first.get("message") if isinstance(first, dict) else first
        fail(PARSER_ID, f"GraphQL error: {str(message)[:300]}")
    data = mapping(document.get("data"), PARSER_ID, "data")
    gpu_types = sequence(data.get("gpuTypes"), PARSER_ID, "data.gpuTypes")
    competitor = ctx.competitor or "runpod"
    observations: list[Observation] = []
    for index, raw in enumerate(gpu_types):
        gpu = mapping(raw, PARSER_ID, f"gpuTypes[{index}]")
        gpu_id = text_field(gpu, "id", PARSER_ID, f"gpuTypes[{index}]")
        where = f"gpuTypes[{index}] ({gpu_id})"
        if gpu_id.lower() == "unknown":
            continue
        for field in ("securePrice", "communityPrice"):
            if field not in gpu:
                fail(PARSER_ID, f"{where}: missing field {field!r} (was the query changed?)")
        model = canonical_gpu(gpu_id, optional_decimal(gpu, "memoryInGb", PARSER_ID, where))
        max_count = optional_decimal(gpu, "maxGpuCount", PARSER_ID, where) or Decimal(1)
        lowest = gpu.get("lowestPrice") if isinstance(gpu.get("lowestPrice"), dict) else {}
        bid = optional_decimal(lowest, "minimumBidPrice", PARSER_ID, where) if lowest else None
        prices = {
            ("secure", "on_demand"): optional_decimal(gpu, "securePrice", PARSER_ID, where),
            ("community", "on_demand"): optional_decimal(gpu, "communityPrice", PARSER_ID, where),
            ("secure", "spot"): optional_decimal(gpu, "secureSpotPrice", PARSER_ID, where) or bid,
            ("community", "spot"): optional_decimal(gpu, "communitySpotPrice", PARSER_ID, where),
        }
        for (cloud, billing), per_gpu in prices.items():
            if per_gpu is None or per_gpu <= 0:
                continue
            for count in GPU_COUNTS:
                if count <= max_count:
                    observations.append(_offer(competitor, gpu, model, count, cloud, billing, per_gpu))
        if lowest is not None and "stockStatus" in lowest:
            status = str(lowest.get("stockStatus") or "unavailable").lower()
            observations.append(Availability(competitor, gpu_id, None, status))
    if gpu_types and not any(isinstance(o, Offer) for o in observations):
        fail(PARSER_ID, f"none of the {len(gpu_types)} GPU types has a price")
    if not gpu_types:
        fail(PARSER_ID, "data.gpuTypes is empty")
    return observations
