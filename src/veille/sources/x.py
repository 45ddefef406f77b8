"""X (Twitter) mentions through the official API v2 recent search (bearer token; off until one is set).

``GET https://api.x.com/2/tweets/search/recent`` with ``query`` (the competitor's search name and its
distinctive aliases, retweets left out), ``max_results=100``,
``tweet.fields=created_at,public_metrics,author_id,lang``, ``expansions=author_id`` and
``user.fields=username``, sent with ``Authorization: Bearer <VEILLE_X_BEARER_TOKEN>``. The answer is
``{data[], includes{users[]}, meta{newest_id, oldest_id, result_count, next_token}}`` (no ``data`` when
nothing matched); ``meta.next_token`` is passed back as ``next_token`` for the next, older page. A 429
carries ``x-rate-limit-reset`` (epoch seconds), which the shared fetcher honours like ``Retry-After``.
Recent search covers the last seven days: each run re-reads them, so like and reply counts are tracked.
Only the author's handle is kept (no name, profile or follower data).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from veille.errors import ParseError
from veille.kb.ids import CompetitorRecord, key
from veille.observations import Mention, Observation
from veille.sources._registry import ParseContext, Request, SourceSpec, bearer, paginator, parser
from veille.sources._signals import expect, field, load_json, parse_time, plain_text, to_int

PARSER = "x.recent_search"
API = "https://api.x.com/2/tweets/search/recent"
TWEET_URL = "https://x.com/{user}/status/{id}"
MAX_QUERY = 512  # the recent search's query limit (characters) on the basic access levels
# Aliases too common to search on their own ("DO", "Online", "Amazon"...): they would match anything.
_COMMON = frozenset({"do", "online", "vast", "amazon", "google", "microsoft", "lambda", "ec2"})


def query_for(record: CompetitorRecord) -> str | None:
    """``(Name OR "Two words" OR ...) -is:retweet`` from the record's ``mentions`` identifier and aliases."""
    first = record.identifier("mentions")
    if first is None:
        return None
    terms: list[str] = []
    for name in (first.strip('"'), record.name, *record.aliases):
        if len(key(name)) < 3 or key(name) in _COMMON or any(key(t.strip('"')) == key(name) for t in terms):
            continue
        term = f'"{name}"' if " " in name or "." in name else name
        if len(" OR ".join([*terms, term])) + len("() -is:retweet") > MAX_QUERY:
            break
        terms.append(term)
    return f"({' OR '.join(terms)}) -is:retweet" if terms else None


@paginator("x.next_token")
def next_page(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Follow ``meta.next_token`` to the next, older page."""
    try:
        token = orjson.loads(body)["meta"].get("next_token")
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(token, str) or not token:
        return None
    params = dict(request.params)
    params["next_token"] = token
    return Request(request.url, request.method, params, dict(request.headers))


def search(competitor: str, query: str) -> SourceSpec:
    """The X recent-search source of one competitor."""
    return SourceSpec(
        id=f"{competitor}.mentions.x",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={
            "query": query,
            "max_results": "100",
            "tweet.fields": "created_at,public_metrics,author_id,lang",
            "expansions": "author_id",
            "user.fields": "username",
        },
        cadence=timedelta(hours=2),
        description=f"X posts of the last 7 days matching {query} (API v2 recent search, bearer token).",
        credential="x_bearer_token",
        auth=bearer,
        paginate=next_page,
        max_pages=3,
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The X search of a competitor, from its ``mentions`` identifier and aliases."""
    query = query_for(record)
    return [search(record.id, query)] if query else []


def _handles(doc: dict[str, Any]) -> dict[str, str]:
    includes = doc.get("includes") or {}
    users = includes.get("users") or [] if isinstance(includes, dict) else []
    return {
        str(u["id"]): u["username"]
        for u in users
        if isinstance(u, dict) and "id" in u and isinstance(u.get("username"), str)
    }


def _tweet(raw: Any, where: str, handles: Mapping[str, str], ctx: ParseContext) -> Mention:
    tweet = expect(PARSER, raw, dict, where)
    tweet_id = field(PARSER, tweet, "id", str, where)
    text = field(PARSER, tweet, "text", str, where)
    metrics = tweet.get("public_metrics") or {}
    expect(PARSER, metrics, dict, f"{where}.public_metrics")
    handle = handles.get(str(tweet.get("author_id")))
    title = plain_text(text, 20_000)  # X escapes &, < and > in post texts
    return Mention(
        platform="x",
        id=tweet_id,
        title=title if len(title) <= 120 else title[:119] + "…",
        url=TWEET_URL.format(user=handle or "i/web", id=tweet_id),
        author=handle,
        score=to_int(PARSER, metrics.get("like_count"), f"{where}.public_metrics.like_count"),
        comments=to_int(PARSER, metrics.get("reply_count"), f"{where}.public_metrics.reply_count"),
        created_at=parse_time(PARSER, tweet.get("created_at"), f"{where}.created_at"),
        text=title,
        competitor=ctx.competitor,
    )


@parser(PARSER, reads="X API v2 GET /2/tweets/search/recent (one page: data[], includes.users[], meta)")
def parse_recent(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every post of one page, as a mention (the author's handle only)."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    meta = field(PARSER, doc, "meta", dict, "document") if "data" in doc or "meta" in doc else None
    if meta is None:
        errors = doc.get("errors") or [doc]
        detail = errors[0].get("detail") or errors[0].get("title") if isinstance(errors[0], dict) else None
        raise ParseError(PARSER, f"not a search page: {detail or 'no data and no meta'}")
    tweets = doc.get("data", [])
    expect(PARSER, tweets, list, "document.data")
    handles = _handles(doc)
    return [_tweet(raw, f"data[{i}]", handles, ctx) for i, raw in enumerate(tweets)]
