"""Azure Retail Prices API: Linux virtual machine prices per EU region, in EUR.

``GET https://prices.azure.com/api/retail/prices`` with ``$filter=serviceName eq 'Virtual Machines' and
priceType eq 'Consumption' and armRegionName eq '<region>'`` and ``currencyCode='EUR'``; no auth.
Pages hold 100 items and end with ``NextPageLink`` (null on the last page). Every page is parsed on
its own (``azure.retail``).

Kept: pay-as-you-go Linux rows priced per hour. Dropped client side (the API filter cannot do it):
Windows (``productName`` ending in " Windows"), "Low Priority" meters, "Cloud Services" and dedicated
hosts, non-hourly units, zero prices. Rows whose ``skuName`` contains "Spot" are ``billing="spot"``.

vCPU and RAM are not in the API: ``decode_size`` derives them from ``armSkuName`` for the families
whose naming is regular (see its docstring) and leaves them null otherwise. Decoding is cached per
name, and the page loop does little per row, because a region is thousands of rows (200k in all).
A page is decoded by msgspec into the eleven fields read, typed (a field of another type is a
schema change, named with its path); building every item as a dict of 22 fields cost twice as much.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import msgspec
import orjson

from veille.errors import ParseError
from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.normalise.units import clean
from veille.observations import HOURS_PER_MONTH, Observation
from veille.sources._fast_offer import new_offer
from veille.sources._price_json import guarded
from veille.sources._registry import ParseContext, Request, paginator, parser

PARSER_ID = "azure.retail"
URL = "https://prices.azure.com/api/retail/prices"
EU_REGIONS = (
    "westeurope",
    "northeurope",
    "francecentral",
    "germanywestcentral",
    "swedencentral",
    "italynorth",
    "polandcentral",
    "spaincentral",
    "switzerlandnorth",
    "uksouth",
)


class VmSize(NamedTuple):
    vcpu: Decimal | None
    ram_gb: Decimal | None
    gpu_model: str | None = None
    gpu_count: Decimal | None = None
    arch: str | None = None
    gpu_family: bool = False


_NAME = re.compile(
    r"^(?:Standard|Basic)_(?P<family>[A-Z]+)(?P<size>\d+)(?:-(?P<active>\d+))?(?P<feat>[a-z]*)"
    r"(?:_(?P<accel>[A-Z][A-Za-z0-9]*?))?(?:_v(?P<version>\d+))?(?:_Promo)?$"
)

# B-series v1 (burstable): vCPU and GiB per size, from the Azure size pages.
_B_V1: dict[str, tuple[int, str]] = {
    "B1ls": (1, "0.5"), "B1s": (1, "1"), "B1ms": (1, "2"), "B2s": (2, "4"), "B2ms": (2, "8"),
    "B4ms": (4, "16"), "B8ms": (8, "32"), "B12ms": (12, "48"), "B16ms": (16, "64"), "B20ms": (20, "80"),
}  # fmt: skip
# Av2: vCPU and GiB per size.
_A_V2 = {
    "A1": (1, 2),
    "A2": (2, 4),
    "A4": (4, 8),
    "A8": (8, 16),
    "A2m": (2, 16),
    "A4m": (4, 32),
    "A8m": (8, 64),
}
# GPU sizes: armSkuName without "Standard_" -> (vCPU, GiB, GPU name, GPU count).
_GPU_SIZES: dict[str, tuple[int, int, str, str]] = {
    "NC4as_T4_v3": (4, 28, "T4", "1"), "NC8as_T4_v3": (8, 56, "T4", "1"),
    "NC16as_T4_v3": (16, 110, "T4", "1"), "NC64as_T4_v3": (64, 440, "T4", "4"),
    "NC24ads_A100_v4": (24, 220, "A100 80GB", "1"), "NC48ads_A100_v4": (48, 440, "A100 80GB", "2"),
    "NC96ads_A100_v4": (96, 880, "A100 80GB", "4"),
    "NC40ads_H100_v5": (40, 320, "H100 NVL", "1"), "NC80adis_H100_v5": (80, 640, "H100 NVL", "2"),
    "NCC40ads_H100_v5": (40, 320, "H100 NVL", "1"),
    "NC6s_v3": (6, 112, "V100 16GB", "1"), "NC12s_v3": (12, 224, "V100 16GB", "2"),
    "NC24s_v3": (24, 448, "V100 16GB", "4"), "NC24rs_v3": (24, 448, "V100 16GB", "4"),
    "ND40rs_v2": (40, 672, "V100 32GB", "8"),
    "ND96asr_v4": (96, 900, "A100 40GB", "8"), "ND96amsr_A100_v4": (96, 1900, "A100 80GB", "8"),
    "ND96isr_H100_v5": (96, 1900, "H100 80GB", "8"), "ND96isr_H200_v5": (96, 1850, "H200", "8"),
    "ND96isr_MI300X_v5": (96, 1850, "MI300X", "8"),
    "NV6ads_A10_v5": (6, 55, "A10", "1/6"), "NV12ads_A10_v5": (12, 110, "A10", "1/3"),
    "NV18ads_A10_v5": (18, 220, "A10", "1/2"), "NV36ads_A10_v5": (36, 440, "A10", "1"),
    "NV36adms_A10_v5": (36, 880, "A10", "1"), "NV72ads_A10_v5": (72, 880, "A10", "2"),
    "NV12s_v3": (12, 112, "M60", "1"), "NV24s_v3": (24, 224, "M60", "2"), "NV48s_v3": (48, 448, "M60", "4"),
}  # fmt: skip


def _fraction(text: str) -> Decimal:
    num, _, den = text.partition("/")
    return Decimal(num) / Decimal(den) if den else Decimal(num)


@lru_cache(maxsize=8192)
def decode_size(arm_sku_name: str) -> VmSize:
    """vCPU, RAM (GiB), GPU and architecture of an Azure VM size, from its name alone.

    Decoded families (the number in the name is the vCPU count; a constrained size ``E4-2s_v5`` has
    the active count after the dash and the memory of the full size):

    - D v3 and later: 4 GiB per vCPU, 2 with ``l`` (low memory); ``p`` means Arm (Ampere/Cobalt);
    - E v3 and later: 8 GiB per vCPU (E64 v3 432 GiB, E96/E104 672 GiB);
    - F v1 and v2: 2 GiB per vCPU; F v6+: 2 with ``l``, 8 with ``m``, else 4;
    - B v1 (table), B v2: 4 GiB per vCPU, 2 with ``l``, 0.5 with ``t``;
    - A v2 (table); L v2 and later: 8 GiB per vCPU;
    - NC / ND / NV GPU sizes from a table (model and count per GPU SKU).

    Everything else (D v2, G, H, M, DC, EC, older A...) keeps vCPU and RAM null rather than a guess;
    N-series sizes outside the table are still marked as GPU sizes.
    """
    short = arm_sku_name.partition("_")[2]
    match = _NAME.match(arm_sku_name)
    if short in _GPU_SIZES:
        g_vcpu, g_ram, gpu, count = _GPU_SIZES[short]
        return VmSize(Decimal(g_vcpu), Decimal(g_ram), canonical_gpu(gpu), _fraction(count), "x86_64", True)
    if match is None:
        return VmSize(None, None)
    family, feat = match["family"], match["feat"]
    size = int(match["size"])
    version = int(match["version"]) if match["version"] else 1
    vcpu = Decimal(int(match["active"]) if match["active"] else size)
    arch = "arm64" if "p" in feat else "x86_64"
    if family.startswith("N"):
        return VmSize(None, None, gpu_family=True)
    per_vcpu: Decimal | None = None
    if family == "D" and version >= 3:
        per_vcpu = Decimal(2) if "l" in feat else Decimal(4)
    elif family == "E" and version >= 3:
        ram = 432 if (size, version) == (64, 3) else 672 if size in (96, 104) else size * 8
        return VmSize(vcpu, Decimal(ram), arch=arch)
    elif family == "F":
        per_vcpu = Decimal(2) if version <= 2 or "l" in feat else Decimal(8) if "m" in feat else Decimal(4)
    elif family == "B" and version == 1:
        known = _B_V1.get(f"B{size}{feat}")
        return VmSize(Decimal(known[0]), Decimal(known[1]), arch=arch) if known else VmSize(None, None)
    elif family == "B":
        per_vcpu = Decimal("0.5") if "t" in feat else Decimal(2) if "l" in feat else Decimal(4)
    elif family == "A" and version == 2:
        sized = _A_V2.get(f"A{size}{feat}")
        return VmSize(Decimal(sized[0]), Decimal(sized[1]), arch=arch) if sized else VmSize(None, None)
    elif family == "L" and version >= 2:
        per_vcpu = Decimal(8)
    if per_vcpu is None:
        return VmSize(None, None)
    return VmSize(vcpu, Decimal(size) * per_vcpu, arch=arch)


class _Sku(NamedTuple):
    """What one ``armSkuName`` gives every offer of that size."""

    name: str
    category: str
    vcpu: Decimal | None
    ram_gb: Decimal | None
    gpu_model: str | None
    gpu_count: Decimal | None
    gpu_memory_gb: Decimal | None
    arch: str | None


@lru_cache(maxsize=8192)
def _sku_info(arm_sku_name: str) -> _Sku:
    """Display name, category, specs and GPU of one ``armSkuName``, computed once."""
    size = decode_size(arm_sku_name)
    name = arm_sku_name.partition("_")[2].replace("_", " ") or arm_sku_name
    gpu = size.gpu_count is not None or size.gpu_family
    return _Sku(name, "gpu" if gpu else "vps", size.vcpu, size.ram_gb, size.gpu_model, size.gpu_count,
                gpu_memory_gb(size.gpu_model), size.arch)  # fmt: skip


_HOURS = re.compile(r"^(\d+) Hours?$")


@lru_cache(maxsize=64)
def _hours_in(unit: str) -> Decimal | None:
    match = _HOURS.match(unit)
    return Decimal(match[1]) if match and match[1] != "0" else None


@lru_cache(maxsize=65536)
def _price(value: float | int, hours: Decimal) -> tuple[Decimal, Decimal]:
    """(hourly, monthly at 730 h) of a ``retailPrice`` per ``hours`` hours, from its shortest repr."""
    price = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    hourly = clean(price / hours) if hours != 1 else price
    return hourly, clean(hourly * HOURS_PER_MONTH)


def _fail(message: str) -> ParseError:
    return ParseError(PARSER_ID, message)


class _Item(msgspec.Struct, gc=False):
    """The fields of a Retail Prices item that the parser reads; the others are skipped unbuilt.

    All optional here, because only the Linux VM rows need them: the loop says which one is missing.
    """

    type: str | None = None
    serviceName: str | None = None
    productName: str | None = None
    skuName: str | None = None
    meterName: str | None = None
    armSkuName: str | None = None
    retailPrice: float | int | None = None
    unitOfMeasure: str | None = None
    currencyCode: str | None = None
    armRegionName: str | None = None
    effectiveStartDate: str | None = None


class _Page(msgspec.Struct, gc=False):
    Items: list[_Item]
    NextPageLink: str | None = None


_PAGE = msgspec.json.Decoder(_Page)
_REQUIRED = (
    "productName",
    "skuName",
    "meterName",
    "armSkuName",
    "retailPrice",
    "unitOfMeasure",
    "currencyCode",
)


def _read(body: bytes) -> _Page:
    """A page decoded straight into ``_Page`` (typed: a field of the wrong type is a schema change)."""
    head = body[:200].lstrip()
    if not head:
        raise _fail("empty body: expected a JSON page of the Retail Prices API")
    if head.startswith(b"<"):
        raise _fail("got HTML/XML where JSON was expected (an error page?)")
    try:
        return _PAGE.decode(body)
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at `$")
        where = where.strip("`.")  # "Items[3].retailPrice"; empty for the document itself
        if not where:
            raise _fail(
                f"expected an object with an 'Items' array ({problem}; has the API changed?)"
            ) from None
        raise _fail(f"{where}: {problem[:1].lower()}{problem[1:]} (has the API changed?)") from None
    except msgspec.DecodeError as exc:
        truncated = "truncated" in str(exc)
        raise _fail(f"{'truncated' if truncated else 'malformed'} JSON: {exc}") from None


def _missing(item: _Item, index: int) -> ParseError:
    name = next(field for field in _REQUIRED if getattr(item, field) is None)
    return _fail(f"Items[{index}]: missing field {name!r}")


@parser(PARSER_ID, reads="Azure Retail Prices API page (JSON, Items[] + NextPageLink)")
@guarded(PARSER_ID)
def parse_retail(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Linux pay-as-you-go and Spot VM offers of one page; one offer per (size, region, billing)."""
    items = _read(body).Items
    competitor = ctx.competitor or "azure"
    best: dict[tuple[str, str, str], tuple[str, Observation]] = {}
    vm_rows = 0
    for index, item in enumerate(items):
        # Hot loop (hundreds of thousands of rows): cheapest tests first.
        if item.type != "Consumption" or item.serviceName != "Virtual Machines":
            continue
        vm_rows += 1
        product, sku_name, meter, arm = item.productName, item.skuName, item.meterName, item.armSkuName
        price, unit, currency = item.retailPrice, item.unitOfMeasure, item.currencyCode
        if product is None or sku_name is None or meter is None or arm is None:
            raise _missing(item, index)
        if (
            product[-8:] == " Windows"
            or not arm
            or "Low Priority" in sku_name
            or "Low Priority" in meter
            or "Cloud Services" in product
            or "Dedicated Host" in product
        ):
            continue
        if price is None or unit is None or currency is None:
            raise _missing(item, index)
        hours = _hours_in(unit)
        if hours is None or price <= 0:
            continue
        region = item.armRegionName or ""
        billing = "spot" if "Spot" in sku_name else "on_demand"
        key = (arm, region, billing)
        # Several meters can price one size (older/newer effective dates): keep the latest.
        started = item.effectiveStartDate or ""
        previous = best.get(key)
        if previous is not None and previous[0] >= started:
            continue
        hourly, monthly = _price(price, hours)
        sku = _sku_info(arm)
        best[key] = (
            started,
            new_offer(
                competitor, arm, sku.name, sku.category, currency, hourly, monthly, sku.vcpu, sku.ram_gb,
                None, sku.gpu_model, sku.gpu_count, sku.gpu_memory_gb, sku.arch, region or None, billing,
                "hour", None, None, {"meter": meter, "product": product},
            ),
        )  # fmt: skip
    if items and not vm_rows:
        raise _fail("no 'Virtual Machines' Consumption rows on this page (was the filter changed?)")
    return [offer for _, offer in best.values()]


_NEXT = re.compile(rb'"NextPageLink"\s*:\s*(?:null|"((?:[^"\\]|\\.)*)")')


@paginator("azure.next_page")
def next_page(request: Request, headers: Any, body: bytes) -> Request | None:
    """Follow ``NextPageLink``: same endpoint, the link's query (``$skip``, filter, currency).

    The link sits at the end of the page, so only the tail is searched; the link's host is not
    followed (it names port 443 explicitly), only its query is.
    """
    match = _NEXT.search(body, max(0, len(body) - 4096))
    if match is None:
        link = _read(body).NextPageLink
    else:
        link = orjson.loads(b'"' + match[1] + b'"') if match[1] is not None else None
    if not link:
        return None
    query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    return Request(request.url, request.method, query, dict(request.headers), request.json)


def _filter(region: str) -> str:
    return f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq '{region}'"
