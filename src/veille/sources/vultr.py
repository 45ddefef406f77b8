"""Vultr: public plan lists of API v2, cloud instances (``/v2/plans``) and bare metal (``/v2/plans-metal``).

Reads ``GET https://api.vultr.com/v2/plans?type=all&per_page=500`` and
``GET https://api.vultr.com/v2/plans-metal?per_page=500`` (no auth), following the cursor
``meta.links.next`` (sent back as ``cursor``). Prices are USD, net: ``hourly_cost`` and
``monthly_cost``, the monthly figure capping the hourly bill (``monthly_cap_hours = monthly / hourly``);
``location_cost[region]`` overrides them per region and ``*_preemptible`` are the spot prices (a
separate offer with ``billing="spot"`` where ``deploy_preemptible`` allows it). One offer per plan and
location. ``ram`` is in MB (binary: 1024 -> 1 GB), ``disk`` in GB. Cloud GPU plans (``vcg``) can be
fractional: ``gpu_count`` like ``"1/8"`` or derived from ``gpu_vram_gb`` (the plan's total VRAM) and the
card's memory; Dedicated Metal GPU plans (``vdm``) omit the GPU fields, so a small manual map from the
public pricing page fills them. Block storage, traffic overage and IPv4 are not in the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from veille.normalise.categories import categorise
from veille.normalise.units import cap_hours, clean, mib_to_gb, parse_fraction, to_decimal
from veille.observations import Observation, Offer
from veille.sources._price_json import (
    decimal_field,
    fail,
    gpu_fields,
    guarded,
    load_json,
    mapping,
    obj,
    optional_decimal,
    sequence,
    text_field,
    with_params,
)
from veille.sources._registry import ParseContext, Request, paginator, parser

COMPETITOR = "vultr"

# Dedicated Metal GPU plans list no GPU fields (https://www.vultr.com/pricing/): model and count per plan.
METAL_GPUS: dict[str, tuple[str, int]] = {
    "vcg-a16-96c-878g-256vram": ("NVIDIA A16", 16),
    "vcg-a100-96c-896g-320vram": ("NVIDIA A100 80GB", 4),
    "vcg-h100-216c-1914gb-640vram": ("NVIDIA H100 80GB", 8),
    "vcg-b200-248c-2826g-1536vram": ("NVIDIA B200 192GB", 8),
    "vcg-mi325x-252c-2872g-1536vram": ("AMD MI325X 256GB", 6),
    "vcg-mi355x-252c-2872g-2304vram": ("AMD MI355X 288GB", 8),
}
# Bare-metal GPU plan ids name their GPUs: vbm-112c-2048gb-8-h100-gpu = 8 x H100.
_METAL_ID_GPU = re.compile(r"-(\d+)-([a-z0-9]+)-gpu$")


@paginator("vultr.cursor")
def paginate_cursor(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Next page from the cursor ``meta.links.next`` (empty on the last page)."""
    document = obj(load_json(body, "vultr.plans"))
    cursor = obj(obj(document.get("meta")).get("links")).get("next")
    if not isinstance(cursor, str) or not cursor or cursor == request.params.get("cursor"):
        return None
    return with_params(request, cursor=cursor)


HOURLY = timedelta(hours=1)


def _gpu(plan: Mapping[str, Any], pid: str, where: str) -> dict[str, Any]:
    plan_id = str(plan.get("id"))
    gpu_type = plan.get("gpu_type")
    if not gpu_type:
        if plan_id in METAL_GPUS:
            model, cards = METAL_GPUS[plan_id]
            return gpu_fields(model, Decimal(cards))
        match = _METAL_ID_GPU.search(plan_id)
        if match:
            return gpu_fields(match.group(2), Decimal(match.group(1)))
        return {}
    label = str(gpu_type).replace("_", " ")
    vram = optional_decimal(plan, "gpu_vram_gb", pid, where)
    count = Decimal(1)
    if plan.get("gpu_count") is not None:
        try:
            count = parse_fraction(plan["gpu_count"])
        except ValueError:
            fail(pid, f"{where}: gpu_count should be a number or a fraction, got {plan['gpu_count']!r}")
    elif vram is not None:
        # No count: a plan with less VRAM than one card gets that share of the card.
        card_memory = gpu_fields(label, Decimal(1)).get("gpu_memory_gb")
        if card_memory and vram < card_memory:
            count = clean(vram / card_memory)
    if count <= 0:
        fail(pid, f"{where}: gpu_count must be positive")
    if count < 1:
        fields = gpu_fields(label, count, clean(vram / count) if vram is not None else None)
        if vram is not None:
            fields["gpu_memory_gb"] = clean(vram)  # the VRAM the fraction actually gets
        return fields
    return gpu_fields(label, count, clean(vram / count) if vram is not None else None)


def _offers(plan: Mapping[str, Any], pid: str, metal: bool) -> list[Offer]:
    plan_id = text_field(plan, "id", pid, "plan")
    where = f"plan {plan_id!r}"
    locations = sequence(plan.get("locations"), pid, f"{where} locations")
    gpu = _gpu(plan, pid, where)
    vcpu = plan.get("vcpu_count") if not metal else plan.get("cpu_threads") or plan.get("cpu_count")
    common: dict[str, Any] = {
        "competitor": COMPETITOR,
        "sku": plan_id,
        "name": plan_id,
        "category": categorise(gpu_count=gpu.get("gpu_count"), bare_metal=metal or plan.get("type") == "vdm"),
        "currency": "USD",
        "vcpu": to_decimal(vcpu) if vcpu is not None else None,
        "ram_gb": mib_to_gb(decimal_field(plan, "ram", pid, where)),
        "disk_gb": clean(to_decimal(plan.get("disk") or 0) * to_decimal(plan.get("disk_count") or 1)) or None,
        "arch": "arm64" if "grace" in str(plan.get("cpu_model", "")).lower() else "x86_64",
        **gpu,
    }
    extra = {
        "type": plan.get("type"),
        "cpu_model": plan.get("cpu_model"),
        "bandwidth_gb": plan.get("bandwidth"),
        "cpu_vendor": plan.get("cpu_vendor"),
    }
    overrides = obj(plan.get("location_cost"))
    on_demand = plan.get("deploy_ondemand", True) is not False
    preemptible = bool(plan.get("deploy_preemptible")) and plan.get("hourly_cost_preemptible") is not None
    offers: list[Offer] = []
    for location in locations:
        region = str(location)
        prices = {**plan, **obj(overrides.get(region))}
        kinds = [("on_demand", "")] if on_demand else []
        if preemptible:
            kinds.append(("spot", "_preemptible"))
        for billing, suffix in kinds:
            monthly = optional_decimal(prices, f"monthly_cost{suffix}", pid, f"{where} {region}")
            hourly = optional_decimal(prices, f"hourly_cost{suffix}", pid, f"{where} {region}")
            if monthly is None and hourly is None:
                fail(pid, f"{where}: no monthly_cost{suffix} nor hourly_cost{suffix}")
            offers.append(
                Offer(
                    **common,
                    price_hourly=clean(hourly) if hourly is not None else None,
                    price_monthly=clean(monthly) if monthly is not None else None,
                    region=region,
                    billing=billing,
                    monthly_cap_hours=cap_hours(monthly, hourly),
                    extra=extra,
                )
            )
    return offers


def _parse(body: bytes, pid: str, key: str, metal: bool) -> list[Observation]:
    document = mapping(load_json(body, pid), pid, "document")
    plans = sequence(document.get(key), pid, key)
    offers: list[Observation] = []
    for plan in plans:
        offers.extend(_offers(mapping(plan, pid, "plan"), pid, metal))
    if not offers:
        fail(pid, f"no plans with a location in {key!r}; is this the right Vultr endpoint?")
    return offers


@parser("vultr.plans", reads="Vultr API /v2/plans (one page), JSON")
@guarded("vultr.plans")
def parse_plans(body: bytes, ctx: ParseContext) -> list[Observation]:
    return _parse(body, "vultr.plans", "plans", metal=False)


@parser("vultr.metal", reads="Vultr API /v2/plans-metal (one page), JSON")
@guarded("vultr.metal")
def parse_metal(body: bytes, ctx: ParseContext) -> list[Observation]:
    return _parse(body, "vultr.metal", "plans_metal", metal=True)
