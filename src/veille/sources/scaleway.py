"""Scaleway: the public Product Catalog API (prices per zone) and the Instance API (types, stock levels).

Reads ``GET https://api.scaleway.com/product-catalog/v2alpha1/public-catalog/products`` with
``product_types=instance&zone=<zone>`` (no auth; ``page``/``page_size`` + ``total_count``), where each
product has ``price.retail_price{currency_code, units, nanos}`` = ``units + nanos/1e9`` per
``unit_of_measure{unit, size}``: the unit is ``hour`` for most types but ``minute`` for the L4 GPU
types (0.013125 EUR/min = 0.7875 EUR/h), so every price goes through the unit. RAM comes in bytes
and is reported in binary GB (4294967296 -> 4). Also reads the Instance API
``/instance/v1/zones/<zone>/products/servers`` (``hourly_price`` floats in EUR, ``monthly_price`` =
hourly x 730, no cap; ``end_of_service`` marks deprecated types; pages of 50 with ``Link`` and
``X-Total-Count`` headers) and its ``/availability`` (``available`` / ``scarce`` / ``shortage``, kept
as a separate signal). The Instance API documents an ``X-Auth-Token``, so those sources wait for
``VEILLE_SCALEWAY_TOKEN``. Prices are net of VAT.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from veille.normalise.categories import categorise
from veille.normalise.units import (
    bytes_to_gb,
    clean,
    from_units_nanos,
    hourly_from_unit,
    monthly_from_hourly,
    normalise_arch,
    to_decimal,
)
from veille.observations import Availability, Observation, Offer
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
    with_query,
)
from veille.sources._registry import ParseContext, Request, auth_scheme, paginator, parser

COMPETITOR = "scaleway"
ZONES = (
    "fr-par-1",
    "fr-par-2",
    "fr-par-3",
    "nl-ams-1",
    "nl-ams-2",
    "nl-ams-3",
    "pl-waw-1",
    "pl-waw-2",
    "pl-waw-3",
    "it-mil-1",
)
CATALOG_URL = "https://api.scaleway.com/product-catalog/v2alpha1/public-catalog/products"
INSTANCE_URL = "https://api.scaleway.com/instance/v1/zones/{zone}/products/servers"
CATALOG_PAGE_SIZE = 100
SERVERS_PER_PAGE = 50


@auth_scheme("scaleway.x_auth_token")
def x_auth_token(token: str) -> Mapping[str, Mapping[str, str]]:
    """Scaleway's ``X-Auth-Token: <secret key>`` header."""
    return {"headers": {"X-Auth-Token": token}}


@paginator("scaleway.catalog")
def paginate_catalog(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Next catalogue page while ``page x page_size < total_count`` and the page was not empty."""
    document = obj(load_json(body, "scaleway.catalog"))
    products, total = document.get("products"), document.get("total_count")
    if not isinstance(products, list) or not products or not isinstance(total, int):
        return None
    page = int(request.params.get("page", "1"))
    size = int(request.params.get("page_size", str(len(products))))
    if page * size >= total:
        return None
    return with_params(request, page=str(page + 1))


_NEXT_LINK = re.compile(r"<([^>]*)>\s*;\s*rel=\"?next\"?")


@paginator("scaleway.servers")
def paginate_servers(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Next Instance API page from the ``Link: <...>; rel="next"`` header, else from ``X-Total-Count``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    match = _NEXT_LINK.search(lowered.get("link", ""))
    if match:
        following = with_query(request, match.group(1), keep=("per_page",))
        return None if dict(following.params) == dict(request.params) else following
    total = lowered.get("x-total-count", "")
    page = int(request.params.get("page", "1"))
    per_page = int(request.params.get("per_page", str(SERVERS_PER_PAGE)))
    if total.isdigit() and page * per_page < int(total):
        return with_params(request, page=str(page + 1))
    return None


HOURLY = timedelta(hours=1)


def _gpu(hardware: Mapping[str, Any], pid: str, where: str) -> dict[str, Any]:
    gpu = obj(hardware.get("gpu"))
    count = optional_decimal(gpu, "count", pid, where)
    if not count or not gpu.get("type"):
        return {}
    return gpu_fields(str(gpu["type"]), count)


@parser("scaleway.catalog", reads="Scaleway Product Catalog API public-catalog/products (instances), JSON")
@guarded("scaleway.catalog")
def parse_catalog(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "scaleway.catalog"
    document = mapping(load_json(body, pid), pid, "document")
    products = sequence(document.get("products"), pid, "products")
    offers: list[Observation] = []
    for raw in products:
        product = mapping(raw, pid, "product")
        sku = text_field(product, "sku", pid, "product")
        where = f"product {sku!r}"
        properties = obj(product.get("properties"))
        if "instance" not in properties:
            continue  # another product type in a mixed page: not an instance price
        retail = mapping(obj(product.get("price")).get("retail_price"), pid, f"{where} price.retail_price")
        currency = text_field(retail, "currency_code", pid, where)
        raw_price = from_units_nanos(retail.get("units", 0), retail.get("nanos", 0))
        measure = mapping(product.get("unit_of_measure"), pid, f"{where} unit_of_measure")
        unit = text_field(measure, "unit", pid, f"{where} unit_of_measure")
        try:
            hourly = hourly_from_unit(raw_price, unit, measure.get("size", 1))
        except ValueError as exc:
            fail(pid, f"{where}: {exc}")
        hardware = mapping(properties.get("hardware"), pid, f"{where} properties.hardware")
        offer_id = str(obj(properties.get("instance")).get("offer_id") or product.get("product") or sku)
        gpu = _gpu(hardware, pid, where)
        cpu = obj(hardware.get("cpu"))
        locality = obj(product.get("locality"))
        offers.append(
            Offer(
                competitor=COMPETITOR,
                sku=offer_id,
                name=str(product.get("product") or offer_id),
                category=categorise(gpu_count=gpu.get("gpu_count")),
                currency=currency,
                price_hourly=hourly,
                price_monthly=monthly_from_hourly(hourly),
                vcpu=decimal_field(hardware, "cpu.virtual.count", pid, where),
                ram_gb=bytes_to_gb(decimal_field(hardware, "ram.size", pid, where)),
                arch=normalise_arch(cpu.get("arch")),
                region=str(locality.get("zone") or locality.get("region") or "") or None,
                unit=unit.lower(),
                extra={
                    "catalog_sku": sku,
                    "price_per_unit": format(raw_price, "f"),
                    "range": obj(properties.get("instance")).get("range"),
                    "cpu": cpu.get("type"),
                    "status": product.get("status"),
                    "replacements": list(
                        obj(properties.get("instance")).get("recommended_replacement_offer_ids") or ()
                    ),
                },
                **gpu,
            )
        )
    if not offers:
        fail(pid, "no instance products in the page; is this the public catalog with product_types=instance?")
    return offers


def _zone(ctx: ParseContext) -> str | None:
    match = re.search(r"/zones/([a-z]{2}-[a-z]{3}-\d)/", urlsplit(ctx.url).path + "/")
    return match.group(1) if match else None


@parser("scaleway.servers", reads="Scaleway Instance API products/servers (one page), JSON")
@guarded("scaleway.servers")
def parse_servers(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "scaleway.servers"
    document = mapping(load_json(body, pid), pid, "document")
    servers = mapping(document.get("servers"), pid, "servers")
    if not servers:
        fail(pid, "no server types in 'servers'; is this /products/servers?")
    zone = _zone(ctx)
    offers: list[Observation] = []
    for name, raw in servers.items():
        server = mapping(raw, pid, f"server {name!r}")
        where = f"server {name!r}"
        hourly = clean(decimal_field(server, "hourly_price", pid, where))
        monthly = optional_decimal(server, "monthly_price", pid, where)
        gpu_count = optional_decimal(server, "gpu", pid, where) or Decimal(0)
        gpu: dict[str, Any] = {}
        info = obj(server.get("gpu_info"))
        if gpu_count > 0:
            memory = optional_decimal(info, "gpu_memory", pid, where)
            memory_gb = bytes_to_gb(memory) if memory is not None else None
            label = (
                " ".join(str(x) for x in (info.get("gpu_manufacturer"), info.get("gpu_name")) if x) or name
            )
            gpu = gpu_fields(label, gpu_count, memory_gb)
        volumes = obj(server.get("volumes_constraint"))
        local = to_decimal(volumes.get("max_size") or 0)
        offers.append(
            Offer(
                competitor=COMPETITOR,
                sku=name,
                name=name,
                category=categorise(gpu_count=gpu_count),
                currency="EUR",
                price_hourly=hourly,
                price_monthly=clean(monthly) if monthly is not None else monthly_from_hourly(hourly),
                vcpu=decimal_field(server, "ncpus", pid, where),
                ram_gb=bytes_to_gb(decimal_field(server, "ram", pid, where)),
                disk_gb=clean(local / Decimal(10**9)) if local else None,
                arch=normalise_arch(server.get("arch")),
                region=zone,
                extra={
                    "end_of_service": bool(server.get("end_of_service")),
                    "network_bps": obj(server.get("network")).get("sum_internet_bandwidth"),
                },
                **gpu,
            )
        )
    return offers


@parser("scaleway.availability", reads="Scaleway Instance API products/servers/availability (one page), JSON")
@guarded("scaleway.availability")
def parse_availability(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "scaleway.availability"
    document = mapping(load_json(body, pid), pid, "document")
    servers = mapping(document.get("servers"), pid, "servers")
    if not servers:
        fail(pid, "no server types in 'servers'; is this /products/servers/availability?")
    zone = _zone(ctx)
    levels: list[Observation] = []
    for name, raw in servers.items():
        status = text_field(mapping(raw, pid, f"server {name!r}"), "availability", pid, f"server {name!r}")
        levels.append(Availability(competitor=COMPETITOR, sku=name, region=zone, status=status))
    return levels
