"""Vast.ai marketplace: price statistics per GPU model, GPU count and country, never every host.

``POST https://console.vast.ai/api/v0/bundles/`` with a JSON filter (``rentable`` true, ``rented``
false, a ``limit``); no auth for search. The answer is ``{"offers": [{id, gpu_name, num_gpus,
gpu_ram (MB), cpu_cores, cpu_cores_effective, cpu_ram (MB), disk_space, geolocation, reliability2,
dph_total, dph_base, min_bid, ...}]}``. ``dph_total`` (USD per hour, storage included) is what a
renter pays; ``min_bid`` is the interruptible floor.

``vastai.offers`` groups the offers by (canonical GPU model, ``num_gpus``, country of
``geolocation`` such as "Sweden, SE" -> ``SE``) and returns ONE ``billing="marketplace"`` offer per
group priced at the median ``dph_total``, with ``extra`` = ``min``, ``p25``, ``median`` (decimal
strings) and ``count``; and, where hosts publish ``min_bid``, one ``billing="spot"`` offer with the
same statistics of ``min_bid``. Percentiles use the nearest-rank method. No real payload was
available: the shape follows Vast.ai's API docs and gpuhunt; unknown fields are ignored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.normalise.units import clean, to_decimal
from veille.observations import HOURS_PER_MONTH, Observation, Offer
from veille.sources._price_json import fail, guarded, load_json, mapping, sequence
from veille.sources._registry import ParseContext, parser

PARSER_ID = "vastai.offers"
URL = "https://console.vast.ai/api/v0/bundles/"
SEARCH = {
    "rentable": {"eq": True},
    "rented": {"eq": False},
    "order": [["score", "desc"]],
    "limit": 5000,
}
_MB_PER_GB = Decimal(1024)


def country(geolocation: Any) -> str:
    """``"Sweden, SE"`` -> ``"SE"``; ``"SE"`` -> ``"SE"``; missing -> ``"unknown"``."""
    if not isinstance(geolocation, str) or not geolocation.strip():
        return "unknown"
    last = geolocation.rsplit(",", 1)[-1].strip()
    return last.upper() if len(last) == 2 and last.isalpha() else last


def nearest_rank(sorted_values: Sequence[Decimal], percent: int) -> Decimal:
    """The nearest-rank percentile of already sorted values (p50 of [1, 2, 3, 4] is 2)."""
    rank = max(1, math.ceil(percent * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def _stats(values: list[Decimal]) -> dict[str, Any]:
    values.sort()
    return {
        "min": str(values[0]),
        "p25": str(nearest_rank(values, 25)),
        "median": str(nearest_rank(values, 50)),
        "count": len(values),
    }


def _number(offer: Mapping[str, Any], key: str, where: str, required: bool = False) -> Decimal | None:
    value = offer.get(key)
    if value is None:
        if required:
            fail(PARSER_ID, f"{where}: missing field {key!r}")
        return None
    try:
        return to_decimal(value)
    except ValueError:
        fail(PARSER_ID, f"{where}: field {key!r} should be a number, got {value!r}")
    return None  # pragma: no cover - fail() raises


@parser(PARSER_ID, reads="Vast.ai bundles search answer (JSON offers[])")
@guarded(PARSER_ID)
def parse_offers(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Marketplace statistics (min / p25 / median of dph_total, and of min_bid) per GPU, count and country."""
    document = mapping(load_json(body, PARSER_ID), PARSER_ID, "document")
    offers = sequence(document.get("offers"), PARSER_ID, "offers")
    if not offers:
        fail(PARSER_ID, "no offers in the answer (an empty marketplace is not believable)")
    totals: dict[tuple[str, Decimal, str], list[Decimal]] = defaultdict(list)
    bids: dict[tuple[str, Decimal, str], list[Decimal]] = defaultdict(list)
    names: dict[tuple[str, Decimal, str], str] = {}
    for index, raw in enumerate(offers):
        offer = mapping(raw, PARSER_ID, f"offers[{index}]")
        where = f"offers[{index}]"
        gpu_name = offer.get("gpu_name")
        if not isinstance(gpu_name, str) or not gpu_name.strip():
            fail(PARSER_ID, f"{where}: missing field 'gpu_name'")
        count = _number(offer, "num_gpus", where, required=True)
        price = _number(offer, "dph_total", where, required=True)
        if not count or count <= 0 or price is None or price <= 0:
            continue
        memory_mb = _number(offer, "gpu_ram", where)
        model = canonical_gpu(gpu_name, memory_mb / _MB_PER_GB if memory_mb else None)
        key = (model, clean(count), country(offer.get("geolocation")))
        totals[key].append(price)
        names.setdefault(key, gpu_name)
        bid = _number(offer, "min_bid", where)
        if bid is not None and bid > 0:
            bids[key].append(bid)
    competitor = ctx.competitor or "vastai"
    results: list[Observation] = []
    for billing, groups in (("marketplace", totals), ("spot", bids)):
        for (model, count, region), values in sorted(groups.items()):
            stats = _stats(values)
            median = Decimal(stats["median"])
            results.append(
                Offer(
                    competitor=competitor,
                    sku=f"{model}/{count}x",
                    name=f"{count}x {model}",
                    category="gpu",
                    currency="USD",
                    price_hourly=median,
                    price_monthly=clean(median * HOURS_PER_MONTH),
                    gpu_model=model,
                    gpu_count=count,
                    gpu_memory_gb=gpu_memory_gb(model),
                    region=region,
                    billing=billing,
                    extra=stats | {"vast_gpu_name": names[(model, count, region)]},
                )
            )
    if not results:
        fail(PARSER_ID, f"none of the {len(offers)} offers has a positive dph_total and num_gpus")
    return results
