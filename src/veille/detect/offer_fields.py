"""The fields of an offer as the price diff and the plausibility gate compare them, and its summary.

Shared by ``veille.detect.prices`` (the diff) and ``veille.detect.gate`` (the gate), which import this
module rather than each other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from veille.normalise import money

PRICE_FIELDS = ("currency", "unit", "price_hourly", "price_monthly")
SPEC_FIELDS = (
    "name",
    "category",
    "vcpu",
    "ram_gb",
    "disk_gb",
    "gpu_model",
    "gpu_count",
    "gpu_memory_gb",
    "arch",
)
CONTENT_FIELDS = SPEC_FIELDS + PRICE_FIELDS


def canon(value: Any) -> str:
    """A field as text for comparison: None as "", Decimals normalised (``4.10`` is ``4.1``)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def version_summary(version: Any) -> dict[str, Any]:
    """A JSON-ready summary of an offer version (a row or a dict)."""
    get = version.get if isinstance(version, dict) else lambda k: getattr(version, k)
    out: dict[str, Any] = {}
    for name in (
        "sku",
        "name",
        "region",
        "billing",
        "category",
        "vcpu",
        "ram_gb",
        "gpu_model",
        "gpu_count",
        "currency",
        "price_hourly",
        "price_monthly",
        "monthly_eur",
        "fx_rate",
        "fx_date",
    ):
        value = get(name)
        out[name] = money.plain(value) if isinstance(value, Decimal) else value
    return out
