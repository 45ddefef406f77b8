"""The kinds of source a person adds without code (``veille sources add KIND TARGET``): each builds
watch-list entries from a URL or an identifier, with the generic parsers.

| kind | target | parser |
|---|---|---|
| feed | an RSS or Atom URL | feed |
| status | a status page URL (Atlassian Statuspage, status.io, Better Stack, an RSS/Atom status feed) | statuspage.*, statusio.status, betterstack.index, status.feed |
| jobs | a company slug, with ``platform`` (greenhouse, lever, ashby, smartrecruiters, personio, recruitee, workable) | <platform>.jobs |
| trustpilot | the competitor's domain | trustpilot.page |
| github | OWNER/REPO | github.releases |
| news | a search query | news.feed (Google News RSS) |
| hn, reddit, bluesky | a search query | hn.algolia, reddit.listing, bluesky.search |
| pricing-page | a URL; options: CSS selectors (card, name, price or table), or ``jsonld=true`` | pricing_page.html, pricing_page.jsonld |
| price-api | a JSON URL; options: a JMESPath field mapping (items, name, price, currency...) | price_api.jmespath |

Instatus pages have no parser of their own: add their RSS feed as ``status`` (``.../history.rss``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from veille.errors import ParseError, ValidationError
from veille.sources import (
    ashby,
    bluesky,
    greenhouse,
    hn,
    lever,
    news,
    personio,
    price_api,
    pricing_pages,
    recruitee,
    reddit,
    smartrecruiters,
    statuspage,
    trustpilot,
    workable,
)
from veille.sources._registry import SourceSpec
from veille.sources.feeds import FEED_CADENCE
from veille.sources.status_feeds import STATUS_FEED_CADENCE

JOB_PLATFORMS: dict[str, Callable[[str, str], SourceSpec]] = {
    "greenhouse": greenhouse.board,
    "lever": lever.board,
    "ashby": ashby.board,
    "smartrecruiters": smartrecruiters.board,
    "personio": personio.board,
    "recruitee": recruitee.board,
    "workable": workable.board,
}
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_REPO = re.compile(r"^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$")


def _url(target: str) -> str:
    parts = urlsplit(target.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{target!r} is not an http(s) URL")
    return target.strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "source"


def _host_slug(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return _slug(host.rsplit(".", 1)[0] if host.count(".") >= 1 else host)


def _feed(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    url = _url(target)
    return [SourceSpec(id=f"{competitor}.feed.{_host_slug(url)}", competitor=competitor, kind="changelog",
                       parser="feed", url=url, cadence=FEED_CADENCE, description=f"feed {url}")]  # fmt: skip


def status_flavour(url: str) -> str:
    """Which status page ``url`` is: statuspage, statusio, betterstack or feed (ValidationError if unknown)."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path.lower()
    if host.endswith(".statuspage.io") or "/api/v2/" in path:
        return "statuspage"
    if host.endswith("status.io") or re.search(r"/pages/[0-9a-f]{24}", path):
        return "statusio"
    if host.endswith((".betteruptime.com", ".betterstack.com")) or path.endswith("/index.json"):
        return "betterstack"
    if path.endswith((".rss", ".atom", ".xml", "/rss", "/feed", "/atom")):
        return "feed"
    raise ValidationError(
        f"cannot tell which status page {url} is: give --option flavour=statuspage|statusio|betterstack|feed"
    )


def _status(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    url = _url(target)
    flavour = str(options.get("flavour") or status_flavour(url))
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    stem = f"{competitor}.status.{_host_slug(url)}"
    if flavour == "statuspage":
        return statuspage.page_sources(stem, competitor, root)
    if flavour == "statusio":
        page = re.search(r"([0-9a-f]{24})", url)
        if page is None:
            raise ValidationError("a status.io page is named by its 24-character page id in the URL")
        api = f"https://api.status.io/1.0/status/{page.group(1)}"
        return [SourceSpec(id=f"{stem}.api", competitor=competitor, kind="incidents", parser="statusio.status",
                           url=api, cadence=STATUS_FEED_CADENCE, description=f"status.io page {page.group(1)}")]  # fmt: skip
    if flavour == "betterstack":
        index = url if parts.path.endswith("/index.json") else f"{root}/index.json"
        return [SourceSpec(id=stem, competitor=competitor, kind="incidents", parser="betterstack.index",
                           url=index, cadence=STATUS_FEED_CADENCE, description=f"Better Stack page {root}")]  # fmt: skip
    if flavour == "feed":
        return [SourceSpec(id=f"{stem}.feed", competitor=competitor, kind="incidents", parser="status.feed",
                           url=url, cadence=STATUS_FEED_CADENCE, description=f"status feed {url}")]  # fmt: skip
    raise ValidationError(f"unknown status flavour {flavour!r}: statuspage, statusio, betterstack or feed")


def _jobs(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    platform = str(options.get("platform") or "")
    if platform not in JOB_PLATFORMS:
        raise ValidationError(f"give --option platform=NAME, one of {', '.join(JOB_PLATFORMS)}")
    if not _SLUG.match(target):
        raise ValidationError(f"{target!r} is not a company slug (letters, digits, . _ -)")
    return [JOB_PLATFORMS[platform](competitor, target)]


def _trustpilot(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    domain = target.strip().lower().removeprefix("https://").removeprefix("www.").strip("/")
    if not re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", domain):
        raise ValidationError(f"{target!r} is not a domain name (like example.com)")
    return [trustpilot.page(competitor, domain)]


def _github(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    found = _REPO.match(target.strip().removeprefix("https://github.com/").strip("/"))
    if found is None:
        raise ValidationError(f"{target!r} is not OWNER/REPO")
    owner, repo = found.groups()
    return [SourceSpec(id=f"{competitor}.releases.{_slug(repo)}", competitor=competitor, kind="changelog",
                       parser="github.releases", url=f"https://github.com/{owner}/{repo}/releases.atom",
                       cadence=timedelta(hours=6), description=f"GitHub releases of {owner}/{repo}")]  # fmt: skip


def _query(target: str) -> str:
    query = target.strip()
    if not query or len(query) > 200:
        raise ValidationError("give a search query of 1 to 200 characters")
    return query


def _news(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    lang = str(options.get("lang") or "en")
    try:
        return [news.google_news(competitor, _query(target), lang)]
    except KeyError:
        raise ValidationError(f"no news language {lang!r}") from None


def _search(builder: Callable[[str, str], SourceSpec]) -> Callable[..., list[SourceSpec]]:
    return lambda competitor, target, options: [builder(competitor, _query(target))]


def _pricing_page(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    url = _url(target)
    rest = {k: v for k, v in options.items() if k != "jsonld"}
    jsonld = str(options.get("jsonld", "")).lower() in ("1", "true", "yes")
    try:
        if not jsonld:
            pricing_pages.config_from_options(rest, competitor, url)
    except ParseError as error:
        raise ValidationError(error.detail) from None
    return [SourceSpec(id=f"{competitor}.pricing.{_host_slug(url)}", competitor=competitor, kind="prices",
                       parser="pricing_page.jsonld" if jsonld else "pricing_page.html", url=url,
                       cadence=timedelta(days=1), html=True, options=rest, description=f"pricing page {url}")]  # fmt: skip


def _price_api(competitor: str, target: str, options: Mapping[str, Any]) -> list[SourceSpec]:
    url = _url(target)
    try:
        price_api.check_options(options)
    except ParseError as error:
        raise ValidationError(error.detail) from None
    return [SourceSpec(id=f"{competitor}.prices.{_host_slug(url)}", competitor=competitor, kind="prices",
                       parser=price_api.PARSER, url=url, cadence=timedelta(hours=6), options=dict(options),
                       description=f"JSON price API {url}")]  # fmt: skip


KINDS: dict[str, Callable[[str, str, Mapping[str, Any]], list[SourceSpec]]] = {
    "feed": _feed,
    "status": _status,
    "jobs": _jobs,
    "trustpilot": _trustpilot,
    "github": _github,
    "news": _news,
    "hn": _search(hn.search),
    "reddit": _search(reddit.search),
    "bluesky": _search(bluesky.search),
    "pricing-page": _pricing_page,
    "price-api": _price_api,
}


_KIND_OPTIONS = {"jobs": {"platform"}, "status": {"flavour"}, "news": {"lang"}}
_PARSER_OPTIONS = ("pricing-page", "price-api")  # their options are the parser's, checked by the kind


def build(
    kind: str,
    competitor: str,
    target: str,
    options: Mapping[str, Any] | None = None,
    *,
    source_id: str | None = None,
    cadence: timedelta | None = None,
) -> list[SourceSpec]:
    """The watch-list entries of one ``veille sources add``; ``ValidationError`` says what is wrong."""
    if kind not in KINDS:
        raise ValidationError(f"unknown source kind {kind!r}: one of {', '.join(KINDS)}")
    options = dict(options or {})
    stray = sorted(set(options) - _KIND_OPTIONS.get(kind, set()))
    if stray and kind not in _PARSER_OPTIONS:
        raise ValidationError(f"the {kind} kind takes no option {stray[0]!r}")
    specs = KINDS[kind](competitor, target, options)
    if source_id and len(specs) > 1:
        specs = [replace(s, id=f"{source_id}.{s.id.rsplit('.', 1)[1]}") for s in specs]
    elif source_id:
        specs = [replace(specs[0], id=source_id)]
    return [replace(s, cadence=cadence or s.cadence, verified=True, origin="workspace") for s in specs]
