"""The open eu-cloud-prices dataset (mixxor/eu-cloud-prices): Infomaniak, Contabo and Hostinger.

These three providers publish no usable price API, so the dataset behind eucloudcost.com keeps their
public pricing pages by hand (``"manual": true``) as JSON files read from
``https://raw.githubusercontent.com/mixxor/eu-cloud-prices/HEAD/prices/<provider>.json`` (no auth).
Each ``instances[]`` entry has ``vcpu``, ``ram_gb``, ``disk_gb``, ``price_hourly``, ``price_monthly``
and ``currency`` (EUR or USD; Infomaniak bills in CHF or EUR and the dataset keeps EUR); optional
``gpu_instances[]`` entries and the ``block_storage`` / ``object_storage`` prices per GB-month become
offers too. Contabo's figures assume a 12-month term; Hostinger's ``price_monthly`` is the promo price
of a 24-month term, so it is the offer's price with ``billing="promo"`` and the renewal price
(``price_monthly_renewal``) a second, ``on_demand`` offer. ``fetched_at`` (when the maintainers read
the page) goes in ``extra``: the figures can be weeks old, the platform's freshness flags say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veille.normalise.categories import categorise, category_from_label
from veille.normalise.units import clean, normalise_arch, to_decimal
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
)
from veille.sources._registry import ParseContext, parser

RAW = "https://raw.githubusercontent.com/mixxor/eu-cloud-prices/HEAD/prices/{provider}.json"
PROVIDERS = ("infomaniak", "contabo", "hostinger")

_PID = "eucloudprices.dataset"
MONTHLY_ONLY = frozenset({"contabo", "hostinger"})  # their price pages sell monthly terms only


def _instance(
    item: Mapping[str, Any], provider: str, base_extra: dict[str, Any], gpu_list: bool
) -> list[Offer]:
    ident = text_field(item, "id", _PID, "instance")
    where = f"instance {ident!r}"
    currency = text_field(item, "currency", _PID, where).upper()
    monthly = clean(decimal_field(item, "price_monthly", _PID, where))
    hourly = optional_decimal(item, "price_hourly", _PID, where)
    count = optional_decimal(item, "gpu_count", _PID, where)
    model = item.get("gpu_model") or item.get("gpu")
    gpu: dict[str, Any] = {}
    if model and count:
        gpu = gpu_fields(str(model), count, optional_decimal(item, "gpu_memory_gb", _PID, where))
    elif gpu_list:
        fail(_PID, f"{where}: a gpu_instances entry needs 'gpu' and 'gpu_count'")
    label = str(item.get("category") or "")
    common: dict[str, Any] = {
        "competitor": provider,
        "sku": ident,
        "name": str(item.get("name") or ident),
        "category": category_from_label(label or "vps", gpu_count=gpu.get("gpu_count")),
        "currency": currency,
        "vcpu": decimal_field(item, "vcpu", _PID, where),
        "ram_gb": clean(decimal_field(item, "ram_gb", _PID, where)),
        "disk_gb": clean(to_decimal(item.get("disk_gb") or 0)) or None,
        "arch": normalise_arch(item.get("architecture")),
        "region": str(item.get("location")) if item.get("location") else None,
        "unit": "hour" if hourly is not None and provider not in MONTHLY_ONLY else "month",
        **gpu,
    }
    extra = {
        **base_extra,
        "notes": item.get("notes"),
        "disk_type": item.get("disk_type"),
        "family": label or None,
    }
    renewal = optional_decimal(item, "price_monthly_renewal", _PID, where)
    if renewal is not None and renewal != monthly:
        promo_hourly = clean(hourly) if hourly is not None else None
        return [
            Offer(**common, price_hourly=promo_hourly, price_monthly=monthly, billing="promo", extra=extra),
            Offer(**common, price_hourly=None, price_monthly=clean(renewal), extra=extra),
        ]
    return [
        Offer(
            **common,
            price_hourly=clean(hourly) if hourly is not None else None,
            price_monthly=monthly,
            extra=extra,
        )
    ]


def _storage(document: Mapping[str, Any], provider: str, extra: dict[str, Any], currency: str) -> list[Offer]:
    offers: list[Offer] = []
    for key, kind in (("block_storage", "block"), ("object_storage", "object")):
        section = obj(document.get(key))
        tiers = obj(section.get("tiers")) or {"standard": section}
        for tier, spec in tiers.items():
            per_gb = optional_decimal(obj(spec), "price_per_gb_monthly", _PID, key)
            if per_gb is None:
                continue
            offers.append(
                Offer(
                    competitor=provider,
                    sku=key if tier == "standard" else f"{key}.{tier}",
                    name=str(section.get("type") or key.replace("_", " "))
                    + ("" if tier == "standard" else f" {tier}"),
                    category=categorise(storage=kind),
                    currency=str(section.get("currency") or currency),
                    price_hourly=None,
                    price_monthly=clean(per_gb),
                    unit="GB-month",
                    extra={
                        **extra,
                        "per_tb_month": format(clean(per_gb * 1000), "f"),
                        "notes": section.get("notes"),
                    },
                )
            )
    return offers


@parser(_PID, reads="eu-cloud-prices dataset file prices/<provider>.json (hand-maintained), JSON")
@guarded(_PID)
def parse_dataset(body: bytes, ctx: ParseContext) -> list[Observation]:
    document = mapping(load_json(body, _PID), _PID, "document")
    provider = text_field(document, "provider", _PID, "document").strip().lower()
    instances = sequence(document.get("instances"), _PID, "instances")
    gpu_instances = document.get("gpu_instances") or []
    extra = {
        "dataset_fetched_at": document.get("fetched_at"),
        "manual": bool(document.get("manual")),
        "source_url": document.get("source_url") or (document.get("source_urls") or [None])[0],
    }
    offers: list[Observation] = []
    for item in instances:
        offers.extend(_instance(mapping(item, _PID, "instance"), provider, extra, gpu_list=False))
    for item in sequence(gpu_instances, _PID, "gpu_instances"):
        offers.extend(_instance(mapping(item, _PID, "gpu instance"), provider, extra, gpu_list=True))
    if not offers:
        fail(_PID, f"no instances in the {provider!r} file")
    currency = next((o.currency for o in offers if isinstance(o, Offer)), "EUR")
    offers.extend(_storage(document, provider, extra, currency))
    return offers
