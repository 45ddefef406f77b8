"""DigitalOcean: Droplet sizes from API v2, including GPU Droplets (the former Paperspace line).

Reads ``GET https://api.digitalocean.com/v2/sizes?per_page=200`` (Bearer token,
``VEILLE_DIGITALOCEAN_TOKEN``), following ``links.pages.next`` (``meta.total`` counts the sizes).
Prices are USD, net of tax, the same in every region (``regions[]`` only says where a size can be
deployed, so one offer per size with the regions in ``extra``); ``price_monthly`` is a cap at 672 hours
(``monthly_cap_hours = 672``). ``memory`` is in MiB (reported in binary GB: 4096 -> 4), ``disk`` in GB,
``transfer`` in TB per month. GPU Droplets carry ``gpu_info{count, model, vram{amount, unit}}`` and only
show up for teams with GPU access: the list depends on the account. ``vram`` is the size's total,
divided by ``count`` for the per-GPU memory. ``available`` is kept on the offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from veille.normalise.categories import categorise
from veille.normalise.units import clean, mib_to_gb, to_decimal
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
    with_query,
)
from veille.sources._registry import ParseContext, Request, paginator, parser

COMPETITOR = "digitalocean"
MONTHLY_CAP_HOURS = Decimal(672)
_VRAM_UNITS = {"gib": Decimal(1), "gb": Decimal(1), "mib": Decimal(1) / Decimal(1024), "tib": Decimal(1024)}


@paginator("digitalocean.links")
def paginate_links(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Next page from ``links.pages.next`` (absent on the last page)."""
    document = obj(load_json(body, "digitalocean.sizes"))
    next_link = obj(obj(document.get("links")).get("pages")).get("next")
    if not isinstance(next_link, str) or not next_link:
        return None
    following = with_query(request, next_link, keep=("per_page",))
    return None if dict(following.params) == dict(request.params) else following  # a link to itself ends it


@parser("digitalocean.sizes", reads="DigitalOcean API /v2/sizes (one page), JSON")
@guarded("digitalocean.sizes")
def parse_sizes(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "digitalocean.sizes"
    document = mapping(load_json(body, pid), pid, "document")
    sizes = sequence(document.get("sizes"), pid, "sizes")
    if not sizes:
        fail(pid, "no sizes in the document; is this /v2/sizes (and does the token see any)?")
    offers: list[Observation] = []
    for raw in sizes:
        size = mapping(raw, pid, "size")
        slug = text_field(size, "slug", pid, "size")
        where = f"size {slug!r}"
        gpu_info = obj(size.get("gpu_info"))
        gpu = {}
        if gpu_info:
            vram = obj(gpu_info.get("vram"))
            amount = optional_decimal(vram, "amount", pid, f"{where} gpu_info.vram")
            count = decimal_field(gpu_info, "count", pid, f"{where} gpu_info")
            per_gpu = None
            if amount is not None and count > 0:
                factor = _VRAM_UNITS.get(str(vram.get("unit", "gib")).lower())
                if factor is None:
                    fail(pid, f"{where}: unknown gpu_info.vram.unit {vram.get('unit')!r}")
                per_gpu = clean(amount * factor / count)  # vram is the size's total
            gpu = gpu_fields(text_field(gpu_info, "model", pid, f"{where} gpu_info"), count, per_gpu)
        offers.append(
            Offer(
                competitor=COMPETITOR,
                sku=slug,
                name=slug,
                category=categorise(gpu_count=gpu.get("gpu_count")),
                currency="USD",
                price_hourly=clean(decimal_field(size, "price_hourly", pid, where)),
                price_monthly=clean(decimal_field(size, "price_monthly", pid, where)),
                vcpu=decimal_field(size, "vcpus", pid, where),
                ram_gb=mib_to_gb(decimal_field(size, "memory", pid, where)),
                disk_gb=clean(to_decimal(size.get("disk") or 0)) or None,
                arch="x86_64",
                monthly_cap_hours=MONTHLY_CAP_HOURS,
                available=bool(size.get("available")),
                extra={
                    "description": size.get("description"),
                    "regions": list(size.get("regions") or ()),
                    "transfer_tb": str(size.get("transfer")) if size.get("transfer") is not None else None,
                    "networking_throughput_mbps": size.get("networking_throughput"),
                },
                **gpu,
            )
        )
    return offers
