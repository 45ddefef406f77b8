"""Hacker News mentions through the Algolia HN Search API (no auth).

One source per competitor, from its record's ``mentions`` identifier: ``GET https://hn.algolia.com/api/v1/search_by_date`` with ``query``,
``tags=(story,comment)`` and ``hitsPerPage=100`` (newest first). The paginator then walks back in time
by date windows, ``numericFilters=created_at_i>LOW,created_at_i<OLDEST``, where ``LOW`` is the
response's ``Date`` minus ``LOOKBACK``: Algolia caps a query at about 1,000 reachable hits, windows
do not. Re-reading the lookback every run is what lets scores and comment counts be tracked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from veille.kb.ids import CompetitorRecord
from veille.observations import Mention, Observation
from veille.sources._registry import ParseContext, Request, SourceSpec, paginator, parser
from veille.sources._signals import expect, field, load_json, parse_time, plain_text, to_int

PARSER = "hn.algolia"
API = "https://hn.algolia.com/api/v1/search_by_date"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"
LOOKBACK = timedelta(days=3)
HITS_PER_PAGE = 100

_LOWER = re.compile(r"created_at_i>(\d+)")


@paginator("hn.next_window")
def next_window(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """The next, older date window, or None once the lookback is covered."""
    try:
        doc = orjson.loads(body)
        hits = doc["hits"]
        pages = int(doc.get("nbPages", 0))
        oldest = min(int(h["created_at_i"]) for h in hits) if hits else None
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # the parser reports the bad page
    if oldest is None or pages <= 1:
        return None
    found = _LOWER.search(request.params.get("numericFilters", ""))
    if found:
        low = int(found.group(1))
    else:
        try:
            now = parsedate_to_datetime(headers.get("date") or headers.get("Date") or "")
            low = int((now - LOOKBACK).timestamp())
        except (TypeError, ValueError):
            low = max(int(h["created_at_i"]) for h in hits) - int(LOOKBACK.total_seconds())
    if oldest <= low:
        return None
    params = dict(request.params)
    params["numericFilters"] = f"created_at_i>{low},created_at_i<{oldest}"
    params.pop("page", None)
    return Request(request.url, request.method, params, dict(request.headers))


def search(competitor: str, query: str, *, tags: str = "(story,comment)") -> SourceSpec:
    """The mention source of one competitor on Hacker News."""
    return SourceSpec(
        id=f"{competitor}.mentions.hn",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={"query": query, "tags": tags, "hitsPerPage": str(HITS_PER_PAGE)},
        cadence=timedelta(hours=1),
        description=f"Hacker News stories and comments matching {query} (Algolia search_by_date, date windows).",
        paginate=next_window,
        max_pages=20,
    )


def links(competitor: str, domain: str) -> SourceSpec:
    """Hacker News stories linking to ``domain`` (Algolia's search by date, restricted to URLs)."""
    return SourceSpec(
        id=f"{competitor}.mentions.hn-links",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={
            "query": domain,
            "tags": "story",
            "restrictSearchableAttributes": "url",
            "hitsPerPage": str(HITS_PER_PAGE),
        },
        cadence=timedelta(hours=2),
        description=f"Hacker News stories linking to {domain} (Algolia search_by_date on the URL, date windows).",
        paginate=next_window,
        max_pages=20,
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """Its search (identifier ``mentions``: Algolia matches the last word as a prefix, "OVH" finds
    "OVHcloud") and its links search (``hn_links``: stories linking to its site, whatever their title)."""
    query, domain = record.identifier("mentions"), record.identifier("hn_links")
    return ([search(record.id, query)] if query else []) + ([links(record.id, domain)] if domain else [])


def _hit(raw: Any, where: str, ctx: ParseContext) -> Mention:
    hit = expect(PARSER, raw, dict, where)
    object_id = str(field(PARSER, hit, "objectID", (str, int), where))
    tags = hit.get("_tags") or []
    is_comment = "comment" in tags or bool(hit.get("comment_text"))
    title = hit.get("title") or hit.get("story_title") or ""
    if is_comment and hit.get("story_title"):
        title = f"Re: {hit['story_title']}"
    text = hit.get("comment_text") if is_comment else hit.get("story_text")
    created = hit.get("created_at_i", hit.get("created_at"))
    author = hit.get("author")
    return Mention(
        platform="hn",
        id=object_id,
        title=plain_text(str(title), 500),
        url=ITEM_URL.format(id=object_id),
        author=author if isinstance(author, str) and author else None,
        score=to_int(PARSER, hit.get("points"), f"{where}.points"),
        comments=None if is_comment else to_int(PARSER, hit.get("num_comments"), f"{where}.num_comments"),
        created_at=parse_time(PARSER, created, f"{where}.created_at"),
        text=plain_text(text if isinstance(text, str) else ""),
        competitor=ctx.competitor,
    )


@parser(PARSER, reads="Algolia HN Search API: GET /api/v1/search or /search_by_date (one page of hits)")
def parse_hits(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every story or comment of one page, as a mention (author handle only)."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    hits = field(PARSER, doc, "hits", list, "document")
    field(PARSER, doc, "nbHits", int, "document")
    return [_hit(raw, f"hits[{i}]", ctx) for i, raw in enumerate(hits)]
