"""Hostinger: the VPS billing catalogue of the Hostinger API (with a token).

Reads ``GET https://developers.hostinger.com/api/billing/v1/catalog?category=VPS`` (Bearer API token,
``VEILLE_HOSTINGER_TOKEN``; without one, the eu-cloud-prices dataset and the pricing page cover
Hostinger). The answer is a list of items (``hostingercom-vps-kvm2``) with ``metadata`` strings
(``cpus``, ``memory`` and ``disk_space`` in MB, reported in binary GB: 4096 -> 4) and ``prices[]`` per
billing term: integer **cents** in the account's currency, ``price`` the renewal price and
``first_period_price`` the promotional first term, for ``period`` x ``period_unit`` (day, month,
year). The one-month term gives the offers: the renewal price as ``on_demand`` and, when lower, the
first-period price as ``promo``; longer terms go to ``extra`` as monthly equivalents. Net of VAT.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from veille.normalise.categories import categorise
from veille.normalise.units import clean, mib_to_gb, to_decimal
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
)
from veille.sources._registry import ParseContext, parser

COMPETITOR = "hostinger"
_MONTHS = {"day": Decimal(1) / Decimal(30), "month": Decimal(1), "year": Decimal(12)}


def _cents(price: Mapping[str, Any], key: str, pid: str, where: str) -> Decimal:
    value = decimal_field(price, key, pid, where)
    if value != value.to_integral_value():
        fail(pid, f"{where}: {key} should be whole cents, got {value}")
    return clean(value / 100)


def _spec(metadata: Mapping[str, Any], key: str) -> Decimal | None:
    try:
        return to_decimal(metadata[key]) if metadata.get(key) not in (None, "") else None
    except ValueError:
        return None


@parser("hostinger.catalog", reads="Hostinger API /api/billing/v1/catalog (category VPS), JSON")
@guarded("hostinger.catalog")
def parse_catalog(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "hostinger.catalog"
    items = sequence(load_json(body, pid), pid, "catalog")
    offers: list[Observation] = []
    for raw in items:
        item = mapping(raw, pid, "item")
        ident = text_field(item, "id", pid, "item")
        where = f"item {ident!r}"
        if str(item.get("category", "VPS")).upper() != "VPS":
            continue
        metadata = obj(item.get("metadata"))
        memory, disk = _spec(metadata, "memory"), _spec(metadata, "disk_space")
        terms: dict[str, str] = {}
        monthly: Mapping[str, Any] | None = None
        for price in sequence(item.get("prices"), pid, f"{where} prices"):
            price = mapping(price, pid, f"{where} price")
            unit = text_field(price, "period_unit", pid, f"{where} price")
            period = decimal_field(price, "period", pid, f"{where} price")
            if unit not in _MONTHS or period <= 0:
                fail(pid, f"{where}: unknown billing period {period} {unit!r}")
            months = period * _MONTHS[unit]
            renewal = _cents(price, "price", pid, f"{where} price")
            terms[f"{clean(period)} {unit}"] = format(
                clean((renewal / months).quantize(Decimal("0.01"))), "f"
            )
            if unit == "month" and period == 1:
                monthly = price
        if monthly is None:
            continue  # no monthly term: nothing comparable per month
        currency = text_field(monthly, "currency", pid, f"{where} price").upper()
        common: dict[str, Any] = {
            "competitor": COMPETITOR,
            "sku": ident,
            "name": str(item.get("name") or ident),
            "category": categorise(),
            "currency": currency,
            "price_hourly": None,
            "vcpu": _spec(metadata, "cpus"),
            "ram_gb": mib_to_gb(memory) if memory is not None else None,
            "disk_gb": mib_to_gb(disk) if disk is not None else None,
            "arch": "x86_64",
            "unit": "month",
            "extra": {"price_id": monthly.get("id"), "renewal_per_month_by_term": terms},
        }
        renewal = _cents(monthly, "price", pid, where)
        offers.append(Offer(**common, price_monthly=renewal))
        if monthly.get("first_period_price") is not None:
            first = _cents(monthly, "first_period_price", pid, where)
            if first < renewal:
                offers.append(Offer(**common, price_monthly=first, billing="promo"))
    if not offers:
        fail(
            pid,
            "no VPS item with a one-month price in the catalog; is this /billing/v1/catalog?category=VPS?",
        )
    return offers
