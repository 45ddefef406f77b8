"""Product-area tags for changelog, release and blog items, from French, English and German wording.

Text is folded (lower case, accents removed, ``ß`` -> ``ss``) before matching, so one pattern covers
``données`` and ``donnees``, ``Rechenzentrum`` and ``rechenzentrum``. Patterns are whole words
(``\\b``), so ``ai`` does not match ``email`` and ``lb`` does not match ``album``.

``roadmap_candidate`` says whether an item touches what VMCloud sells (the seed: VPS, GPU, PaaS,
storage, CDN, load balancers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from veille.normalise.text import fold

# The product areas, with their words in French and English (reports and dashboard).
AREA_WORDS: dict[str, tuple[str, str]] = {
    "compute": ("calcul", "compute"),
    "gpu_ai": ("GPU/IA", "GPU/AI"),
    "kubernetes": ("Kubernetes", "Kubernetes"),
    "storage": ("stockage", "storage"),
    "network": ("réseau", "network"),
    "database": ("bases de données", "databases"),
    "serverless": ("serverless", "serverless"),
    "pricing": ("tarifs", "pricing"),
    "region": ("régions", "regions"),
    "deprecation": ("fins de service", "deprecations"),
}
AREAS = tuple(AREA_WORDS)

_WORDS: dict[str, str] = {
    "compute": (
        r"vps|virtual (private )?servers?|virtual machines?|vms?|instances?|droplets?|compute|vcpus?|cpus?"
        r"|bare[ -]?metal|dedicated (servers?|hosts?)|elastic metal|cloud servers?|serveurs?( dedies?| prives? virtuels?)?"
        r"|machines? virtuelles?|virtuelle maschinen?|dedizierte server|servers?|server ?(types?|typen)|rechenleistung"
        r"|arm64|ampere|epyc|xeon|cores?|ram|memory|memoire|arbeitsspeicher"
    ),
    "gpu_ai": (
        r"gpus?|nvidia|amd instinct|h100|h200|b200|gb200|a100|a40|l4|l40s?|mi300x?|rtx ?\w*|tesla|cuda|tpus?"
        r"|ai|ia|ki|artificial intelligence|intelligence artificielle|kunstliche intelligenz|llms?|genai"
        r"|generative|inference|inferenz|machine learning|apprentissage automatique|maschinelles lernen|ml"
        r"|fine[- ]?tuning|embeddings?|notebooks?"
    ),
    "kubernetes": r"kubernetes|k8s|kapsule|kosmos|doks|aks|gke|eks|helm|containers?|conteneurs?|docker|container registry|registry|rancher|openshift",
    "storage": (
        r"storage|stockage|speicher(ung|platz)?|object storage|s3|block storage|volumes?|snapshots?|backups?"
        r"|sauvegardes?|datensicherung|nfs|file storage|file system|filesystems?|archive|glacier|buckets?|nvme|ssd|disques?|disks?"
    ),
    "network": (
        r"network(ing)?|reseaux?|netzwerk(e)?|load[ -]?balancers?|loadbalancer|lb|vpc|private networks?|floating ips?"
        r"|ipv4|ipv6|ip addresses?|adresses? ip|firewalls?|pare-feu|dns|cdn|bandwidth|bande passante|bandbreite"
        r"|traffic|trafic|vpn|ddos|peering|anycast|nat gateway|gateway|passerelle|interconnect"
    ),
    "database": (
        r"databases?|base de donnees|bases de donnees|datenbank(en)?|dbaas|postgres(ql)?|mysql|mariadb|mongodb"
        r"|redis|valkey|kafka|opensearch|elasticsearch|clickhouse|sql"
    ),
    "serverless": (
        r"serverless|sans serveur|functions?|fonctions?|faas|paas|app platform|platform as a service"
        r"|serverless containers|edge functions?|jobs|workers?|cloud run"
    ),
    "pricing": (
        r"prices?|pricing|prix|tarifs?|tarification|preis(e|anpassung|erhohung|senkung)?|kosten|costs?"
        r"|billing|facturation|abrechnung|discounts?|remise|rabatt|cheaper|moins cher|gunstiger|free tier"
        r"|gratuit|kostenlos|free of charge|price (increase|change|drop)|hausse|baisse|per hour|par heure|pro stunde"
    ),
    "region": (
        r"regions?|locations?|datacenters?|data ?centers?|data centres?|centres? de donnees|rechenzentr(um|en)"
        r"|standort(e)?|availability zones?|zones? de disponibilite|verfugbarkeitszonen?|new zone|nouvelle zone"
        r"|(now )?(available|generally available|launched|disponibles?|verfugbar) (in|a|en|dans) [a-z]{2,4}-?\d{1,2}"
    ),
    "deprecation": (
        r"deprecat(e|ed|ion|ing)|end[- ]of[- ]life|eol|end of sale|sunset(ting)?|retire(d|ment)?|discontinu(e|ed|ing)"
        r"|decommission(ed|ing)?|no longer (available|supported)|fin de vie|fin de commercialisation"
        r"|obsolete|deprecie|retrait|abgekundigt|abkundigung|eingestellt|einstellung|auslaufend"
    ),
}
_PATTERNS = {area: re.compile(rf"\b(?:{words})\b") for area, words in _WORDS.items()}
# What VMCloud sells (seed, section 7): VPS + GPU + PaaS + Storage + CDN + LB.
VMCLOUD_AREAS = frozenset({"compute", "gpu_ai", "kubernetes", "storage", "network", "serverless"})


def tag_text(*parts: str | None) -> tuple[str, ...]:
    """The product areas the text touches, in the order of ``AREAS``."""
    text = fold(" ".join(p for p in parts if p))
    return tuple(area for area in AREAS if _PATTERNS[area].search(text))


def tag_item(title: str, summary: str = "", categories: Iterable[str] = ()) -> tuple[str, ...]:
    """Tags of a feed item: its title, summary and its own categories (``bare-metal``, ``gpu``...)."""
    cats = " ".join(c.replace("-", " ").replace("_", " ") for c in categories)
    tags = tag_text(title, summary, cats)
    if "pricing" in tags and "pricing" not in tag_text(title, cats):
        tags = tuple(
            t for t in tags if t != "pricing"
        )  # a price column or pricing link is not a price change
    return tags


# An item announcing prices: a price noun in its title (French, English, German; folded). "Price
# adjustment for cloud servers", "Hausse des tarifs", "Preisanpassung": change words such as
# adjustment, increase, hausse or Erhöhung count only beside a price noun ("Adjustment of firewall
# rules" announces no price).
_PRICE_NOUNS = (
    r"prices?|pricing|repricing|price list|rates? card|prix|tarifs?|tarification|tarifaires?|grille tarifaire"
    r"|preis(e|n|liste|anpassung(en)?|erhohung(en)?|senkung(en)?|anderung(en)?|modell)?|kostenanpassung"
)
_PRICE_ANNOUNCEMENT = re.compile(rf"\b(?:{_PRICE_NOUNS})\b|\bpreis\w*(anpassung|erhohung|senkung)")


def announces_price(title: str, categories: Iterable[str] = ()) -> bool:
    """True where an item's title (or its own categories) announces prices: a price announcement, not
    a feature."""
    cats = " ".join(c.replace("-", " ").replace("_", " ") for c in categories)
    return bool(_PRICE_ANNOUNCEMENT.search(fold(f"{title} {cats}")))


def roadmap_candidate(tags: Iterable[str]) -> bool:
    """True where the item touches what VMCloud sells (VPS, GPU, PaaS, storage, CDN, LB)."""
    return bool(VMCLOUD_AREAS.intersection(tags))
