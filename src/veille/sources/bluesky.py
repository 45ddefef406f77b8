"""Bluesky mentions through the public AppView search (no auth).

``GET https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?q=...&sort=latest&limit=100`` answers
``{cursor, hitsTotal, posts[]}``. This endpoint has not been checked live yet, so the sources are
declared ``verified=False``: disabled until someone checks them live.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from veille.kb.ids import CompetitorRecord
from veille.observations import Mention, Observation
from veille.sources._registry import ParseContext, Request, SourceSpec, paginator, parser
from veille.sources._signals import expect, field, load_json, parse_time, to_int

PARSER = "bluesky.search"
API = "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts"


@paginator("bluesky.next_page")
def next_page(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Follow ``cursor`` while posts keep coming."""
    try:
        doc = orjson.loads(body)
        cursor, posts = doc.get("cursor"), doc["posts"]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(cursor, str) or not cursor or not posts:
        return None
    params = dict(request.params)
    params["cursor"] = cursor
    return Request(request.url, request.method, params, dict(request.headers))


def search(competitor: str, query: str) -> SourceSpec:
    """The Bluesky mention source of one competitor."""
    return SourceSpec(
        id=f"{competitor}.mentions.bluesky",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={"q": query, "sort": "latest", "limit": "100"},
        cadence=timedelta(hours=2),
        description=f"Bluesky posts matching {query} (public AppView searchPosts).",
        paginate=next_page,
        max_pages=3,
        verified=False,
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The Bluesky search of a competitor, for its record's ``mentions`` identifier."""
    query = record.identifier("mentions")
    return [search(record.id, query)] if query else []


def _post(raw: Any, where: str, ctx: ParseContext) -> Mention:
    post = expect(PARSER, raw, dict, where)
    uri = field(PARSER, post, "uri", str, where)
    author = field(PARSER, post, "author", dict, where)
    handle = field(PARSER, author, "handle", str, f"{where}.author")
    record = field(PARSER, post, "record", dict, where)
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    rkey = uri.rsplit("/", 1)[-1]
    title = " ".join(text.split())
    return Mention(
        platform="bluesky",
        id=uri,
        title=title if len(title) <= 120 else title[:119] + "…",
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        author=handle,
        score=to_int(PARSER, post.get("likeCount"), f"{where}.likeCount"),
        comments=to_int(PARSER, post.get("replyCount"), f"{where}.replyCount"),
        created_at=parse_time(PARSER, record.get("createdAt") or post.get("indexedAt"), f"{where}.createdAt"),
        text=text[:20_000],
        competitor=ctx.competitor,
    )


@parser(PARSER, reads="Bluesky app.bsky.feed.searchPosts (one page of posts)")
def parse_posts(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every post of one search page, as a mention (the author's handle only, no profile data)."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    posts = field(PARSER, doc, "posts", list, "document")
    return [_post(raw, f"posts[{i}]", ctx) for i, raw in enumerate(posts)]
