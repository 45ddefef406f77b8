"""The contract every source and parser keeps (docs/contract.md, `veille sources parse`; docs/sources.md).

One test runs over every registered source and parser:

- each source is declared in a documented module, names a known parser, a known kind, an https URL, a
  positive cadence and (if any) a credential that is a real Settings field, under a unique id;
- each parser has at least one of the project's own fixtures (mapped below, explicitly), and parsing
  it returns a non-empty list of observations whose JSON has the fields docs/contract.md requires for its
  type: decimals as strings (never floats), times ISO 8601 with a zone, offer categories from the
  allowed set, three-letter currency codes;
- ``veille sources parse PARSER FILE --json`` prints the same array;
- the real payloads of ``tests/fixtures/reference`` (its README.md maps them to parser ids) pass the same
  checks.

No network, no database: parsers are pure.
"""

from __future__ import annotations

import importlib
import re
import typing
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

import veille.sources
from veille.errors import ParseError
from veille.kb.ids import default_records
from veille.normalise.incidents import IMPACTS, STATUSES
from veille.normalise.jobs import FUNCTIONS
from veille.observations import CATEGORIES, OBSERVATION_TYPES, Billing, Incident, Offer, PriceUnit
from veille.settings import CREDENTIAL_FIELDS, Settings
from veille.sources import ParseContext, SourceSpec, get_parser, get_source, parse_body, parsers, sources

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

# The shipped competitor records (docs/contract.md, "Identifiers"): no copy of their ids here.
COMPETITORS = frozenset(r.id for r in default_records())
# SourceSpec.kind, as _registry.py lists them.
KINDS = frozenset(
    ("prices", "fx", "incidents", "changelog", "mentions", "reviews", "jobs", "funding", "availability")
)

# docs/contract.md, `veille sources parse PARSER FILE --json`: the fields checked per observation type.
REQUIRED: dict[str, tuple[str, ...]] = {
    "offer": (
        "competitor", "sku", "name", "category", "vcpu", "ram_gb", "disk_gb", "gpu_model", "gpu_count",
        "region", "currency", "price_hourly", "price_monthly",
    ),
    "fx_rate": ("base", "currency", "rate", "date"),
    "incident": (
        "competitor", "id", "title", "impact", "status", "started_at", "resolved_at", "components", "url",
    ),
    "item": ("id", "title", "url", "published_at", "tags"),
    "mention": ("platform", "id", "title", "url", "author", "score", "comments", "created_at"),
    "job": ("id", "title", "department", "function", "location", "url", "published_at"),
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One body for one parser, parsed as if fetched by ``source`` (or with an explicit competitor/URL).

    ``more`` are further pages of the same run (merged first for a parser with ``merge_pages``, as the
    collection runner does); ``error`` is the ParseError expected instead of observations.
    """

    parser: str
    path: str
    source: str | None = None
    competitor: str | None = None
    url: str | None = None
    more: tuple[str, ...] = ()
    error: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # the source's options (a price API's field mapping)

    @property
    def id(self) -> str:
        return f"{self.parser}:{self.path}"

    def context(self) -> ParseContext:
        if self.source is None:
            assert self.url, f"{self.path}: a case without a source needs a URL"
            return ParseContext(
                f"contract.{self.parser}", self.competitor, self.url, FETCHED_AT, options=dict(self.options)
            )
        spec = get_source(self.source)
        assert spec.parser == self.parser, f"source {spec.id} is read by {spec.parser}, not {self.parser}"
        return ParseContext(
            spec.id,
            self.competitor or spec.competitor,
            self.url or spec.url,
            FETCHED_AT,
            params=dict(spec.params),
            headers=dict(spec.headers),
        )


SCALEWAY_CHANGELOG = "https://api.github.com/repos/scaleway/docs-content/contents/changelog"
SCALEWAY_RAW = "https://raw.githubusercontent.com/scaleway/docs-content/main/changelog"
PRICING_PAGES = ("contabo_en", "coreweave_en", "hostinger_fr", "infomaniak_de", "paperspace_en")

# parser id -> the project's own fixtures (tests/fixtures/...) that must parse into valid observations.
FIXTURE_CASES: dict[str, tuple[Case, ...]] = {
    "ashby.jobs": (Case("ashby.jobs", "ashby/job_board_lambda.json", "lambda.jobs.ashby"),),
    "aws.offer": (Case("aws.offer", "aws/offer_eu-west-3.json", "aws.offer.eu-west-3"),),
    "azure.retail": (Case("azure.retail", "azure/retail_westeurope_page1.json", "azure.retail.westeurope"),),
    "betterstack.index": (Case("betterstack.index", "betterstack/index_1.json", "runpod.status"),),
    "bluesky.search": (
        Case("bluesky.search", "bluesky/search_posts_ovhcloud.json", "ovhcloud.mentions.bluesky"),
    ),
    "x.recent_search": (
        Case("x.recent_search", "x/recent_search_ovhcloud_page1.json", "ovhcloud.mentions.x"),
    ),
    "digitalocean.sizes": (Case("digitalocean.sizes", "digitalocean/sizes_page1.json", "digitalocean.sizes"),),
    "ecb.daily": (Case("ecb.daily", "ecb/eurofxref-hist-90d.xml", "ecb.daily"),),
    "ecb.sdmx": (Case("ecb.sdmx", "ecb/exr_sdmx_jsondata.json", "ecb.sdmx"),),
    "edgar.submissions": (
        Case("edgar.submissions", "edgar/submissions_CIK0001582961_nov24.json", "digitalocean.filings.edgar"),
    ),
    "eucloudprices.dataset": (
        Case("eucloudprices.dataset", "eucloudprices/gpu_and_tiers.json", "eucloudprices.infomaniak"),
    ),
    "feed": (
        Case("feed", "feeds/blog_fr_1.rss", "ovhcloud.blog"),
        Case("feed", "feeds/blog_de_1.atom", "hetzner.news"),
    ),
    # a machine's core and RAM SKUs sit on different pages: the runner merges the pages of a run
    "gcp.skus": (Case("gcp.skus", "gcp/skus_page1.json", "gcp.skus", more=("gcp/skus_page2.json",)),),
    "github.releases": (Case("github.releases", "github_releases/releases_1.atom", "hetzner.releases.cli"),),
    "greenhouse.jobs": (
        Case("greenhouse.jobs", "greenhouse/board_digitalocean98_day1.json", "digitalocean.jobs.greenhouse"),
    ),
    "hetzner.auction": (Case("hetzner.auction", "hetzner/auction_live_data_sb.json", "hetzner.auction"),),
    "hetzner.pricing": (Case("hetzner.pricing", "hetzner/pricing.json", "hetzner.pricing"),),
    "hetzner.server_types": (
        Case("hetzner.server_types", "hetzner/server_types_page1.json", "hetzner.server_types"),
    ),
    "hn.algolia": (Case("hn.algolia", "hn/search_by_date_scaleway_page1.json", "scaleway.mentions.hn"),),
    "hostinger.catalog": (
        Case("hostinger.catalog", "hostinger/billing_catalog_vps.json", "hostinger.catalog"),
    ),
    "infomaniak.events": (Case("infomaniak.events", "infomaniak_status/events_1.json", "infomaniak.status"),),
    "lambda.instance_types": (
        Case("lambda.instance_types", "lambda/instance_types.json", "lambda.instance_types"),
    ),
    "lever.postings": (
        Case("lever.postings", "lever/postings_examplecloud.json", None, "ovhcloud",
             "https://api.lever.co/v0/postings/examplecloud?mode=json"),
    ),
    "news.feed": (
        Case("news.feed", "news/press_fr_1.rss", None, "scaleway", "https://www.scaleway.com/fr/presse/rss.xml"),
        Case("news.feed", "news/presse_de_1.atom", None, "hetzner",
             "https://www.hetzner.com/de/pressroom/feed.atom"),
    ),
    "ovhcloud.catalog": (
        Case("ovhcloud.catalog", "ovhcloud/cloud_catalog_fr.json", "ovhcloud.cloud"),
        Case("ovhcloud.catalog", "ovhcloud/cloud_catalog_gb.json", "ovhcloud.cloud"),
    ),
    "ovhcloud.eco": (Case("ovhcloud.eco", "ovhcloud/eco_catalog_fr.json", "ovhcloud.eco"),),
    "personio.xml": (Case("personio.xml", "personio/contabo_positions.xml", "contabo.jobs.personio"),),
    "pricing_page.generic": (
        Case("pricing_page.generic", "pricing_pages/generic_fr_table.html", None, "contabo",
             "https://contabo.com/fr/vps/"),
        Case("pricing_page.generic", "pricing_pages/generic_de_cards.html", None, "hetzner",
             "https://www.hetzner.com/de/cloud/"),
    ),
    "pricing_page.jsonld": (
        Case("pricing_page.jsonld", "pricing_jsonld/products.html", None, "hetzner", "https://example.com/pricing"),
    ),
    "price_api.jmespath": (
        Case("price_api.jmespath", "vultr/plans_metal.json", None, "vultr", "https://api.vultr.com/v2/plans-metal",
             options=(("items", "plans_metal"), ("sku", "id"), ("name", "id"), ("price", "hourly_cost"),
                      ("currency", "'USD'"), ("period", "hour"), ("vcpu", "cpu_threads"), ("disk_gb", "disk"))),
    ),
    "pricing_page.html": tuple(
        Case("pricing_page.html", f"pricing_pages/{page}.html", f"pricing_page.{page.split('_')[0]}")
        for page in PRICING_PAGES
    ),
    "recruitee.offers": (
        Case("recruitee.offers", "recruitee/offers_examplecloud.json", None, "vultr",
             "https://examplecloud.recruitee.com/api/offers/"),
    ),
    "reddit.listing": (Case("reddit.listing", "reddit/search_hetzner.json", "hetzner.mentions.reddit"),),
    "runpod.gpu_types": (Case("runpod.gpu_types", "runpod/gpu_types.json", "runpod.gpu_types"),),
    "scaleway.availability": (
        Case("scaleway.availability", "scaleway/availability_fr-par-2_page2.json",
             "scaleway.availability.fr-par-2"),
    ),
    "scaleway.catalog": (
        Case("scaleway.catalog", "scaleway/catalog_fr-par-2_page1.json", "scaleway.catalog.fr-par-2"),
    ),
    "scaleway.changelog": (
        Case("scaleway.changelog", "scaleway_changelog/november2026_1.json", "scaleway.changelog",
             url=f"{SCALEWAY_CHANGELOG}/november2026"),
        Case("scaleway.changelog", "scaleway_changelog/entry.mdx", "scaleway.changelog",
             url=f"{SCALEWAY_RAW}/november2026/2026-11-18-managed-inference-added-warsaw.mdx"),
    ),
    "scaleway.servers": (
        Case("scaleway.servers", "scaleway/servers_fr-par-2_page2.json", "scaleway.servers.fr-par-2"),
    ),
    "skypilot.vms": (
        Case("skypilot.vms", "skypilot/lambda_vms.csv", "skypilot.lambda"),
        Case("skypilot.vms", "skypilot/runpod_vms.csv", "skypilot.runpod"),
    ),
    "smartrecruiters.postings": (
        Case("smartrecruiters.postings", "smartrecruiters/postings_examplecloud.json", None, "hetzner",
             "https://api.smartrecruiters.com/v1/companies/examplecloud/postings"),
    ),
    "status.feed": (
        Case("status.feed", "status_feeds/contabo_1.rss", "contabo.status.feed"),
        Case("status.feed", "status_feeds/hetzner_en_1.atom", "hetzner.status.feed"),
        Case("status.feed", "status_feeds/coreweave_statusio_1.rss", "coreweave.status.feed"),
    ),
    "statusio.status": (Case("statusio.status", "statusio/status_1.json", "coreweave.status.api"),),
    "statuspage.history": (
        Case("statuspage.history", "statuspage/history_network.json", "ovhcloud.status.network.history"),
    ),
    "statuspage.incidents": (
        Case("statuspage.incidents", "statuspage/incidents_1.json", "digitalocean.status.incidents"),
    ),
    "statuspage.summary": (
        Case("statuspage.summary", "statuspage/summary_1.json", "digitalocean.status.summary"),
    ),
    "trustpilot.page": (
        Case("trustpilot.page", "trustpilot/review_digitalocean_week1.html", "digitalocean.reviews.trustpilot"),
    ),
    "vastai.offers": (Case("vastai.offers", "vastai/bundles.json", "vastai.offers"),),
    "vmcloud.catalogue": (  # our own catalogue: imported by `veille prices own import`, no registered source
        Case("vmcloud.catalogue", "vmcloud/catalogue.csv", None, "vmcloud", "file:///srv/vmcloud/catalogue.csv"),
        Case("vmcloud.catalogue", "vmcloud/catalogue.json", None, "vmcloud", "https://vmcloud.example/prices.json"),
        Case("vmcloud.catalogue", "vmcloud/catalogue.yaml", None, "vmcloud", "file:///srv/vmcloud/catalogue.yaml"),
    ),
    "vultr.metal": (Case("vultr.metal", "vultr/plans_metal.json", "vultr.metal"),),
    "vultr.plans": (Case("vultr.plans", "vultr/plans_page1.json", "vultr.plans"),),
    "vultr.status": (Case("vultr.status", "vultr_status/status_1.json", "vultr.status"),),
    "workable.jobs": (
        Case("workable.jobs", "workable/account_examplecloud.json", None, "infomaniak",
             "https://apply.workable.com/api/v1/widget/accounts/examplecloud?details=true"),
    ),
}  # fmt: skip

# tests/fixtures/reference/README.md: real payload (relative to that folder) -> parser, parsed as that source.
REFERENCE_CASES: tuple[Case, ...] = (
    Case("ovhcloud.catalog", "pricing/ovh_public_cloud_catalog_addons.json", "ovhcloud.cloud"),
    Case("ovhcloud.eco", "pricing/ovh_eco_catalog_FI.json", "ovhcloud.eco"),
    Case("ovhcloud.eco", "pricing/ovh_baremetal_catalog_FR.json", "ovhcloud.baremetal"),
    Case("scaleway.catalog", "pricing/scaleway_product_catalog_instances_fr-par-1.json",
         "scaleway.catalog.fr-par-1"),
    Case("scaleway.servers", "pricing/scaleway_instance_products_servers_fr-par-1_page1.json",
         "scaleway.servers.fr-par-1"),
    Case("scaleway.availability", "pricing/scaleway_instance_products_servers_availability_fr-par-1_page1.json",
         "scaleway.availability.fr-par-1"),
    Case("hetzner.server_types", "pricing/hetzner_server_types.json", "hetzner.server_types"),
    Case("hetzner.auction", "pricing/hetzner_auction_live_data_sb.json", "hetzner.auction"),
    Case("digitalocean.sizes", "pricing/digitalocean_sizes.json", "digitalocean.sizes"),
    Case("azure.retail", "pricing/azure_retail_prices_standard_b1s_northeurope.json", "azure.retail.northeurope"),
    Case("gcp.skus", "pricing/gcp_cloudbilling_compute_skus_page.json", "gcp.skus"),
    # hand-assembled: its only Linux instance has an upfront fee under OnDemand, so no offer, said clearly
    Case("aws.offer", "pricing/aws_pricelist_ec2_offer_fragment_us-east-2.json", "aws.offer.eu-west-3",
         url="https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/us-east-2/index.json",
         error="none of the 3 products is a Linux shared on-demand instance"),
    Case("ecb.daily", "pricing/ecb_eurofxref-daily.xml", "ecb.daily"),
    Case("ecb.sdmx", "pricing/ecb_data_api_exr_jsondata.json", "ecb.sdmx"),
    Case("eucloudprices.dataset", "pricing/contabo_eu-cloud-prices_dataset.json", "eucloudprices.contabo"),
    Case("eucloudprices.dataset", "pricing/hostinger_eu-cloud-prices_dataset.json", "eucloudprices.hostinger"),
    Case("eucloudprices.dataset", "pricing/infomaniak_eu-cloud-prices_dataset.json", "eucloudprices.infomaniak"),
    Case("skypilot.vms", "pricing/lambda_skypilot_catalog_vms_excerpt.csv", "skypilot.lambda"),
    Case("skypilot.vms", "pricing/runpod_skypilot_catalog_vms_excerpt.csv", "skypilot.runpod"),
    Case("statuspage.summary", "signals/status_statuspage-summary_github.json", None, None,
         "https://www.githubstatus.com/api/v2/summary.json"),
    Case("statuspage.history", "signals/status_ovhcloud-public-cloud_history.json", None, "ovhcloud",
         "https://public-cloud.status-ovhcloud.com/history.json"),
    Case("status.feed", "signals/status_ovhcloud-public-cloud_history.atom", None, "ovhcloud",
         "https://public-cloud.status-ovhcloud.com/history.atom"),
    Case("status.feed", "signals/status_ovhcloud-public-cloud_history.rss", None, "ovhcloud",
         "https://public-cloud.status-ovhcloud.com/history.rss"),
    Case("status.feed", "signals/status_hetzner-legacy_de.atom", "hetzner.status.feed",
         url="https://www.hetzner-status.de/de.atom"),
    Case("scaleway.changelog", "signals/changelog_scaleway_docs-content-entry.mdx", "scaleway.changelog",
         url=f"{SCALEWAY_RAW}/april2026/2026-04-22-elastic-metal-added-new-beryllium-offers.mdx"),
    Case("hn.algolia", "signals/mentions_hn-algolia_search_by_date_story_apple.json", "scaleway.mentions.hn"),
    Case("hn.algolia", "signals/mentions_hn-algolia_search_by_date_storypoll_apple.json", "scaleway.mentions.hn"),
    Case("hn.algolia", "signals/mentions_hn-algolia_search_comment_apple.json", "scaleway.mentions.hn"),
    Case("reddit.listing", "signals/mentions_reddit-listing_user-overview.json", "hetzner.mentions.reddit"),
    Case("greenhouse.jobs", "signals/jobs_greenhouse-board-api.json", "coreweave.jobs.greenhouse"),
)  # fmt: skip

# Known contract failures, while their owners fix them: "<test>:<case id>" -> what is wrong. Each is an
# xfail(strict=True): once fixed, the case passes, the run fails, and the entry must go.
KNOWN_FAILURES: dict[str, str] = {}


def _params(test: str, cases: Iterable[Case]) -> list[Any]:
    out = []
    for case in cases:
        reason = KNOWN_FAILURES.get(f"{test}:{case.id}")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


ALL_FIXTURE_CASES = [case for cases in FIXTURE_CASES.values() for case in cases]


# --- observation checks -----------------------------------------------------------------------------


def _floats(value: Any, where: str = "") -> Iterator[str]:
    if isinstance(value, float):
        yield f"{where or '.'}={value!r}"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, f"{where}[{index}]")


def _field_types(type_name: str) -> dict[str, set[Any]]:
    """Each field of an observation type -> the non-None types its annotation allows."""
    cls = OBSERVATION_TYPES[type_name]
    hints = typing.get_type_hints(cls)
    return {
        name: {arg for arg in (typing.get_args(hint) or (hint,)) if arg is not type(None)}
        for name, hint in hints.items()
        if name in cls.__dataclass_fields__  # type: ignore[attr-defined]
    }


def _is_decimal(text: Any) -> bool:
    try:
        return isinstance(text, str) and Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _is_aware_time(text: Any) -> bool:
    try:
        return isinstance(text, str) and datetime.fromisoformat(text).utcoffset() is not None
    except ValueError:
        return False


def _is_date(text: Any) -> bool:
    try:
        return isinstance(text, str) and bool(date.fromisoformat(text))
    except ValueError:
        return False


def _is_url(text: Any) -> bool:
    parts = urlsplit(text) if isinstance(text, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def contract_problems(obs: dict[str, Any]) -> list[str]:
    """What is wrong with one observation's JSON (empty when it keeps the contract)."""
    kind = obs.get("type")
    if kind not in OBSERVATION_TYPES:
        return [f"unknown type {kind!r}"]
    problems = [f"float at {where} (decimals are strings)" for where in _floats(obs)]
    problems += [f"missing {name!r}" for name in REQUIRED.get(kind, ()) if name not in obs]
    if problems:
        return problems
    for name, allowed in _field_types(kind).items():
        value = obs.get(name)
        if value is None:
            continue
        if Decimal in allowed and not _is_decimal(value):
            problems.append(f"{name}={value!r} is not a decimal string")
        elif datetime in allowed and not _is_aware_time(value):
            problems.append(f"{name}={value!r} is not ISO 8601 with a zone")
        elif date in allowed and not _is_date(value):
            problems.append(f"{name}={value!r} is not an ISO date")
    for name in ("id", "sku", "name", "title", "platform", "competitor"):
        if obs.get(name) is not None and not (isinstance(obs[name], str) and obs[name].strip()):
            problems.append(f"{name}={obs[name]!r} is empty or not text")
    if obs.get("url") is not None and not _is_url(obs["url"]):
        problems.append(f"url={obs['url']!r} is not an absolute http(s) URL")
    if obs.get("competitor") is not None and obs["competitor"] not in COMPETITORS:
        problems.append(f"competitor={obs['competitor']!r} is not a competitor id")
    if "currency" in obs and not re.fullmatch(r"[A-Z]{3}", str(obs["currency"])):
        problems.append(f"currency={obs['currency']!r} is not a 3-letter code")
    for name in ("tags", "components"):
        if name in obs and not (isinstance(obs[name], list) and all(isinstance(t, str) for t in obs[name])):
            problems.append(f"{name}={obs[name]!r} is not a list of strings")
    if kind == "offer":
        problems += _offer_problems(obs)
    elif kind == "incident":
        problems += _incident_problems(obs)
    elif kind == "job" and obs["function"] not in FUNCTIONS:
        problems.append(f"function={obs['function']!r} is not one of {', '.join(FUNCTIONS)}")
    elif kind == "fx_rate":
        if obs["base"] != "EUR":
            problems.append(f"base={obs['base']!r}, not EUR")
        if _is_decimal(obs["rate"]) and Decimal(obs["rate"]) <= 0:
            problems.append(f"rate={obs['rate']!r} is not positive")
    elif kind == "mention":
        for name in ("score", "comments"):
            if obs[name] is not None and (not isinstance(obs[name], int) or isinstance(obs[name], bool)):
                problems.append(f"{name}={obs[name]!r} is not an integer")
    return problems


def _offer_problems(obs: dict[str, Any]) -> list[str]:
    problems = []
    if obs["category"] not in CATEGORIES:
        problems.append(f"category={obs['category']!r} is not one of {', '.join(CATEGORIES)}")
    if obs["competitor"] is None:
        problems.append("an offer without a competitor")
    if obs["price_hourly"] is None and obs["price_monthly"] is None:
        problems.append(f"offer {obs['sku']!r} has no price at all")
    for name in ("vcpu", "ram_gb", "disk_gb", "gpu_count", "price_hourly", "price_monthly"):
        if _is_decimal(obs[name]) and Decimal(obs[name]) < 0:
            problems.append(f"{name}={obs[name]!r} is negative")
    has_gpu = obs["gpu_model"] is not None or (
        _is_decimal(obs["gpu_count"]) and Decimal(obs["gpu_count"]) > 0
    )
    if (obs["category"] == "gpu") != has_gpu:
        problems.append(
            f"category={obs['category']!r} but gpu_model={obs['gpu_model']!r}, gpu_count={obs['gpu_count']!r}"
        )
    if obs["gpu_model"] is not None and obs["gpu_count"] is None:
        problems.append(f"gpu_model={obs['gpu_model']!r} without a gpu_count")
    if obs.get("unit") not in typing.get_args(PriceUnit):
        problems.append(f"unit={obs.get('unit')!r} is not one of {typing.get_args(PriceUnit)}")
    if obs.get("billing") not in typing.get_args(Billing):
        problems.append(f"billing={obs.get('billing')!r} is not one of {typing.get_args(Billing)}")
    return problems


def _incident_problems(obs: dict[str, Any]) -> list[str]:
    problems = []
    if obs["impact"] not in IMPACTS:
        problems.append(f"impact={obs['impact']!r} is not one of {', '.join(IMPACTS)}")
    if obs["status"] not in STATUSES:
        problems.append(f"status={obs['status']!r} is not one of {', '.join(STATUSES)}")
    if obs.get("kind") not in ("incident", "maintenance"):
        problems.append(f"kind={obs.get('kind')!r} is neither incident nor maintenance")
    start, end = obs["started_at"], obs["resolved_at"]
    if (
        _is_aware_time(start)
        and _is_aware_time(end)
        and datetime.fromisoformat(end) < datetime.fromisoformat(start)
    ):
        problems.append(f"resolved_at={end} is before started_at={start}")
    return problems


def _natural_key(obs: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies one observation within one body (two with the same key would be a duplicate)."""
    kind = obs["type"]
    if kind == "offer":
        return (kind, obs["competitor"], obs["sku"], obs["region"], obs.get("billing"))
    if kind == "fx_rate":
        return (kind, obs["currency"], obs["date"])
    if kind == "availability":
        return (kind, obs["sku"], obs["region"])
    if kind == "rating":
        return (kind, obs["platform"], obs["competitor"])
    return (kind, obs.get("id"))


def assert_valid(observations: list[dict[str, Any]], label: str) -> None:
    assert observations, f"{label}: no observation"
    problems = [
        f"#{i} {obs.get('type')} {obs.get('sku') or obs.get('id') or ''}: {problem}"
        for i, obs in enumerate(observations)
        for problem in contract_problems(obs)
    ]
    assert not problems, f"{label}: {len(problems)} contract problem(s):\n" + "\n".join(problems[:20])
    keys = Counter(_natural_key(obs) for obs in observations)
    duplicates = [key for key, count in keys.items() if count > 1]
    assert not duplicates, f"{label}: the same observation more than once: {duplicates[:5]}"


def parse_to_json(case: Case, root: Path) -> list[dict[str, Any]]:
    """Parse a case's bodies through the registry; every observation goes through ``to_dict`` and orjson."""
    bodies = [(root / path).read_bytes() for path in (case.path, *case.more)]
    merge = getattr(get_parser(case.parser).func, "merge_pages", None)
    if merge is not None and len(bodies) > 1:
        bodies = [merge(bodies)]
    out: list[dict[str, Any]] = []
    for body in bodies:
        observations = parse_body(case.parser, body, case.context())
        assert isinstance(observations, list), f"{case.id}: {type(observations).__name__}, not a list"
        # orjson refuses Decimal (and sets, ...): a raw value left in ``to_dict`` fails here
        out += [orjson.loads(orjson.dumps(obs.to_dict())) for obs in observations]
    return out


def check_case(case: Case, root: Path) -> None:
    if case.error is None:
        assert_valid(parse_to_json(case, root), case.id)
        return
    with pytest.raises(ParseError) as caught:
        parse_to_json(case, root)
    assert case.error in str(caught.value)


# --- sources ----------------------------------------------------------------------------------------


def _declared() -> list[tuple[str, SourceSpec]]:
    """(module of its parser, spec) for every shipped source."""
    return [(veille.sources.get_parser(spec.parser).module, spec) for spec in veille.sources.sources()]


DECLARED = _declared()
MODULE_OF = {spec.id: module for module, spec in DECLARED}
SOURCE_IDS = sorted(MODULE_OF)
# The two id schemes in use: `<competitor|platform>.<document>[.<qualifier>...]` (most sources) and
# `<kind>-<competitor>-<platform>` (mentions, jobs, reviews, news and filings sources).
DOTTED = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_-]*)+")
DASHED = re.compile(
    r"(?P<kind>mentions|jobs|reviews|news|filings)-(?P<competitor>[a-z]+)-[a-z0-9]+(-[a-z0-9]+)*"
)
DASHED_KINDS = {
    "mentions": "mentions",
    "jobs": "jobs",
    "reviews": "reviews",
    "news": "funding",
    "filings": "funding",
}


def test_source_ids_are_unique() -> None:
    counts = Counter(spec.id for _, spec in DECLARED)
    assert not [sid for sid, n in counts.items() if n > 1]
    assert len(DECLARED) == len(sources()) > 0


def test_no_two_sources_fetch_the_same_document_with_the_same_parser() -> None:
    seen: dict[tuple[Any, ...], str] = {}
    clashes = []
    for spec in sources():
        key = (
            spec.parser,
            spec.method,
            spec.url,
            tuple(sorted(spec.params.items())),
            orjson.dumps(spec.json),
        )
        if key in seen:
            clashes.append((seen[key], spec.id))
        seen[key] = spec.id
    assert not clashes


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_source_spec(source_id: str) -> None:
    spec = get_source(source_id)
    module = importlib.import_module(MODULE_OF[source_id])
    assert (module.__doc__ or "").strip(), f"{module.__name__} has no module docstring"
    assert spec.parser in {p.id for p in parsers()}, f"unknown parser {spec.parser!r}"
    assert spec.kind in KINDS, f"kind {spec.kind!r} not in {sorted(KINDS)}"
    url = urlsplit(spec.url)
    assert url.scheme == "https" and url.netloc, f"not an https URL: {spec.url!r}"
    assert spec.method in ("GET", "POST")
    assert spec.cadence > timedelta(0), f"cadence {spec.cadence}"
    assert spec.competitor is None or spec.competitor in COMPETITORS, f"competitor {spec.competitor!r}"
    if spec.credential is not None:
        assert spec.credential in CREDENTIAL_FIELDS and spec.credential in Settings.model_fields, (
            f"credential {spec.credential!r} is not a Settings credential field"
        )
    assert (spec.credential is None) == (spec.auth is None), (
        "a credential comes with its auth (and only then)"
    )
    assert spec.max_pages >= 1


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_source_id_follows_one_of_the_two_schemes(source_id: str) -> None:
    spec = get_source(source_id)
    if match := DASHED.fullmatch(source_id):
        assert match["competitor"] == spec.competitor, f"{source_id}: competitor is {spec.competitor!r}"
        assert DASHED_KINDS[match["kind"]] == spec.kind, f"{source_id}: kind is {spec.kind!r}"
        return
    assert DOTTED.fullmatch(source_id), f"{source_id!r} follows neither id scheme"
    head = source_id.split(".", 1)[0]
    assert head in (spec.competitor, spec.parser.split(".", 1)[0]), (
        f"{source_id!r} starts with neither its competitor ({spec.competitor}) nor its parser's platform"
    )


def test_source_ids_are_all_dotted() -> None:
    dashed = [sid for sid in SOURCE_IDS if not DOTTED.fullmatch(sid)]
    assert not dashed, f"{len(dashed)} source ids are not <competitor|platform>.<document>[...]: {dashed}"


# --- parsers ----------------------------------------------------------------------------------------


def test_every_parser_has_its_own_fixture() -> None:
    registered = {p.id for p in parsers()}
    assert registered - set(FIXTURE_CASES) == set(), "parsers without a fixture in FIXTURE_CASES"
    assert set(FIXTURE_CASES) - registered == set(), "FIXTURE_CASES names parsers that are not registered"
    for parser_id, cases in FIXTURE_CASES.items():
        assert cases and all(case.parser == parser_id for case in cases)
        missing = [case.path for case in cases if not (FIXTURES / case.path).is_file()]
        assert not missing, f"{parser_id}: missing fixtures {missing}"


@pytest.mark.parametrize("parser_id", sorted(FIXTURE_CASES))
def test_parser_is_documented(parser_id: str) -> None:
    info = next(p for p in parsers() if p.id == parser_id)
    assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)?", parser_id), "parser ids are <platform>.<document>"
    assert info.reads.strip(), f"{parser_id}: no `reads` description"
    module = importlib.import_module(info.module)
    assert (module.__doc__ or "").strip(), f"{info.module} has no module docstring"


@pytest.mark.parametrize("case", _params("fixture", ALL_FIXTURE_CASES))
def test_fixture_parses_into_valid_observations(case: Case) -> None:
    check_case(case, FIXTURES)


@pytest.mark.parametrize("case", _params("cli", (cases[0] for cases in FIXTURE_CASES.values())))
def test_cli_parse_json(case: Case, cli) -> None:  # type: ignore[no-untyped-def]
    ctx = case.context()
    files = [str(FIXTURES / path) for path in (case.path, *case.more)]
    args = ["sources", "parse", case.parser, *files, "--json", "--url", ctx.url]
    args += [x for key, value in case.options for x in ("--option", f"{key}={value}")]
    if ctx.competitor:
        args += ["--competitor", ctx.competitor]
    code, out, err = cli(*args)
    assert code == 0, err
    printed = orjson.loads(out)
    assert isinstance(printed, list) and all(isinstance(o, dict) and "type" in o for o in printed)
    assert_valid(printed, f"veille {' '.join(args[:3])}")
    direct = parse_to_json(case, FIXTURES)
    assert [_natural_key(o) for o in printed] == [_natural_key(o) for o in direct]


def test_reference_cases_cover_every_mapped_parser(reference: Path) -> None:
    table = (reference / "README.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"^\|[^|]+\| `([a-z0-9_.]+)` \|", table, flags=re.MULTILINE))
    assert mapped, "no parser id found in reference/README.md"
    assert mapped - {case.parser for case in REFERENCE_CASES} == set()


@pytest.mark.parametrize("case", _params("reference", REFERENCE_CASES))
def test_reference_payload_parses_into_valid_observations(case: Case, reference: Path) -> None:
    check_case(case, reference)


# --- the checks themselves --------------------------------------------------------------------------

GOOD_OFFER = Offer(
    competitor="hetzner", sku="cx22", name="CX22", category="vps", currency="EUR",
    price_hourly=Decimal("0.006"), price_monthly=Decimal("3.79"), vcpu=Decimal(2), ram_gb=Decimal(4),
    disk_gb=Decimal(40), region="fsn1", extra={"included_traffic_tb": "20"},
).to_dict()  # fmt: skip
GOOD_INCIDENT = Incident(
    competitor="scaleway", id="k7yz2m9cq1wv", title="Block storage latency", impact="minor", status="resolved",
    started_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC), resolved_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    components=("Block Storage",), url="https://status.scaleway.com/incidents/k7yz2m9cq1wv",
).to_dict()  # fmt: skip


@pytest.mark.parametrize(
    ("good", "change", "problem"),
    [
        (GOOD_OFFER, {"price_monthly": 3.79}, "float at .price_monthly"),
        (GOOD_OFFER, {"extra": {"ratio": 0.5}}, "float at .extra.ratio"),
        (GOOD_OFFER, {"vcpu": "two"}, "vcpu='two' is not a decimal string"),
        (GOOD_OFFER, {"category": "cloud"}, "category='cloud'"),
        (GOOD_OFFER, {"currency": "eur"}, "currency='eur'"),
        (GOOD_OFFER, {"currency": "EURO"}, "currency='EURO'"),
        (GOOD_OFFER, {"price_hourly": None, "price_monthly": None}, "has no price"),
        (GOOD_OFFER, {"price_monthly": "-1"}, "negative"),
        (GOOD_OFFER, {"competitor": "acme"}, "not a competitor id"),
        (GOOD_OFFER, {"gpu_model": ...}, "missing 'gpu_model'"),
        (GOOD_OFFER, {"category": "gpu"}, "but gpu_model=None"),
        (GOOD_OFFER, {"gpu_model": "NVIDIA L4 24GB"}, "without a gpu_count"),
        (GOOD_OFFER, {"billing": "yearly"}, "billing='yearly'"),
        (GOOD_INCIDENT, {"impact": "severe"}, "impact='severe'"),
        (GOOD_INCIDENT, {"status": "closed"}, "status='closed'"),
        (GOOD_INCIDENT, {"resolved_at": "2026-11-20T07:00:00+00:00"}, "is before started_at"),
        (GOOD_INCIDENT, {"started_at": "2026-11-20T08:00:00"}, "not ISO 8601 with a zone"),
        (GOOD_INCIDENT, {"resolved_at": "20/11/2026 09:30"}, "not ISO 8601 with a zone"),
        (GOOD_INCIDENT, {"components": "Block Storage"}, "not a list of strings"),
        (GOOD_INCIDENT, {"url": "/incidents/k7yz2m9cq1wv"}, "not an absolute http(s) URL"),
        (GOOD_INCIDENT, {"title": " "}, "title=' ' is empty"),
        ({"type": "fx_rate", "base": "EUR", "currency": "USD", "rate": "1.0876", "date": "2026-11-25"},
         {"date": "25.11.2026"}, "not an ISO date"),
        ({"type": "fx_rate", "base": "EUR", "currency": "USD", "rate": "1.0876", "date": "2026-11-25"},
         {"base": "USD"}, "not EUR"),
        ({"type": "mention", "platform": "hn", "id": "1", "title": "t", "url": None, "author": "a",
          "score": 3, "comments": 0, "created_at": None}, {"score": "3"}, "not an integer"),
        ({"type": "offer_v2"}, {}, "unknown type"),
    ],
)  # fmt: skip
def test_the_checks_catch_a_broken_observation(
    good: dict[str, Any], change: dict[str, Any], problem: str
) -> None:
    assert contract_problems(good) == [] or good["type"] not in OBSERVATION_TYPES
    broken = {k: v for k, v in (good | change).items() if v is not ...}
    found = contract_problems(broken)
    assert any(problem in p for p in found), found
