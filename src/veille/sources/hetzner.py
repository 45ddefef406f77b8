"""Hetzner: Cloud API server types (prices per location) and the dedicated Server Auction feed.

Reads ``GET https://api.hetzner.cloud/v1/server_types`` (Bearer project token, a read-only token on
an empty project is enough; ``VEILLE_HETZNER_TOKEN``), paged by ``page``/``per_page`` with
``meta.pagination.next_page``. Each type carries ``prices[]`` per location with ``net`` and ``gross``
decimal strings for ``price_hourly`` and ``price_monthly``: the net figures are kept (EUR, the
project owner's currency), one offer per type and location, and the monthly price is a cap
(``monthly_cap_hours = monthly / hourly``, about 611 to 633 h). ``memory`` and ``disk`` are in GB;
``deprecation`` (announced, unavailable after) goes to ``extra``. ``/v1/pricing`` (same token) adds the
volume price per GB-month (a ``block_storage`` offer) and primary IPs per location. Also reads the Server Auction feed
``GET https://www.hetzner.com/_resources/app/data/app/live_data_sb.json`` (no auth, undocumented):
hundreds of one-off second-hand servers whose ``price`` (EUR/month, net) drops over time on purpose,
so it is summarised as a marketplace (``billing="marketplace"``): one offer per configuration (CPU,
RAM and whether it is ECC, every disk, the GPU a description line names: "GPU - GeForce GTX 1080")
and location with the minimum price, and p25 / median / count in ``extra``. A server with a GPU is
in category ``gpu``.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from veille.normalise.categories import categorise
from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.normalise.units import cap_hours, clean, normalise_arch, to_decimal
from veille.observations import Observation, Offer
from veille.sources._price_json import (
    decimal_field,
    fail,
    guarded,
    load_json,
    mapping,
    obj,
    sequence,
    text_field,
    with_params,
)
from veille.sources._registry import ParseContext, Request, paginator, parser

COMPETITOR = "hetzner"
AUCTION_URL = "https://www.hetzner.com/_resources/app/data/app/live_data_sb.json"


@paginator("hetzner.meta")
def paginate_meta(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Next page from ``meta.pagination.next_page`` (null on the last page)."""
    document = obj(load_json(body, "hetzner.server_types"))
    next_page = obj(obj(document.get("meta")).get("pagination")).get("next_page")
    if not isinstance(next_page, int) or next_page <= int(request.params.get("page", "1")):
        return None
    return with_params(request, page=str(next_page))


def _net(price: Any, pid: str, where: str) -> Decimal:
    return clean(decimal_field(mapping(price, pid, where), "net", pid, where))


@parser("hetzner.server_types", reads="Hetzner Cloud API /v1/server_types (one page), JSON")
@guarded("hetzner.server_types")
def parse_server_types(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "hetzner.server_types"
    document = mapping(load_json(body, pid), pid, "document")
    types = sequence(document.get("server_types"), pid, "server_types")
    if not types:
        fail(pid, "no server_types in the document; is this /v1/server_types?")
    offers: list[Observation] = []
    for raw in types:
        server = mapping(raw, pid, "server type")
        name = text_field(server, "name", pid, "server type")
        where = f"server type {name!r}"
        prices = sequence(server.get("prices"), pid, f"{where} prices")
        deprecation = obj(server.get("deprecation"))
        for entry in prices:
            entry = mapping(entry, pid, f"{where} price")
            location = text_field(entry, "location", pid, f"{where} price")
            hourly = _net(entry.get("price_hourly"), pid, f"{where} {location} price_hourly")
            monthly = _net(entry.get("price_monthly"), pid, f"{where} {location} price_monthly")
            offers.append(
                Offer(
                    competitor=COMPETITOR,
                    sku=name,
                    name=str(server.get("description") or name),
                    category=categorise(),
                    currency="EUR",
                    price_hourly=hourly,
                    price_monthly=monthly,
                    vcpu=decimal_field(server, "cores", pid, where),
                    ram_gb=clean(decimal_field(server, "memory", pid, where)),
                    disk_gb=clean(decimal_field(server, "disk", pid, where)),
                    arch=normalise_arch(server.get("architecture")),
                    region=location,
                    monthly_cap_hours=cap_hours(monthly, hourly),
                    extra={
                        "cpu_type": server.get("cpu_type"),
                        "storage_type": server.get("storage_type"),
                        "included_traffic_bytes": entry.get("included_traffic"),
                        "price_per_tb_traffic": str(obj(entry.get("price_per_tb_traffic")).get("net") or "")
                        or None,
                        "deprecated": bool(server.get("deprecated")) or bool(deprecation),
                        "deprecation_announced": deprecation.get("announced"),
                        "unavailable_after": deprecation.get("unavailable_after"),
                    },
                )
            )
    if not offers:
        fail(pid, "server types carry no prices per location")
    return offers


@parser("hetzner.pricing", reads="Hetzner Cloud API /v1/pricing, JSON")
@guarded("hetzner.pricing")
def parse_pricing(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "hetzner.pricing"
    pricing = mapping(mapping(load_json(body, pid), pid, "document").get("pricing"), pid, "pricing")
    currency = text_field(pricing, "currency", pid, "pricing")
    common = {
        "vat_rate": pricing.get("vat_rate"),
        "backup_percentage": obj(pricing.get("server_backup")).get("percentage"),
    }
    per_gb = _net(
        obj(pricing.get("volume")).get("price_per_gb_month"), pid, "pricing.volume.price_per_gb_month"
    )
    offers: list[Observation] = [
        Offer(
            competitor=COMPETITOR,
            sku="volume",
            name="Volume (block storage)",
            category=categorise(storage="block"),
            currency=currency,
            price_hourly=None,
            price_monthly=per_gb,
            unit="GB-month",
            extra={**common, "per_tb_month": format(clean(per_gb * 1000), "f")},
        )
    ]
    for family in pricing.get("primary_ips") or ():
        kind = str(obj(family).get("type") or "")
        for entry in obj(family).get("prices") or ():
            entry = mapping(entry, pid, f"primary_ips {kind} price")
            location = text_field(entry, "location", pid, f"primary_ips {kind} price")
            hourly = entry.get("price_hourly")
            per_hour = _net(hourly, pid, f"primary_ips {kind} {location}") if hourly else None
            per_month = _net(entry.get("price_monthly"), pid, f"primary_ips {kind} {location} price_monthly")
            offers.append(
                Offer(
                    competitor=COMPETITOR,
                    sku=f"primary_ip.{kind}",
                    name=f"Primary {kind.upper()}",
                    category=categorise(other=True),
                    currency=currency,
                    price_hourly=per_hour,
                    price_monthly=per_month,
                    region=location,
                    extra=common,
                    free_tier=per_month == 0 and not per_hour,  # a primary IPv6 is free
                )
            )
    return offers


_LOCATION = re.compile(r"^([A-Za-z]+\d*)")


def _quantile(values: list[Decimal], q: int) -> Decimal:
    """The q-th percentile (inclusive method) of sorted ``values``."""
    if len(values) == 1:
        return values[0]
    cut = statistics.quantiles(values, n=100, method="inclusive")[q - 1]
    return clean(Decimal(cut).quantize(Decimal("0.01")))


def _disk_label(kind: str, sizes: list[Decimal]) -> str:
    """ "2x512GB NVME", or every size when they differ: "2x250GB+1x1000GB SATA"."""
    counts: dict[Decimal, int] = defaultdict(int)
    for size in sizes:
        counts[size] += 1
    return "+".join(f"{n}x{clean(size)}GB" for size, n in sorted(counts.items())) + f" {kind.upper()}"


def _disks(server: Mapping[str, Any]) -> tuple[str, Decimal]:
    """The full disk list of a server as a label, and the total capacity in GB."""
    data = obj(server.get("serverDiskData"))
    parts, total = [], Decimal(0)
    for kind in ("nvme", "sata", "hdd"):
        sizes = [to_decimal(s) for s in data.get(kind) or ()]
        if sizes:
            parts.append(_disk_label(kind, sizes))
            total += sum(sizes, Decimal(0))
    return " + ".join(parts) or "no disk", total


_GPU_LINE = re.compile(r"^\s*(?:(?P<count>\d{1,2})\s*x\s*)?GPU\s*-\s*(?P<model>\S.*)$", re.I)


def _gpu(server: Mapping[str, Any]) -> tuple[int, str | None]:
    """GPU count and canonical model from the description ("GPU - GeForce GTX 1080"); a server whose
    specials say "GPU" without naming it has one GPU of unknown model."""
    lines = server.get("description") or server.get("information") or ()
    count, model = 0, None
    for line in lines if isinstance(lines, list) else ():
        found = _GPU_LINE.match(str(line))
        if found:
            count += int(found.group("count") or 1)
            model = model or canonical_gpu(found.group("model"))
    specials = server.get("specials") or ()
    if count == 0 and isinstance(specials, list) and "GPU" in specials:
        count = 1
    return count, model


class _Config(NamedTuple):
    """What makes two auction servers the same machine, and where it is."""

    cpu: str
    ram: Decimal
    ecc: bool
    disks: str
    gpu_count: int
    gpu_model: str | None
    location: str


def _config(server: Mapping[str, Any], pid: str) -> _Config:
    where = f"server {server.get('id')!r}"
    datacenter = text_field(server, "datacenter", pid, where)
    match = _LOCATION.match(datacenter)
    gpu_count, gpu_model = _gpu(server)
    return _Config(
        cpu=text_field(server, "cpu", pid, where),
        ram=decimal_field(server, "ram_size", pid, where),
        ecc=server.get("is_ecc") is True,
        disks=_disks(server)[0],
        gpu_count=gpu_count,
        gpu_model=gpu_model,
        location=(match.group(1) if match else datacenter).lower(),
    )


def _gpu_label(config: _Config) -> str:
    return f"{config.gpu_count}x {config.gpu_model or 'GPU'}" if config.gpu_count else ""


def _auction_offer(config: _Config, members: list[tuple[Decimal, Mapping[str, Any]]]) -> Offer:
    """One marketplace offer for the servers of one configuration and location."""
    members.sort(key=lambda m: m[0])
    prices = [p for p, _ in members]
    cheapest = members[0][1]
    _, disk_total = _disks(cheapest)
    hourly = cheapest.get("hourly_price")
    gpu = _gpu_label(config)
    described = [
        f"{clean(config.ram)} GB" + (" ECC" if config.ecc else ""),
        config.disks,
        *([gpu] if gpu else []),
    ]
    return Offer(
        competitor=COMPETITOR,
        sku="|".join(
            [f"auction:{config.cpu}", f"{clean(config.ram)}GB", config.disks]
            + ([gpu] if gpu else [])
            + (["ECC"] if config.ecc else [])
        ),
        name=", ".join([f"Server Auction {config.cpu}", *described]),
        category=categorise(gpu_count=config.gpu_count, dedicated=True),
        currency="EUR",
        price_hourly=clean(to_decimal(hourly)) if hourly is not None else None,
        price_monthly=prices[0],
        vcpu=None,
        ram_gb=clean(config.ram),
        disk_gb=clean(disk_total) if disk_total else None,
        gpu_model=config.gpu_model,
        gpu_count=Decimal(config.gpu_count) if config.gpu_count else None,
        gpu_memory_gb=gpu_memory_gb(config.gpu_model),
        arch="x86_64" if re.search(r"intel|amd|xeon|ryzen|epyc|core", config.cpu, re.I) else None,
        region=config.location,
        billing="marketplace",
        unit="month",
        extra={
            "cpu": config.cpu,
            "ecc": config.ecc,
            "count": len(prices),
            "min": format(prices[0], "f"),
            "p25": format(_quantile(prices, 25), "f"),
            "median": format(clean(Decimal(statistics.median(prices)).quantize(Decimal("0.01"))), "f"),
            "cheapest_id": cheapest.get("id"),
            "setup_price": str(cheapest.get("setup_price", "")) or None,
            "next_reduce_timestamp": cheapest.get("next_reduce_timestamp"),
            "datacenters": sorted({str(s.get("datacenter")) for _, s in members}),
        },
    )


@parser("hetzner.auction", reads="Hetzner Server Auction feed live_data_sb.json, JSON")
@guarded("hetzner.auction")
def parse_auction(body: bytes, ctx: ParseContext) -> list[Observation]:
    """One offer per configuration (CPU, RAM and ECC, every disk, GPU) and location."""
    pid = "hetzner.auction"
    document = load_json(body, pid)
    servers = document.get("server") if isinstance(document, Mapping) else document
    servers = sequence(servers, pid, "server")
    if not servers:
        fail(pid, "no servers in the auction feed; is this live_data_sb.json?")
    groups: dict[_Config, list[tuple[Decimal, Mapping[str, Any]]]] = defaultdict(list)
    for raw in servers:
        server = mapping(raw, pid, "server")
        price = clean(decimal_field(server, "price", pid, f"server {server.get('id')!r}"))
        groups[_config(server, pid)].append((price, server))
    ordered = sorted(groups.items(), key=lambda kv: (kv[0].location, str(kv[0])))
    return [_auction_offer(config, members) for config, members in ordered]
