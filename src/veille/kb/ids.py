"""Stable competitor ids and the names people use for them.

``resolve_competitor("OVH") == "ovhcloud"``, ``resolve_competitor("Lambda Labs") == "lambda"``,
``resolve_competitor("DO") == "digitalocean"``. Matching ignores case, accents, spaces and punctuation,
so "Digital Ocean", "digital-ocean" and "DIGITALOCEAN" are the same name.
"""

from __future__ import annotations

import re
import unicodedata

from veille.errors import NotFoundError

# Every competitor id of docs/contract.md, in the order the analysis presents them.
COMPETITOR_IDS: tuple[str, ...] = (
    "vmcloud",
    "ovhcloud",
    "scaleway",
    "hetzner",
    "infomaniak",
    "digitalocean",
    "hostinger",
    "contabo",
    "vultr",
    "lambda",
    "coreweave",
    "vastai",
    "runpod",
    "paperspace",
    "aws",
    "gcp",
    "azure",
)

SELF_ID = "vmcloud"

# Names besides the id itself; compared after ``_key`` (case, accents and punctuation removed).
ALIASES: dict[str, tuple[str, ...]] = {
    "vmcloud": ("VMCloud", "VM Cloud"),
    "ovhcloud": ("OVH", "OVHcloud", "OVH Cloud", "OVH SAS", "Kimsufi", "So you Start"),
    "scaleway": ("Scaleway", "Online.net", "Online", "Scaleway Elements"),
    "hetzner": ("Hetzner", "Hetzner Online", "Hetzner Cloud"),
    "infomaniak": ("Infomaniak", "Infomaniak Network"),
    "digitalocean": ("DigitalOcean", "Digital Ocean", "DO"),
    "hostinger": ("Hostinger",),
    "contabo": ("Contabo",),
    "vultr": ("Vultr", "The Constant Company"),
    "lambda": ("Lambda", "Lambda Labs", "Lambda Cloud", "LambdaLabs"),
    "coreweave": ("CoreWeave", "Core Weave"),
    "vastai": ("Vast.ai", "Vast", "Vast ai", "VastAI"),
    "runpod": ("RunPod", "Run Pod"),
    "paperspace": ("Paperspace", "Paperspace Gradient"),
    "aws": ("AWS", "Amazon Web Services", "Amazon", "EC2", "Amazon EC2"),
    "gcp": ("GCP", "Google Cloud", "Google Cloud Platform", "Google"),
    "azure": ("Azure", "Microsoft Azure", "Microsoft"),
}


def _key(name: str) -> str:
    """Lower case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", plain.casefold())


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for competitor_id in COMPETITOR_IDS:
        index[_key(competitor_id)] = competitor_id
        for alias in ALIASES.get(competitor_id, ()):
            index.setdefault(_key(alias), competitor_id)
    return index


_INDEX = _build_index()


def find_competitor(name: str) -> str | None:
    """The id for ``name`` (an id, a name or an alias), or None when nobody is called that."""
    key = _key(name)
    if not key:
        return None
    return _INDEX.get(key)


def resolve_competitor(name: str) -> str:
    """The stable id for ``name`` (an id, a name or an alias); NotFoundError when unknown."""
    found = find_competitor(name)
    if found is None:
        known = ", ".join(COMPETITOR_IDS)
        raise NotFoundError(f"unknown competitor {name!r} (known: {known})")
    return found


def is_competitor_id(value: str) -> bool:
    return value in COMPETITOR_IDS


_GENERIC_ALIASES = frozenset({"do", "online", "vast", "amazon", "google", "microsoft"})


def competitor_names(competitor: str) -> tuple[str, ...]:
    """The names a text uses for ``competitor``: its id and its aliases, save those that are also
    common words ("DO", "Online", "Vast", "Google")."""
    aliases = (a for a in ALIASES.get(competitor, ()) if a.lower() not in _GENERIC_ALIASES)
    return (competitor, *aliases)
