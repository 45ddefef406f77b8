"""GCP Cloud Billing Catalog: Compute Engine machine prices assembled from per-core and per-GiB SKUs.

``GET https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus?key=API_KEY&currencyCode=EUR``
with ``pageSize=5000``; pages chain by ``nextPageToken`` (sent back as ``pageToken``). The API key is
the ``gcp_api_key`` credential, passed as the ``key`` query parameter. Prices are
``units + nanos / 1e9`` per ``usageUnit`` (``h`` for cores and GPUs, ``GiBy.h`` for RAM).

GCP lists no machine-type prices. ``gcp.skus`` reads the SKUs named
"<Family> Instance Core running in <Region>" and "<Family> Instance Ram running in <Region>" (and
"Nvidia ... GPU running in ..."), and builds every predefined shape of ``SHAPES`` in every region the
SKUs serve: ``vCPU x core price + GiB x RAM price (+ GPUs x GPU price)``. "Spot Preemptible" SKUs
(``usageType`` Preemptible) give separate ``billing="spot"`` offers. Commitments, custom, sole-tenant
and extended-memory SKUs are ignored. Shapes whose parts are not all in the body are skipped.

The parser reads one body ``{"skus": [...]}``: the SKUs a machine needs can sit on different pages,
so the parser carries ``merge_pages`` and the collection runner hands it every page of a run merged
into one body rather than page by page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from veille.errors import ParseError
from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.observations import HOURS_PER_MONTH, Observation, Offer
from veille.sources._price_json import guarded, with_params
from veille.sources._registry import ParseContext, Request, auth_scheme, paginator, parser

PARSER_ID = "gcp.skus"
URL = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"


class Shape(NamedTuple):
    name: str
    vcpu: int
    ram_gib: Decimal
    gpu: str | None = None  # canonical GPU model, priced by a GPU SKU
    gpus: int = 0


def _series(family: str, kind: str, per_vcpu: str, sizes: Iterable[int]) -> list[Shape]:
    return [Shape(f"{family}-{kind}-{n}", n, Decimal(per_vcpu) * n) for n in sizes]


# Predefined shapes per SKU family (the family words of the SKU description, upper case), from the
# Compute Engine machine-family pages. GPU shapes carry their GPUs.
SHAPES: dict[str, list[Shape]] = {
    "E2": _series("e2", "standard", "4", (2, 4, 8, 16, 32))
    + _series("e2", "highmem", "8", (2, 4, 8, 16))
    + _series("e2", "highcpu", "1", (2, 4, 8, 16, 32)),
    "N1 PREDEFINED": _series("n1", "standard", "3.75", (1, 2, 4, 8, 16, 32, 64, 96))
    + _series("n1", "highmem", "6.5", (2, 4, 8, 16, 32, 64, 96))
    + _series("n1", "highcpu", "0.9", (2, 4, 8, 16, 32, 64, 96)),
    "N2": _series("n2", "standard", "4", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128))
    + _series("n2", "highmem", "8", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128))
    + _series("n2", "highcpu", "1", (2, 4, 8, 16, 32, 48, 64, 80, 96)),
    "N2D AMD": _series("n2d", "standard", "4", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224))
    + _series("n2d", "highmem", "8", (2, 4, 8, 16, 32, 48, 64, 80, 96))
    + _series("n2d", "highcpu", "1", (2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224)),
    "N4": _series("n4", "standard", "4", (2, 4, 8, 16, 32, 48, 64, 80))
    + _series("n4", "highmem", "8", (2, 4, 8, 16, 32, 48, 64, 80))
    + _series("n4", "highcpu", "2", (2, 4, 8, 16, 32, 48, 64, 80)),
    "T2D AMD": _series("t2d", "standard", "4", (1, 2, 4, 8, 16, 32, 48, 60)),
    "COMPUTE OPTIMIZED": _series("c2", "standard", "4", (4, 8, 16, 30, 60)),
    "C2D AMD": _series("c2d", "standard", "4", (2, 4, 8, 16, 32, 56, 112))
    + _series("c2d", "highmem", "8", (2, 4, 8, 16, 32, 56, 112))
    + _series("c2d", "highcpu", "2", (2, 4, 8, 16, 32, 56, 112)),
    "C3": _series("c3", "standard", "4", (4, 8, 22, 44, 88, 176))
    + _series("c3", "highmem", "8", (4, 8, 22, 44, 88, 176))
    + _series("c3", "highcpu", "2", (4, 8, 22, 44, 88, 176)),
    "C3D": _series("c3d", "standard", "4", (4, 8, 16, 30, 60, 90, 180, 360))
    + _series("c3d", "highmem", "8", (4, 8, 16, 30, 60, 90, 180, 360))
    + _series("c3d", "highcpu", "2", (4, 8, 16, 30, 60, 90, 180, 360)),
    "A2": [Shape(f"a2-highgpu-{n}g", 12 * n, Decimal(85 * n), "NVIDIA A100 40GB", n) for n in (1, 2, 4, 8)]
    + [Shape("a2-megagpu-16g", 96, Decimal(1360), "NVIDIA A100 40GB", 16)]
    + [Shape(f"a2-ultragpu-{n}g", 12 * n, Decimal(170 * n), "NVIDIA A100 80GB", n) for n in (1, 2, 4, 8)],
    "G2": [
        Shape(f"g2-standard-{v}", v, Decimal(4 * v), "NVIDIA L4 24GB", g)
        for v, g in ((4, 1), (8, 1), (12, 1), (16, 1), (24, 2), (32, 1), (48, 4), (96, 8))
    ],
    "A3": [Shape(f"a3-highgpu-{n}g", 26 * n, Decimal(234 * n), "NVIDIA H100 80GB", n) for n in (1, 2, 4, 8)],
}
# Other spellings of the same families in SKU descriptions.
SHAPES["C3D AMD"] = SHAPES["C3D"]
SHAPES["C2 COMPUTE OPTIMIZED"] = SHAPES["COMPUTE OPTIMIZED"]
# GPUs attached to N1 machines: offered here as n1-standard-8 with one GPU and n1-standard-32 with four.
N1_GPU_COMBOS = ((8, 1), (32, 4))
N1_ATTACHABLE = frozenset({"NVIDIA T4 16GB", "NVIDIA V100 16GB", "NVIDIA P4 8GB", "NVIDIA P100 16GB"})

_PART = re.compile(
    r"^(?P<spot>Spot Preemptible )?(?P<family>.+?) (?:Instance )?(?P<kind>Core|Ram) running in (?P<where>.+)$"
)
_GPU = re.compile(
    r"^(?P<spot>Spot Preemptible )?(?P<model>Nvidia .+?) GPU(?P<attached> attached to Spot Preemptible VMs)?"
    r" running in (?P<where>.+)$"
)
_SKIP_WORDS = (
    "Commitment",
    "Custom",
    "Sole Tenancy",
    "Extended",
    "Reserved",
    "DWS",
    "Calendar",
    "Flex",
    "Workstation",
)
_UNITS = {"Core": "h", "Ram": "GiBy.h", "GPU": "h"}


def _fail(message: str) -> ParseError:
    return ParseError(PARSER_ID, message)


def _unit_price(sku: Mapping[str, Any], where: str) -> tuple[Decimal, str, str]:
    """(price, currency, usageUnit) of the current pricing, after any free tier."""
    try:
        info = sku["pricingInfo"][-1]["pricingExpression"]
        rate = info["tieredRates"][-1]["unitPrice"]
        units, nanos, currency, unit = (
            rate["units"],
            rate.get("nanos", 0),
            rate["currencyCode"],
            info["usageUnit"],
        )
        price = Decimal(str(units)) + Decimal(int(nanos)).scaleb(-9)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError) as exc:
        raise _fail(f"{where}: unreadable pricingInfo ({type(exc).__name__}: {exc})") from None
    return price.normalize() if price else Decimal(0), str(currency), str(unit)


def _load(body: bytes) -> list[Any]:
    head = body[:200].lstrip()
    if not head:
        raise _fail("empty body: expected a JSON page of SKUs")
    if head.startswith(b"<"):
        raise _fail("got HTML/XML where JSON was expected (an error page?)")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _fail(f"malformed or truncated JSON: {exc}") from None
    if isinstance(document, dict) and "error" in document and "skus" not in document:
        raise _fail(f"the API answered an error: {str(document['error'])[:300]}")
    if not isinstance(document, dict) or not isinstance(document.get("skus"), list):
        raise _fail("expected an object with a 'skus' array (has the API changed?)")
    return document["skus"]


Parts = dict[tuple[str, str, str, str], tuple[Decimal, str]]  # (family|gpu, kind, region, billing)


def _collect(skus: list[Any]) -> tuple[Parts, int]:
    parts: Parts = {}
    compute = 0
    for index, sku in enumerate(skus):
        if not isinstance(sku, dict) or "description" not in sku or "category" not in sku:
            raise _fail(f"skus[{index}]: expected an object with 'description' and 'category'")
        category = sku["category"] if isinstance(sku["category"], dict) else {}
        if category.get("resourceFamily") != "Compute":
            continue
        compute += 1
        usage = category.get("usageType")
        description = str(sku["description"])
        if usage not in ("OnDemand", "Preemptible") or any(w in description for w in _SKIP_WORDS):
            continue
        gpu = _GPU.match(description)
        part = None if gpu else _PART.match(description)
        if gpu:
            family, kind = canonical_gpu(gpu["model"]), "GPU"
        elif part:
            family, kind = part["family"].upper(), part["kind"]
            if family not in SHAPES:
                continue
        else:
            continue
        price, currency, unit = _unit_price(sku, f"skus[{index}] ({description})")
        if unit != _UNITS[kind] or price <= 0:
            continue
        billing = "spot" if usage == "Preemptible" else "on_demand"
        for region in sku.get("serviceRegions") or ():
            parts[(family, kind, str(region), billing)] = (price, currency)
    return parts, compute


def _offers(parts: Parts, competitor: str) -> Iterator[Offer]:
    regions = sorted({(region, billing) for (_, _, region, billing) in parts})
    for region, billing in regions:
        for family, shapes in SHAPES.items():
            core, ram = (
                parts.get((family, "Core", region, billing)),
                parts.get((family, "Ram", region, billing)),
            )
            if core is None or ram is None or core[1] != ram[1]:
                continue
            for shape in shapes:
                gpu = parts.get((shape.gpu, "GPU", region, billing)) if shape.gpu else None
                if shape.gpu and (gpu is None or gpu[1] != core[1]):
                    continue
                yield _offer(competitor, shape, region, billing, core, ram, gpu)
        if ("N1 PREDEFINED", "Core", region, billing) in parts:
            yield from _n1_gpu_offers(parts, competitor, region, billing)


def _n1_gpu_offers(parts: Parts, competitor: str, region: str, billing: str) -> Iterator[Offer]:
    core, ram = (
        parts[("N1 PREDEFINED", "Core", region, billing)],
        parts.get(("N1 PREDEFINED", "Ram", region, billing)),
    )
    if ram is None or ram[1] != core[1]:
        return
    for model in sorted(N1_ATTACHABLE):
        gpu = parts.get((model, "GPU", region, billing))
        if gpu is None or gpu[1] != core[1]:
            continue
        short = model.split()[1].lower()
        for vcpu, count in N1_GPU_COMBOS:
            shape = Shape(f"n1-standard-{vcpu}+{count}x{short}", vcpu, Decimal("3.75") * vcpu, model, count)
            yield _offer(competitor, shape, region, billing, core, ram, gpu)


def _offer(
    competitor: str,
    shape: Shape,
    region: str,
    billing: str,
    core: tuple[Decimal, str],
    ram: tuple[Decimal, str],
    gpu: tuple[Decimal, str] | None,
) -> Offer:
    hourly = core[0] * shape.vcpu + ram[0] * shape.ram_gib + (gpu[0] * shape.gpus if gpu else 0)
    hourly = hourly.quantize(Decimal("0.000000001")).normalize()
    return Offer(
        competitor=competitor,
        sku=shape.name,
        name=shape.name,
        category="gpu" if shape.gpus else "vps",
        currency=core[1],
        price_hourly=hourly,
        price_monthly=(hourly * HOURS_PER_MONTH).normalize(),
        vcpu=Decimal(shape.vcpu),
        ram_gb=shape.ram_gib,
        gpu_model=shape.gpu,
        gpu_count=Decimal(shape.gpus) if shape.gpus else None,
        gpu_memory_gb=gpu_memory_gb(shape.gpu),
        arch="arm64" if shape.name.startswith(("t2a", "c4a")) else "x86_64",
        region=region,
        billing=billing,
        extra={"core_price": str(core[0]), "ram_price": str(ram[0])}
        | ({"gpu_price": str(gpu[0])} if gpu else {}),
    )


@parser(PARSER_ID, reads="Cloud Billing Catalog API SKUs of Compute Engine (JSON; one page or merged pages)")
@guarded(PARSER_ID)
def parse_skus(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Machine-type offers per region and billing, priced from the per-core, per-GiB and GPU SKUs."""
    skus = _load(body)
    parts, compute = _collect(skus)
    if skus and not compute:
        raise _fail("no SKU with category.resourceFamily 'Compute': not the Compute Engine catalogue?")
    unique: dict[tuple[str, str | None, str], Observation] = {}
    for offer in _offers(parts, ctx.competitor or "gcp"):
        unique.setdefault((offer.sku, offer.region, offer.billing), offer)  # aliases of one family
    return list(unique.values())


def _may_price_a_machine(sku: Any) -> bool:
    """Cheap pre-filter of the merge: Compute SKUs billed on demand or as Spot, nothing else."""
    if not isinstance(sku, dict) or not isinstance(sku.get("category"), dict):
        return True  # keep it: the parser will say what is wrong with it
    category = sku["category"]
    return category.get("resourceFamily") == "Compute" and category.get("usageType") in (
        "OnDemand",
        "Preemptible",
    )


def merge_pages(bodies: Iterable[bytes]) -> bytes:
    """One ``{"skus": [...]}`` document from every page (for machines whose SKUs span pages).

    Only the SKUs that can price a machine are carried over (the Compute Engine catalogue is tens
    of thousands of SKUs, most of them network, storage, licences and commitments).
    """
    skus: list[Any] = []
    seen = 0
    for body in bodies:
        page = _load(body)
        seen += len(page)
        skus.extend(sku for sku in page if _may_price_a_machine(sku))
    if seen and not skus:
        raise _fail(f"none of the {seen} SKUs is a Compute SKU billed on demand or Spot")
    return orjson.dumps({"skus": skus})


parse_skus.merge_pages = merge_pages  # type: ignore[attr-defined]  # the runner parses the pages as one


@paginator("gcp.next_page")
def next_page(request: Request, headers: Any, body: bytes) -> Request | None:
    """Ask for ``pageToken=<nextPageToken>`` until the token is empty."""
    try:
        token = orjson.loads(body).get("nextPageToken")
    except (orjson.JSONDecodeError, AttributeError):
        raise _fail("cannot read nextPageToken: the page is not a JSON object") from None
    if not token:
        return None
    return with_params(request, pageToken=token)


@auth_scheme("gcp.api_key")
def api_key(value: str) -> Mapping[str, Mapping[str, str]]:
    """The key goes in the ``key`` query parameter (kept out of recorded URLs by the fetcher)."""
    return {"params": {"key": value}}
