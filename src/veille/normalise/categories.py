"""Offer categories: one decision, taken here, for every price source.

The categories are those of docs/contract.md: ``vps``, ``dedicated``, ``gpu``, ``bare_metal``,
``block_storage``, ``object_storage``, ``other``. The rules, in order:

1. storage sold per GB is ``block_storage`` or ``object_storage``;
2. anything with at least one GPU (or a fraction of one) is ``gpu``, whatever it runs on, so that
   GPU positioning finds Vultr's GPU bare metal and OVHcloud's GPU instances alike;
3. a physical server rented by the month (OVHcloud eco, Hetzner Server Auction, Contabo dedicated)
   is ``dedicated``; a physical server provisioned through a cloud API and billed by the hour
   (Vultr bare metal, Scaleway Elastic Metal) is ``bare_metal``;
4. every other virtual machine, shared or dedicated vCPU, is ``vps``.
"""

from __future__ import annotations

from decimal import Decimal

from veille.observations import CATEGORIES

__all__ = ["CATEGORIES", "categorise", "category_from_label"]

_STORAGE = {"block": "block_storage", "object": "object_storage"}


def categorise(
    *,
    gpu_count: Decimal | int | None = None,
    storage: str | None = None,
    bare_metal: bool = False,
    dedicated: bool = False,
    other: bool = False,
) -> str:
    """The category of one offer from what the parser knows about it (rules in the module docstring)."""
    if storage is not None:
        try:
            return _STORAGE[storage]
        except KeyError:
            raise ValueError(f"storage must be 'block' or 'object', not {storage!r}") from None
    if gpu_count is not None and gpu_count > 0:
        return "gpu"
    if dedicated:
        return "dedicated"
    if bare_metal:
        return "bare_metal"
    if other:
        return "other"
    return "vps"


_VM_WORDS = (
    *("vps", "cloud", "instance", "virtual", "compute", "general", "memory", "cpu", "iops", "vds"),
    *("standard", "shared", "dedicated", "burstable", "development", "production", "storage"),
)
_LABELS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("object storage", "object-storage", "s3", "objektspeicher", "stockage objet"), "object_storage"),
    (("block storage", "block-storage", "volume", "stockage bloc"), "block_storage"),
    (("gpu", "grafikkarte", "graphics"), "gpu"),
    (("bare metal", "bare-metal", "baremetal", "metal", "elastic metal"), "bare_metal"),
    (
        ("dedicated server", "serveur dédié", "dedizierter server", "root server", "server auction"),
        "dedicated",
    ),
    (_VM_WORDS, "vps"),
)


def category_from_label(label: str | None, *, gpu_count: Decimal | int | None = None) -> str:
    """Map a provider's free-text family ("general-purpose", "Bare Metal", "GPU"...) to a category.

    A GPU count wins over the label; an unknown label gives ``other``.
    """
    if gpu_count is not None and gpu_count > 0:
        return "gpu"
    text = (label or "").strip().lower()
    if not text:
        return "vps"
    for words, category in _LABELS:
        if any(word in text for word in words):
            return category
    return "other"
