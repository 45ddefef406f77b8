"""SkyPilot's public GPU catalogues: a keyless fallback for Lambda and RunPod prices.

``GET https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/{cloud}/vms.csv``;
no auth. SkyPilot regenerates them from the providers' APIs (Lambda ``/instance-types`` with a key,
RunPod GraphQL). Columns (by header name, in any order): ``InstanceType, AcceleratorName,
AcceleratorCount, vCPUs, MemoryGiB, Price, Region, GpuInfo, SpotPrice`` and, for RunPod,
``AvailabilityZone``. ``Price`` and ``SpotPrice`` are USD per hour for the whole instance.

``skypilot.vms`` returns one on-demand offer per row (and a ``spot`` one where ``SpotPrice`` is set),
for the competitor of the source (``lambda`` or ``runpod``; guessed from the instance names when the
parser runs alone). The region is the row's ``AvailabilityZone`` when present (a RunPod datacenter,
with the country in ``extra``), else ``Region``. GPU memory comes from ``GpuInfo`` (``SizeInMiB``) or
the accelerator name ("A100-80GB").
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.normalise.units import clean, to_decimal
from veille.observations import HOURS_PER_MONTH, Observation, Offer
from veille.sources._price_json import fail, guarded
from veille.sources._registry import ParseContext, parser

PARSER_ID = "skypilot.vms"
URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/{cloud}/vms.csv"
REQUIRED = ("InstanceType", "AcceleratorName", "AcceleratorCount", "vCPUs", "MemoryGiB", "Price", "Region")
_MIB = re.compile(r"['\"]SizeInMiB['\"]\s*:\s*(\d+)")


def _decimal(row: dict[str, str], column: str, line: int) -> Decimal | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return clean(to_decimal(text))
    except ValueError:
        fail(PARSER_ID, f"line {line}: column {column!r} should be a number, got {text!r}")
    return None  # pragma: no cover - fail() raises


def _competitor(ctx: ParseContext, first_instance: str) -> str:
    if ctx.competitor:
        return ctx.competitor
    if first_instance.upper().endswith(("_SECURE", "_COMMUNITY")):
        return "runpod"
    if first_instance.startswith(("gpu_", "cpu_")):
        return "lambda"
    fail(PARSER_ID, "cannot tell which cloud this catalogue is for (no competitor given)")
    return ""  # pragma: no cover - fail() raises


def _text(body: bytes) -> str:
    if not body.strip():
        fail(PARSER_ID, "empty body: expected a SkyPilot vms.csv catalogue")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(PARSER_ID, f"body is not UTF-8 text (byte {exc.start})")
    if text.lstrip()[:1] in ("<", "{", "["):
        fail(PARSER_ID, "got HTML or JSON where a CSV catalogue was expected")
    return text


@parser(PARSER_ID, reads="SkyPilot catalogue vms.csv (lambda, runpod)")
@guarded(PARSER_ID)
def parse_vms(body: bytes, ctx: ParseContext) -> list[Observation]:
    """One offer per catalogue row (on demand), plus one spot offer where ``SpotPrice`` is given."""
    try:
        return _parse(body, ctx)
    except csv.Error as exc:
        fail(PARSER_ID, f"malformed CSV: {exc}")
        return []  # pragma: no cover - fail() raises


def _parse(body: bytes, ctx: ParseContext) -> list[Observation]:
    reader = csv.DictReader(io.StringIO(_text(body), newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        fail(PARSER_ID, f"CSV header lacks {', '.join(missing)} (has the catalogue format changed?)")
    offers: list[Observation] = []
    competitor: str | None = None
    for line, row in enumerate(reader, start=2):
        if None in row or any(row.get(c) is None for c in REQUIRED):
            fail(PARSER_ID, f"line {line}: wrong number of columns (truncated file?)")
        instance = row["InstanceType"].strip()
        if not instance:
            fail(PARSER_ID, f"line {line}: empty InstanceType")
        competitor = competitor or _competitor(ctx, instance)
        price = _decimal(row, "Price", line)
        spot = _decimal(row, "SpotPrice", line)
        accelerator = row["AcceleratorName"].strip()
        count = _decimal(row, "AcceleratorCount", line) if accelerator else None
        mib = _MIB.search(row.get("GpuInfo") or "")
        model = canonical_gpu(accelerator, Decimal(mib[1]) / 1024 if mib else None) if accelerator else None
        zone = (row.get("AvailabilityZone") or "").strip()
        region = zone or row["Region"].strip() or None
        for billing, hourly in (("on_demand", price), ("spot", spot)):
            if hourly is None or hourly <= 0:
                continue
            offers.append(
                Offer(
                    competitor=competitor,
                    sku=instance,
                    name=instance,
                    category="gpu" if count else "vps",
                    currency="USD",
                    price_hourly=hourly,
                    price_monthly=clean(hourly * HOURS_PER_MONTH),
                    vcpu=_decimal(row, "vCPUs", line),
                    ram_gb=_decimal(row, "MemoryGiB", line),
                    gpu_model=model,
                    gpu_count=count if count else None,
                    gpu_memory_gb=gpu_memory_gb(model),
                    region=region,
                    billing=billing,
                    extra={"country": row["Region"].strip()} if zone else {},
                )
            )
    if not offers:
        fail(PARSER_ID, "no priced row in the catalogue")
    return offers
