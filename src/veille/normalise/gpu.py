"""One canonical name per GPU model across providers.

Every provider spells GPUs its own way: OVHcloud "Tesla V100S", Scaleway "H100-SXM-80G", DigitalOcean
"nvidia_h100", Lambda "8x H100 (80 GB SXM5)" or "gpu_8x_h100_sxm5", RunPod "NVIDIA GeForce RTX 4090",
Vast.ai "RTX_4090", GCP "nvidia-tesla-a100", SkyPilot "A100-80GB". ``canonical_gpu`` maps them all to
``"<Vendor> <Model> <memory>GB"`` ("NVIDIA H100 80GB", "AMD MI300X 192GB").

Rules:

- vendor words, marketing words and form factors (Tesla, GeForce, Instinct, SXM5, PCIe, HBM3...) are
  dropped: an H100 SXM and an H100 PCIe are both "NVIDIA H100 80GB" (the H100 NVL, a different card,
  stays "NVIDIA H100 NVL 94GB");
- the memory comes from the name ("80GB", "80G", "80 GB"), else from ``memory_gb``, else from the
  model's usual size; a figure close to a known size of the model (within 10%, e.g. 79.6 GB reported
  by a marketplace host) is snapped to it;
- an unknown name is kept readable: vendor (when recognisable) + the cleaned name + memory if known.

The function is idempotent: ``canonical_gpu(canonical_gpu(x)) == canonical_gpu(x)``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple


class GpuModel(NamedTuple):
    vendor: str
    name: str
    memory_gb: tuple[int, ...]  # known sizes per GPU; the first is the default
    aliases: tuple[str, ...] = ()  # compact spellings (upper case, no separators) besides the name's


# Per-GPU memory in GB, as the vendors sell them.
MODELS: tuple[GpuModel, ...] = (
    # NVIDIA data-centre
    GpuModel("NVIDIA", "B300", (288,)),
    GpuModel("NVIDIA", "B200", (180, 192)),
    GpuModel("NVIDIA", "GB200", (186, 192)),
    GpuModel("NVIDIA", "GH200", (96, 144)),
    GpuModel("NVIDIA", "H200", (141,), ("H200NVL",)),
    GpuModel("NVIDIA", "H100", (80,), ("H100MEGA",)),
    GpuModel("NVIDIA", "H100 NVL", (94,)),
    GpuModel("NVIDIA", "H800", (80,)),
    GpuModel("NVIDIA", "A100", (40, 80)),
    GpuModel("NVIDIA", "A800", (80, 40)),
    GpuModel("NVIDIA", "A40", (48,)),
    GpuModel("NVIDIA", "A30", (24,)),
    GpuModel("NVIDIA", "A16", (16,)),
    GpuModel("NVIDIA", "A10", (24,)),
    GpuModel("NVIDIA", "A10G", (24,)),
    GpuModel("NVIDIA", "A2", (16,)),
    GpuModel("NVIDIA", "L40S", (48,)),
    GpuModel("NVIDIA", "L40", (48,)),
    GpuModel("NVIDIA", "L20", (48,)),
    GpuModel("NVIDIA", "L4", (24,)),
    GpuModel("NVIDIA", "T4", (16,)),
    GpuModel("NVIDIA", "T4G", (16,)),
    GpuModel("NVIDIA", "V100", (16, 32)),
    GpuModel("NVIDIA", "V100S", (32,)),
    GpuModel("NVIDIA", "P100", (16, 12)),
    GpuModel("NVIDIA", "P40", (24,)),
    GpuModel("NVIDIA", "P4", (8,)),
    GpuModel("NVIDIA", "K80", (12,)),
    GpuModel("NVIDIA", "M60", (8,)),
    # NVIDIA workstation / professional
    GpuModel("NVIDIA", "RTX PRO 6000", (96,), ("RTXPRO6000BLACKWELL", "RTXPRO6000MAX")),
    GpuModel("NVIDIA", "RTX 6000 Ada", (48,), ("RTX6000ADA",)),
    GpuModel("NVIDIA", "RTX 5000 Ada", (32,)),
    GpuModel("NVIDIA", "RTX 4000 Ada", (20,), ("RTX4000ADASFF",)),
    GpuModel("NVIDIA", "RTX 2000 Ada", (16,)),
    GpuModel("NVIDIA", "RTX A6000", (48,), ("A6000",)),
    GpuModel("NVIDIA", "RTX A5000", (24,), ("A5000",)),
    GpuModel("NVIDIA", "RTX A4500", (20,), ("A4500",)),
    GpuModel("NVIDIA", "RTX A4000", (16,), ("A4000",)),
    GpuModel("NVIDIA", "RTX A2000", (12, 6), ("A2000",)),
    GpuModel("NVIDIA", "Quadro RTX 8000", (48,), ("RTX8000",)),
    GpuModel("NVIDIA", "Quadro RTX 6000", (24,), ("RTX6000",)),
    GpuModel("NVIDIA", "Quadro RTX 5000", (16,), ("RTX5000",)),
    GpuModel("NVIDIA", "Quadro RTX 4000", (8,), ("RTX4000",)),
    # NVIDIA consumer
    GpuModel("NVIDIA", "RTX 5090", (32,), ("5090",)),
    GpuModel("NVIDIA", "RTX 5080", (16,)),
    GpuModel("NVIDIA", "RTX 4090", (24,), ("4090",)),
    GpuModel("NVIDIA", "RTX 4080", (16,)),
    GpuModel("NVIDIA", "RTX 4070 Ti", (12,)),
    GpuModel("NVIDIA", "RTX 4070", (12,)),
    GpuModel("NVIDIA", "RTX 3090 Ti", (24,)),
    GpuModel("NVIDIA", "RTX 3090", (24,), ("3090",)),
    GpuModel("NVIDIA", "RTX 3080 Ti", (12,)),
    GpuModel("NVIDIA", "RTX 3080", (10, 12), ("3080",)),
    GpuModel("NVIDIA", "RTX 3070", (8,), ("3070",)),
    GpuModel("NVIDIA", "RTX 3060", (12,)),
    GpuModel("NVIDIA", "RTX 2080 Ti", (11,)),
    GpuModel("NVIDIA", "GTX 1080 Ti", (11,)),
    GpuModel("NVIDIA", "GTX 1080", (8,)),
    # AMD
    GpuModel("AMD", "MI355X", (288,)),
    GpuModel("AMD", "MI325X", (256,)),
    GpuModel("AMD", "MI300X", (192,)),
    GpuModel("AMD", "MI250X", (128,)),
    GpuModel("AMD", "MI250", (128,)),
    GpuModel("AMD", "MI210", (64,)),
    GpuModel("AMD", "MI100", (32,)),
    GpuModel("AMD", "Radeon Pro V520", (8,), ("PROV520", "V520")),
    GpuModel("AMD", "Radeon Pro V710", (28,), ("PROV710", "V710")),
    # Intel
    GpuModel("Intel", "Gaudi", (32,), ("HL205",)),
    GpuModel("Intel", "Gaudi2", (96,), ("GAUDI2HL225H", "HL225H")),
    GpuModel("Intel", "Gaudi3", (128,)),
    GpuModel("Intel", "Max 1100", (48,), ("DATACENTERGPUMAX1100",)),
)

_SPLIT = re.compile(r"[\s_\-/,()\[\]{}:;|+*'\"]+")
# "6000Ada" / "3080Ti" glued suffixes.
_GLUED = re.compile(r"(?<=\d)(ADA|TI|SFF)\b", re.IGNORECASE)
_MEMORY = re.compile(r"^(\d{1,5}(?:\.\d{1,3})?)(?:G|GB|GIB)$", re.IGNORECASE | re.ASCII)
_NUMBER = re.compile(r"^\d{1,5}(?:\.\d{1,3})?$", re.ASCII)
_COUNT = re.compile(r"^\d{1,3}X$", re.IGNORECASE | re.ASCII)
_MEMORY_UNITS = frozenset({"G", "GB", "GIB"})

# Words that say nothing about which GPU it is.
_NOISE = frozenset(
    [
        "NVIDIA",
        "TESLA",
        "GEFORCE",
        "QUADRO",
        "Q",
        "AMD",
        "INSTINCT",
        "RADEON",
        "INTEL",
        "HABANA",
        "GPU",
        "GPUS",
        "UNKNOWN",
        "SXM",
        "SXM2",
        "SXM3",
        "SXM4",
        "SXM5",
        "SXM6",
        "PCIE",
        "PCI",
        "E",
        "OAM",
        "NVLINK",
        "HBM2",
        "HBM2E",
        "HBM3",
        "HBM3E",
        "GENERATION",
        "SERVER",
        "WORKSTATION",
        "EDITION",
        "BLACKWELL",
        "HOPPER",
        "AMPERE",
        "ADA_GEN",
        "MEGA",
        "VWS",
        "VGPU",
    ]
)
_VENDOR_HINTS = {
    "NVIDIA": "NVIDIA",
    "TESLA": "NVIDIA",
    "GEFORCE": "NVIDIA",
    "QUADRO": "NVIDIA",
    "RTX": "NVIDIA",
    "GTX": "NVIDIA",
    "TITAN": "NVIDIA",
    "AMD": "AMD",
    "INSTINCT": "AMD",
    "RADEON": "AMD",
    "INTEL": "Intel",
    "HABANA": "Intel",
    "GAUDI": "Intel",
}


def _compact(text: str) -> str:
    return "".join(_SPLIT.split(text)).upper()


def _build_index() -> dict[str, GpuModel]:
    index: dict[str, GpuModel] = {}
    for model in MODELS:
        for key in (_compact(model.name), *model.aliases):
            if key in index and index[key] is not model:
                raise ValueError(f"GPU alias {key!r} is ambiguous")
            index[key] = model
    # Glued spellings produced by _GLUED on canonical names are handled by compaction.
    return index


_INDEX = _build_index()


def _clean_memory(value: Decimal | None) -> Decimal | None:
    """Memory rounded to 0.1 GB; None when absent, not positive or absurd."""
    if value is None or not value.is_finite():
        return None
    value = value.quantize(Decimal("0.1"))
    return value if 0 < value < 100_000 else None


def _format_gb(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return f"{int(value)}GB" if value == value.to_integral_value() else f"{text}GB"


def _snap(model: GpuModel, memory: Decimal) -> Decimal:
    nearest = min(model.memory_gb, key=lambda size: abs(memory - size))
    return Decimal(nearest) if abs(memory - nearest) <= Decimal(nearest) / 10 else memory


class _Parsed(NamedTuple):
    tokens: list[str]  # meaningful tokens, original case
    memory: Decimal | None
    vendor: str | None


def _tokenise(name: str) -> _Parsed:
    raw = [t for t in _SPLIT.split(_GLUED.sub(r" \1", name)) if t]
    tokens: list[str] = []
    memory: Decimal | None = None
    vendor: str | None = None
    i = 0
    while i < len(raw):
        token = raw[i]
        upper = token.upper()
        vendor = vendor or _VENDOR_HINTS.get(upper)
        match = _MEMORY.match(token)
        if match:
            memory = memory if memory is not None else Decimal(match.group(1))
        elif _NUMBER.match(token) and i + 1 < len(raw) and raw[i + 1].upper() in _MEMORY_UNITS:
            memory = memory if memory is not None else Decimal(token)
            i += 1
        elif upper not in _NOISE and not _COUNT.match(token):
            tokens.append(token)
        i += 1
    if vendor is None and tokens and re.match(r"^MI\d", tokens[0], re.IGNORECASE):
        vendor = "AMD"
    return _Parsed(tokens, memory, vendor)


def _as_decimal(value: Decimal | int | float | str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return _clean_memory(result)


@lru_cache(maxsize=4096)
def _canonical(name: str, memory_gb: Decimal | None) -> str:
    parsed = _tokenise(name)
    memory = _clean_memory(parsed.memory) or memory_gb
    model = _INDEX.get("".join(t.upper() for t in parsed.tokens))
    if model is not None:
        size = _snap(model, memory) if memory is not None else Decimal(model.memory_gb[0])
        return f"{model.vendor} {model.name} {_format_gb(size)}"
    words = [t.upper() if any(c.isdigit() for c in t) else t for t in parsed.tokens]
    parts = [parsed.vendor] if parsed.vendor else []
    parts += words or (["GPU"] if parsed.vendor else ["Unknown", "GPU"])
    if memory is not None:
        parts.append(_format_gb(memory))
    return " ".join(parts)


def canonical_gpu(name: str, memory_gb: Decimal | int | float | str | None = None) -> str:
    """Canonical GPU name, e.g. ``canonical_gpu("NVIDIA A100-SXM4-80GB") == "NVIDIA A100 80GB"``.

    ``memory_gb`` is the memory of one GPU when the provider gives it apart from the name.
    """
    return _canonical(name.strip(), _as_decimal(memory_gb))


_DESCRIPTION_COUNT = re.compile(
    r"^\s*(?:gpu[\s_-]*)?(?P<count>\d{1,3}(?:\s*/\s*\d{1,3})?|\d{1,3}\.\d{1,4})\s*[x×]?[\s_-]+(?P<rest>.+)$",
    re.IGNORECASE,
)
_DESCRIPTION_TRAILING = re.compile(
    r"^(?P<rest>.+?)\s*(?:[x×]\s*(?P<count>\d{1,3})|\((?P<n>\d{1,3})x\))\s*$", re.IGNORECASE
)


def _count(text: str) -> Decimal:
    if "/" in text:
        num, den = (Decimal(part.strip()) for part in text.split("/"))
        if den == 0:
            raise ValueError(f"GPU count {text!r} divides by zero")
        return num / den
    return Decimal(text)


def parse_gpu_description(
    text: str, memory_gb: Decimal | int | float | str | None = None
) -> tuple[Decimal, str]:
    """``(count, canonical model)`` from "8x H100 (80 GB SXM5)", "gpu_8x_h100_sxm5", "1/8 A16", "A100 x 2".

    A description without a count means one GPU; a fractional count ("1/8") is kept as a Decimal.
    Raises ``ValueError`` when the text names no GPU at all.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty GPU description")
    count = Decimal(1)
    match = _DESCRIPTION_COUNT.match(cleaned)
    if match:
        count, cleaned = _count(match.group("count")), match.group("rest")
    else:
        trailing = _DESCRIPTION_TRAILING.match(cleaned)
        if trailing:
            count, cleaned = _count(trailing.group("count") or trailing.group("n")), trailing.group("rest")
    if count <= 0:
        raise ValueError(f"GPU count must be positive in {text!r}")
    if not _tokenise(cleaned).tokens:
        raise ValueError(f"no GPU model in {text!r}")
    return count, canonical_gpu(cleaned, memory_gb)


_CANONICAL_MEMORY = re.compile(r" (\d{1,5}(?:\.\d)?)GB$")


def gpu_memory_gb(canonical: str | None) -> Decimal | None:
    """The per-GPU memory a canonical name ends with (``"NVIDIA L4 24GB"`` -> 24), or None."""
    match = _CANONICAL_MEMORY.search(canonical or "")
    return Decimal(match[1]) if match else None
