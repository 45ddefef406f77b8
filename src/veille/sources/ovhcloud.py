"""OVHcloud public order catalogues: public cloud instances (hourly and monthly) and eco dedicated servers.

Reads ``GET https://eu.api.ovh.com/v1/order/catalog/public/cloud?ovhSubsidiary=FR`` (no auth, one
document of several MB) and the ``/eco`` and ``/baremetalServers`` catalogues of the same layout.
Prices are integers in 1e-8 of the subsidiary's currency (``locale.currencyCode``; 1144000000 = 11.44
EUR), net of VAT (``tax`` is separate and ignored). A public cloud flavour appears as several add-ons:
``<flavour>.consumption`` is the hourly price (monthly figure = hourly x 730),
``<flavour>.monthly.postpaid`` a separate monthly plan (another offer, sku ``<flavour>.monthly``, not a
cap), ``.consumption.3AZ`` the 3-AZ regions and ``.consumption.LZ.<area>`` the local zones (offers with
region ``3AZ`` / ``LZ.<area>``; the plain flavour has no region: one price everywhere). Block storage
``volume.<tier>.consumption[.3AZ]`` is priced per GB-hour and reported per GB-month (x 730). Specs come from
``blobs.technical`` (memory in GB as OVHcloud sells it). Caveats: which flavour exists in which
region needs the authenticated API; IPv4 is billed apart; the eco catalogue's plan price is the rental
of the plan with its mandatory default add-ons (RAM, disks, bandwidth), installation fee in ``extra``.
A plan sold only with a commitment (no ``default`` monthly renew price: the bare-metal HGR range, 6, 12
or 24 months) is an offer with billing ``reserved``, priced at its shortest commitment paid monthly
(``extra.commitment_months``, ``extra.commitment_mode``); every term is in ``extra.commitment_prices``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from veille.normalise.categories import categorise
from veille.normalise.units import HOURS_PER_MONTH, clean, from_scaled, monthly_from_hourly, to_decimal
from veille.observations import Observation, Offer
from veille.sources._price_json import (
    fail,
    gpu_fields,
    guarded,
    load_json,
    mapping,
    obj,
    sequence,
    text_field,
)
from veille.sources._registry import ParseContext, parser

COMPETITOR = "ovhcloud"
BASE = "https://eu.api.ovh.com/v1/order/catalog/public"
HOURLY = timedelta(hours=1)

_PLAN = re.compile(
    r"^(?P<flavor>.+?)\.(?P<kind>consumption|monthly\.postpaid)(?:\.(?P<variant>3AZ|LZ\.[A-Za-z0-9-]+))?$"
)
_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "$": "USD",
    "zł": "PLN",
    "PLN": "PLN",
    "CAD": "CAD",
    "AUD": "AUD",
    "SGD": "SGD",
}


def _currency(document: Mapping[str, Any], addons: list[Mapping[str, Any]], parser_id: str) -> str:
    locale = document.get("locale")
    if isinstance(locale, Mapping) and isinstance(locale.get("currencyCode"), str):
        return str(locale["currencyCode"])
    for addon in addons:  # trimmed catalogues keep no locale: read the formatted price's symbol
        for pricing in addon.get("pricings") or ():
            formatted = str(pricing.get("formattedPrice") or "")
            for symbol, code in _SYMBOLS.items():
                if symbol in formatted:
                    return code
    fail(parser_id, "no locale.currencyCode and no recognisable currency in formattedPrice")


def _price(pricing: Mapping[str, Any], parser_id: str, where: str) -> Decimal:
    try:
        return from_scaled(pricing.get("price"), 8)
    except ValueError:
        fail(parser_id, f"{where}: price should be an integer in 1e-8 units, got {pricing.get('price')!r}")


def _disk_gb(storage: Any) -> Decimal | None:
    if not isinstance(storage, Mapping):
        return None
    total = Decimal(0)
    for disk in storage.get("disks") or ():
        try:
            total += to_decimal(disk.get("capacity")) * to_decimal(disk.get("number", 1))
        except (ValueError, AttributeError):
            continue
    return clean(total) if total else None


def _specs(technical: Any) -> dict[str, Any]:
    if not isinstance(technical, Mapping):
        return {}
    specs: dict[str, Any] = {}
    cpu, memory = technical.get("cpu") or {}, technical.get("memory") or {}
    if isinstance(cpu, Mapping) and cpu.get("cores") is not None:
        specs["vcpu"] = to_decimal(cpu["cores"])
    if isinstance(memory, Mapping) and memory.get("size") is not None:
        specs["ram_gb"] = to_decimal(memory["size"])
    disk = _disk_gb(technical.get("storage")) or _disk_gb(technical.get("nvme"))
    if disk is not None:
        specs["disk_gb"] = disk
    gpu = technical.get("gpu")
    if isinstance(gpu, Mapping) and gpu.get("model"):
        gpu_mem = (gpu.get("memory") or {}).get("size")
        mem = to_decimal(gpu_mem) if gpu_mem is not None else None
        specs.update(gpu_fields(str(gpu["model"]), to_decimal(gpu.get("number", 1)), mem))
    return specs


@parser("ovhcloud.catalog", reads="OVHcloud public cloud order catalogue (/order/catalog/public/cloud), JSON")
@guarded("ovhcloud.catalog")
def parse_cloud_catalog(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "ovhcloud.catalog"
    document = mapping(load_json(body, pid), pid, "document")
    addons = sequence(document.get("addons"), pid, "addons")
    instances = [a for a in addons if isinstance(a, Mapping) and a.get("product") == "publiccloud-instance"]
    if not instances:
        fail(pid, "no addons with product 'publiccloud-instance' found; is this the public cloud catalog?")
    currency = _currency(document, instances, pid)
    offers: list[Observation] = []
    for addon in instances:
        code = text_field(addon, "planCode", pid, "addon")
        match = _PLAN.match(code)
        if not match:
            continue  # other billing shapes (savings plans...) are not instance prices
        flavor, kind, variant = match["flavor"], match["kind"], match["variant"]
        where = f"addon {code!r}"
        pricings = sequence(addon.get("pricings"), pid, f"{where} pricings")
        unit = "hour" if kind == "consumption" else "month"
        chosen = [p for p in pricings if isinstance(p, Mapping) and p.get("intervalUnit") == unit]
        # the list price: mode "default" without commitment first (promotions and commitments follow)
        chosen.sort(key=lambda p: (p.get("mode", "default") != "default", bool(p.get("commitment"))))
        if not chosen:
            fail(pid, f"{where}: no pricing with intervalUnit {unit!r}")
        price = _price(chosen[0], pid, where)
        blobs = obj(addon.get("blobs"))
        specs = _specs(blobs.get("technical"))
        commercial = obj(blobs.get("commercial"))
        extra = {
            "plan_code": code,
            "tags": list(blobs.get("tags") or ()),
            "brick": commercial.get("brick"),
            "brick_subtype": commercial.get("brickSubtype"),
        }
        if kind == "consumption":
            hourly, monthly = price, monthly_from_hourly(price)
            sku = flavor
        else:
            hourly, monthly = None, price
            sku = f"{flavor}.monthly"
            extra["hourly_equivalent"] = format(
                clean((price / HOURS_PER_MONTH).quantize(Decimal("0.000001"))), "f"
            )
        offers.append(
            Offer(
                competitor=COMPETITOR,
                sku=sku,
                name=str(addon.get("invoiceName") or flavor),
                category=categorise(gpu_count=specs.get("gpu_count")),
                currency=currency,
                price_hourly=hourly,
                price_monthly=monthly,
                region=variant,
                unit=unit,
                arch="x86_64",
                extra=extra,
                **specs,
            )
        )
    if not offers:
        fail(
            pid,
            "publiccloud-instance addons found but none with a .consumption or .monthly.postpaid plan code",
        )
    offers.extend(_volumes(addons, currency, pid))
    return offers


_VOLUME = re.compile(r"^volume\.(?P<tier>[a-z0-9-]+)\.consumption(?:\.(?P<variant>3AZ|LZ\.[A-Za-z0-9-]+))?$")


def _volumes(addons: Any, currency: str, pid: str) -> list[Offer]:
    """Block storage ``volume.<tier>.consumption[.3AZ]``: a price per GB-hour, reported per GB-month."""
    volumes: list[Offer] = []
    for addon in addons:
        match = _VOLUME.match(str(obj(addon).get("planCode", "")))
        if not match:
            continue
        where = f"addon {addon['planCode']!r}"
        hourly = [
            p
            for p in addon.get("pricings") or ()
            if isinstance(p, Mapping) and p.get("intervalUnit") == "hour"
        ]
        if not hourly:
            fail(pid, f"{where}: no pricing with intervalUnit 'hour'")
        per_gb_hour = _price(hourly[0], pid, where)
        per_gb_month = clean(per_gb_hour * HOURS_PER_MONTH)
        volumes.append(
            Offer(
                competitor=COMPETITOR,
                sku=f"volume.{match['tier']}",
                name=str(addon.get("invoiceName") or f"volume {match['tier']}"),
                category=categorise(storage="block"),
                currency=currency,
                price_hourly=None,
                price_monthly=per_gb_month,
                region=match["variant"],
                unit="GB-month",
                extra={
                    "plan_code": addon["planCode"],
                    "per_gb_hour": format(per_gb_hour, "f"),
                    "per_tb_month": format(clean(per_gb_month * 1000), "f"),
                },
            )
        )
    return volumes


def _index(items: Any, key: str) -> dict[str, Mapping[str, Any]]:
    return {str(i[key]): i for i in items or () if isinstance(i, Mapping) and key in i}


def _technical(products: Mapping[str, Mapping[str, Any]], name: Any) -> Mapping[str, Any]:
    """``blobs.technical`` of a catalogue product, empty when the product or its blobs are missing."""
    return obj(obj(obj(products.get(str(name))).get("blobs")).get("technical"))


def _renew(pricings: Any, mode: str = "default") -> Mapping[str, Any] | None:
    for p in pricings or ():
        if (
            isinstance(p, Mapping)
            and "renew" in (p.get("capacities") or ())
            and p.get("mode") == mode
            and p.get("intervalUnit") == "month"
            and p.get("interval") == 1
        ):
            return p
    return None


def _terms(pricings: Any) -> tuple[Mapping[str, Any], str, int | None] | None:
    """(renew pricing, billing, commitment months) a plan is offered at: its monthly price without
    commitment (``on_demand``), else, for a plan sold only with a commitment (HGR-HCI-2: 6, 12 or 24
    months), the monthly-paid price of its shortest commitment (``reserved``); None for no rental."""
    plain = _renew(pricings)
    if plain is not None:
        return plain, "on_demand", None
    committed = [
        p
        for p in pricings or ()
        if isinstance(p, Mapping)
        and "renew" in (p.get("capacities") or ())
        and p.get("mode") != "default"
        and p.get("intervalUnit") == "month"
        and p.get("interval") == 1
        and isinstance(p.get("commitment"), int)
        and p["commitment"] > 0
    ]
    if not committed:
        return None
    shortest = min(committed, key=lambda p: (p["commitment"], str(p.get("mode"))))
    return shortest, "reserved", int(shortest["commitment"])


def _installation(pricings: Any) -> Mapping[str, Any] | None:
    for p in pricings or ():
        if (
            isinstance(p, Mapping)
            and "installation" in (p.get("capacities") or ())
            and p.get("mode") == "default"
        ):
            return p
    return None


@parser("ovhcloud.eco", reads="OVHcloud eco / baremetalServers dedicated-server order catalogue, JSON")
@guarded("ovhcloud.eco")
def parse_eco_catalog(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "ovhcloud.eco"
    document = mapping(load_json(body, pid), pid, "document")
    plans = sequence(document.get("plans"), pid, "plans")
    if not plans:
        fail(pid, "the catalogue has no plans; is this the eco catalog?")
    currency = _currency(document, [p for p in plans if isinstance(p, Mapping)], pid)
    addons, products = _index(document.get("addons"), "planCode"), _index(document.get("products"), "name")
    offers: list[Observation] = []
    for plan in plans:
        plan = mapping(plan, pid, "plan")
        code = text_field(plan, "planCode", pid, "plan")
        where = f"plan {code!r}"
        terms = _terms(plan.get("pricings"))
        if terms is None:
            continue  # not a monthly rental (licences, options)
        renew, billing, months = terms
        monthly = _price(renew, pid, where)
        server = _technical(products, plan.get("product")).get("server")
        server = obj(server)
        cpu = server.get("cpu") or {}
        specs: dict[str, Any] = {}
        if cpu.get("threads") or cpu.get("cores"):
            specs["vcpu"] = to_decimal(cpu.get("threads") or cpu.get("cores")) * to_decimal(
                cpu.get("number", 1)
            )
        disk = Decimal(0)
        for family in plan.get("addonFamilies") or ():
            default = family.get("default") if isinstance(family, Mapping) else None
            addon = addons.get(str(default)) if default else None
            if not addon or not family.get("mandatory"):
                continue
            addon_price = _renew(addon.get("pricings"), str(renew.get("mode"))) or _renew(
                addon.get("pricings")
            )
            if addon_price is not None:
                monthly += _price(addon_price, pid, f"add-on {default!r}")
            tech = _technical(products, addon.get("product"))
            if family.get("name") == "memory" and (tech.get("memory") or {}).get("size") is not None:
                specs["ram_gb"] = to_decimal(tech["memory"]["size"])
            if family.get("name") == "storage":
                disk += _disk_gb(tech.get("storage")) or 0
        if disk:
            specs["disk_gb"] = clean(disk)
        setup = _installation(plan.get("pricings"))
        datacenters = next(
            (
                c.get("values")
                for c in plan.get("configurations") or ()
                if c.get("name") == "dedicated_datacenter"
            ),
            None,
        )
        commitments = {
            p["mode"]: {
                "price": format(from_scaled(p["price"], 8), "f"),
                "months": p.get("commitment") or p.get("interval"),
                "paid": "monthly" if p.get("interval") == 1 else "upfront",
            }
            for p in plan.get("pricings") or ()
            if "renew" in (p.get("capacities") or ())
            and p.get("mode") != "default"
            and p.get("intervalUnit") == "month"
        }
        offers.append(
            Offer(
                competitor=COMPETITOR,
                sku=code,
                name=str(plan.get("invoiceName") or code),
                category=categorise(dedicated=True),
                currency=currency,
                price_hourly=None,
                price_monthly=clean(monthly),
                unit="month",
                billing=billing,
                arch="x86_64" if str(cpu.get("brand", "")).lower() in ("intel", "amd") else None,
                extra={
                    **({"commitment_months": months, "commitment_mode": renew.get("mode")} if months else {}),
                    "cpu": " ".join(str(x) for x in (cpu.get("brand"), cpu.get("model")) if x) or None,
                    "range": (plan.get("blobs") or {}).get("commercial", {}).get("range"),
                    "setup_fee": format(_price(setup, pid, where), "f") if setup else None,
                    "datacenters": datacenters,
                    "commitment_prices": commitments,
                },
                **specs,
            )
        )
    if not offers:
        fail(pid, "no plan with a monthly renew price found; is this a dedicated-server catalog?")
    return offers
