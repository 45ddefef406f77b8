"""Lambda instance types: one USD price per instance type, valid in every region, and where it has capacity.

``GET https://cloud.lambda.ai/api/v1/instance-types`` (the former base was
``https://cloud.lambdalabs.com/api/v1``) with ``Authorization: Bearer <lambda_api_key>``; no
pagination. The answer is ``{"data": {NAME: {"instance_type": {name, description, gpu_description,
price_cents_per_hour, specs{vcpus, memory_gib, storage_gib, gpus}}, "regions_with_capacity_available":
[{name, description}]}}}``.

``lambda.instance_types`` returns one ``Offer`` per instance type (``region`` null: the price is the
same everywhere; ``price_cents_per_hour / 100`` USD) and one ``Availability`` per region with
capacity (``unavailable`` with a null region when none has). The GPU count and model come from
``description`` ("8x H100 (80 GB SXM5)"). No real payload of this API was available: the shape
follows Lambda's API docs; the parser needs ``instance_type.name``, ``price_cents_per_hour`` and
``description`` and ignores fields it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from veille.normalise.gpu import gpu_memory_gb, parse_gpu_description
from veille.normalise.units import clean
from veille.observations import HOURS_PER_MONTH, Availability, Observation, Offer
from veille.sources._price_json import (
    decimal_field,
    fail,
    guarded,
    load_json,
    mapping,
    optional_decimal,
    text_field,
)
from veille.sources._registry import ParseContext, parser

PARSER_ID = "lambda.instance_types"
URL = "https://cloud.lambda.ai/api/v1/instance-types"


def _gpu(description: str, gpus: Decimal | None, where: str) -> tuple[Decimal | None, str | None]:
    if gpus is not None and gpus == 0:
        return None, None
    try:
        count, model = parse_gpu_description(description)
    except ValueError:
        if gpus:
            fail(PARSER_ID, f"{where}: {gpus} GPUs but no GPU model in description {description!r}")
        return None, None
    if description.lower().startswith("cpu") or model.startswith("Unknown"):
        return None, None
    return (gpus or count), model


@parser(PARSER_ID, reads="Lambda Cloud API /instance-types (JSON)")
@guarded(PARSER_ID)
def parse_instance_types(body: bytes, ctx: ParseContext) -> list[Observation]:
    """One offer per instance type (global price) plus availability per region with capacity."""
    document = mapping(load_json(body, PARSER_ID), PARSER_ID, "document")
    if "error" in document and "data" not in document:
        fail(PARSER_ID, f"the API answered an error: {str(document['error'])[:300]}")
    data = mapping(document.get("data"), PARSER_ID, "data")
    if not data:
        fail(PARSER_ID, "'data' is empty: no instance types")
    competitor = ctx.competitor or "lambda"
    observations: list[Observation] = []
    for key, entry in data.items():
        where = f"data[{key!r}]"
        entry = mapping(entry, PARSER_ID, where)
        itype = mapping(entry.get("instance_type"), PARSER_ID, f"{where}.instance_type")
        name = text_field(itype, "name", PARSER_ID, where)
        cents = decimal_field(itype, "price_cents_per_hour", PARSER_ID, where)
        description = text_field(itype, "description", PARSER_ID, where)
        specs: Mapping[str, Any] = itype["specs"] if isinstance(itype.get("specs"), dict) else {}
        gpu_count, gpu_model = _gpu(description, optional_decimal(specs, "gpus", PARSER_ID, where), where)
        hourly = clean(cents / 100)
        observations.append(
            Offer(
                competitor=competitor,
                sku=name,
                name=description,
                category="gpu" if gpu_count else "vps",
                currency="USD",
                price_hourly=hourly,
                price_monthly=clean(hourly * HOURS_PER_MONTH),
                vcpu=optional_decimal(specs, "vcpus", PARSER_ID, where),
                ram_gb=optional_decimal(specs, "memory_gib", PARSER_ID, where),
                disk_gb=optional_decimal(specs, "storage_gib", PARSER_ID, where),
                gpu_model=gpu_model,
                gpu_count=gpu_count,
                gpu_memory_gb=gpu_memory_gb(gpu_model),
                arch="arm64" if "gh200" in name.lower() else "x86_64",
                region=None,
                extra={"gpu_description": itype.get("gpu_description")}
                if itype.get("gpu_description")
                else {},
            )
        )
        regions = entry.get("regions_with_capacity_available") or []
        if not isinstance(regions, list):
            fail(PARSER_ID, f"{where}.regions_with_capacity_available: expected an array")
        names = [r.get("name") for r in regions if isinstance(r, dict) and r.get("name")]
        for region in names:
            observations.append(Availability(competitor, name, str(region), "available"))
        if not names:
            observations.append(Availability(competitor, name, None, "unavailable"))
    return observations
