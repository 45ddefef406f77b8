"""The demo's capture sets: three weekly states of fourteen real sources, in their real formats.

Every body is built here in the exact shape the provider serves (Hetzner Cloud ``server_types``,
Scaleway's product catalogue, DigitalOcean ``/v2/sizes``, OVHcloud's order catalogue, Vultr plans,
the eu-cloud-prices dataset, ECB XML, Statuspage ``incidents.json``, RSS, Algolia HN search,
Trustpilot's ``__NEXT_DATA__`` page, a Greenhouse board, Google News RSS). Between the states:
price moves, a new and a withdrawn offer, incidents opened then resolved, new changelog items, new
mentions, a rating drop with a negative review, a burst of GPU/AI hiring, a funding round, and one
source answering garbage for a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from veille.demo.payloads import Response
from veille.demo.prices import digitalocean, ecb, hetzner, infomaniak, ovhcloud, scaleway, vultr
from veille.demo.signals import greenhouse, hn, incident, rss, statuspage, trustpilot

# --- the three weekly states ----------------------------------------------------------------------

STEPS = 3
WEEK = timedelta(days=7)
TOKENS = {"hetzner_token": "demo-hetzner-token", "digitalocean_token": "demo-digitalocean-token"}


@dataclass(frozen=True)
class Capture:
    source_id: str
    response: Response


def _status_do(step: int, t: list[datetime]) -> Response:
    old = incident(
        "r0ld9k3m2n4p",
        "s2k7tnzlhrpw",
        "Load Balancer API errors",
        "minor",
        t[0] - timedelta(days=20),
        "API",
        t[0] - timedelta(days=20, hours=-2),
        "We are investigating errors on the Load Balancer API.",
    )
    items = [old]
    if step >= 1:
        started = t[1] - timedelta(hours=3)
        resolved = t[2] - timedelta(days=6, hours=20) if step >= 2 else None
        items.insert(
            0,
            incident(
                "k7yz2m9cq1wv",
                "s2k7tnzlhrpw",
                "Droplet creation failures in FRA1",
                "major",
                started,
                "Droplets - FRA1",
                resolved,
                "Droplet creation fails in FRA1; existing Droplets are not affected.",
            ),
        )
    return statuspage("s2k7tnzlhrpw", "DigitalOcean", items, t[step])


def _status_ovh(step: int, t: list[datetime]) -> Response:
    items = []
    if step >= 1:
        started = t[1] - timedelta(hours=5)
        resolved = t[1] - timedelta(hours=1) if step >= 2 else None
        items.append(
            incident(
                "ovh8fj2k4l1q",
                "ovhpubcloud01",
                "[GRA11][Public Cloud] Instances unreachable",
                "minor",
                started,
                "GRA11 - Instances",
                resolved,
                "Some instances in GRA11 are unreachable.",
            )
        )
    return statuspage("ovhpubcloud01", "OVHcloud", items, t[step])


FeedEntry = tuple[str, str, str, datetime, str]  # guid, title, link, published, description


def _published_by(step: int, entries: list[tuple[int, FeedEntry]]) -> list[FeedEntry]:
    """The entries a feed shows in week ``step``: those that appeared by then, newest first."""
    return sorted((e for first, e in entries if step >= first), key=lambda e: e[3], reverse=True)


def _hetzner_changelog(step: int, t: list[datetime]) -> Response:
    entries = [
        (0, ("hc-2026-10-01", "Ubuntu 26.04 image available", "https://docs.hetzner.cloud/changelog#2026-10-01",
             t[0] - timedelta(days=30), "The Ubuntu 26.04 LTS image can now be used for new servers.")),
        (1, ("hc-gpu-l40s", "New GPU servers with NVIDIA L40S", "https://docs.hetzner.cloud/changelog#gpu-l40s",
             t[1] - timedelta(days=2), "Cloud servers with NVIDIA L40S GPUs are available in fsn1 and nbg1.")),
        (2, ("hc-price-2026", "Price adjustment for cloud servers", "https://docs.hetzner.cloud/changelog#price",
             t[2] - timedelta(days=1), "New prices apply to CX servers from next month.")),
    ]  # fmt: skip
    return rss(
        "Hetzner Cloud Changelog", "https://docs.hetzner.cloud/changelog", _published_by(step, entries)
    )


def _do_release_notes(step: int, t: list[datetime]) -> Response:
    entries = [
        (0, ("do-rn-1", "Managed Databases: PostgreSQL 18", "https://docs.digitalocean.com/release-notes/#pg18",
             t[0] - timedelta(days=12), "PostgreSQL 18 clusters can be created.")),
        (2, ("do-rn-2", "Kubernetes 1.34 available on DOKS", "https://docs.digitalocean.com/release-notes/#doks-134",
             t[2] - timedelta(days=3), "DigitalOcean Kubernetes supports 1.34.")),
    ]  # fmt: skip
    return rss(
        "DigitalOcean Release Notes",
        "https://docs.digitalocean.com/release-notes/",
        _published_by(step, entries),
    )


def _hn(step: int, t: list[datetime]) -> Response:
    hits = [
        (
            "46100001",
            "OVH's new Public Cloud pricing explained",
            "clouduser",
            41,
            12,
            t[0] - timedelta(days=2),
        ),
        (
            "46100002",
            "Ask HN: OVH or Hetzner for a small SaaS in 2026?",
            "saasdev",
            88,
            64,
            t[0] - timedelta(days=1),
        ),
    ]
    if step >= 1:
        hits = [
            (
                "46200010",
                "OVHcloud outage in Gravelines takes down thousands of sites",
                "netwatch",
                312 if step == 2 else 140,
                201 if step == 2 else 77,
                t[1] - timedelta(hours=4),
            ),
            (
                "46200011",
                "Show HN: Terraform modules for OVH Public Cloud",
                "tfmaker",
                23,
                4,
                t[1] - timedelta(days=1),
            ),
            *hits,
        ]
    return hn(hits)


def _trustpilot(step: int, t: list[datetime]) -> Response:
    reviews = [
        (
            "64a1f2b0c1d2e3f4a5b60001",
            4,
            "Bon rapport qualité-prix",
            "Serveurs fiables et prix corrects, l'interface est vieillotte.",
            "fr",
            t[0] - timedelta(days=3),
        ),
        (
            "64a1f2b0c1d2e3f4a5b60002",
            2,
            "Slow support",
            "Support took five days to answer a simple billing question.",
            "en",
            t[0] - timedelta(days=5),
        ),
    ]
    if step >= 2:
        reviews.insert(
            0,
            (
                "64a1f2b0c1d2e3f4a5b60003",
                1,
                "Support injoignable pendant la panne",
                "Panne de plusieurs heures et aucun retour du support. Très déçu, nous migrons.",
                "fr",
                t[2] - timedelta(days=2),
            ),
        )
        return trustpilot(3.2, 5402, reviews)
    return trustpilot(3.4, 5210, reviews)


def _greenhouse(step: int, t: list[datetime]) -> Response:
    early = t[0] - timedelta(days=40)
    jobs = [
        (7001, "Senior Software Engineer, Droplets", "Engineering", "Remote - US", early),
        (7002, "Software Engineer II, Storage", "Engineering", "Remote - EU", early),
        (7003, "Staff Engineer, Networking", "Engineering", "New York", early),
        (7004, "Site Reliability Engineer", "Engineering", "Remote - US", early),
        (7005, "Frontend Engineer, Control Panel", "Engineering", "Remote - US", early),
        (7006, "Account Executive, EMEA", "Sales", "London", early),
        (7007, "Sales Development Representative", "Sales", "Remote - US", early),
        (7008, "Customer Support Engineer", "Support", "Bangalore", early),
        (7009, "Technical Support Specialist", "Support", "Remote - EU", early),
        (7010, "Machine Learning Engineer, GenAI Platform", "AI/ML", "Remote - US", early),
    ]
    if step >= 1:
        jobs += [
            (7011, "GPU Infrastructure Engineer", "AI/ML", "Remote - US", t[1] - timedelta(days=3)),
            (7012, "Senior ML Engineer, Inference", "AI/ML", "Remote - EU", t[1] - timedelta(days=3)),
            (7013, "Product Manager, GPU Droplets", "AI/ML", "New York", t[1] - timedelta(days=2)),
            (7014, "AI Solutions Architect, EMEA", "AI/ML", "Amsterdam", t[1] - timedelta(days=2)),
            (7015, "Staff Engineer, LLM Serving", "AI/ML", "Remote - US", t[1] - timedelta(days=1)),
        ]
        jobs = [j for j in jobs if j[0] != 7007]
    if step >= 2:
        jobs.append(
            (
                7016,
                "Data Center Technician, Frankfurt",
                "Infrastructure",
                "Frankfurt",
                t[2] - timedelta(days=2),
            )
        )
    return greenhouse(jobs)


def _news(step: int, t: list[datetime]) -> Response:
    entries = [
        (0, ("news-ik-1", "Infomaniak ouvre un nouveau centre de données à Genève", "https://news.example.org/infomaniak-dc",
             t[0] - timedelta(days=9), "Le nouveau centre de données récupère la chaleur pour chauffer des logements.")),
        (2, ("news-ik-2", "Infomaniak lève 50 millions d'euros pour accélérer son cloud souverain",
             "https://news.example.org/infomaniak-levee", t[2] - timedelta(days=1),
             "Le suisse Infomaniak annonce une levée de fonds de 50 M€ auprès d'investisseurs européens.")),
    ]  # fmt: skip
    return rss(
        "Infomaniak - Google Actualités", "https://news.google.com", _published_by(step, entries), "fr"
    )


def state(step: int, t: list[datetime]) -> list[Capture]:
    """The responses every demo source serves during week ``step`` (0, 1, 2)."""
    return [
        Capture("hetzner.server_types", hetzner(step)),
        Capture("scaleway.catalog.fr-par-1", scaleway(step)),
        Capture("digitalocean.sizes", digitalocean(step)),
        Capture("ovhcloud.cloud", ovhcloud(step)),
        Capture("eucloudprices.infomaniak", infomaniak(step)),
        Capture("vultr.plans", vultr(step)),
        Capture("ecb.daily", ecb(step, t[step])),
        Capture("digitalocean.status.incidents", _status_do(step, t)),
        Capture("ovhcloud.status.public-cloud.incidents", _status_ovh(step, t)),
        Capture("hetzner.changelog", _hetzner_changelog(step, t)),
        Capture("digitalocean.release-notes", _do_release_notes(step, t)),
        Capture("ovhcloud.mentions.hn", _hn(step, t)),
        Capture("ovhcloud.reviews.trustpilot", _trustpilot(step, t)),
        Capture("digitalocean.jobs.greenhouse", _greenhouse(step, t)),
        Capture("infomaniak.news.google-fr", _news(step, t)),
    ]


def source_ids() -> list[str]:
    return [c.source_id for c in state(0, [datetime(2026, 1, 1)] * STEPS)]
