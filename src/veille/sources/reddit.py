"""Reddit mentions through the OAuth Data API (disabled until a client id and secret are configured).

``GET https://oauth.reddit.com/search?q=...&sort=new&t=week&limit=100&raw_json=1`` with an
application-only token: ``POST https://www.reddit.com/api/v1/access_token`` with HTTP Basic
``client_id:client_secret`` and ``grant_type=client_credentials``. Unauthenticated ``.json`` is
blocked (HTTP 403) from most clients since 2026, so there is no anonymous fallback. Pages follow
``after`` (fullnames such as ``t3_abc``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from veille.errors import ParseError
from veille.observations import Mention, Observation
from veille.sources._registry import ParseContext, Request, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time, plain_text, to_int
from veille.sources.hn import MENTION_QUERIES

PARSER = "reddit.listing"
API = "https://oauth.reddit.com/search"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
SITE = "https://www.reddit.com"


def token_request(client_id: str, client_secret: str) -> Request:
    """The application-only (client credentials) token request."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return Request(
        TOKEN_URL,
        "POST",
        params={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )


def parse_token(body: bytes) -> tuple[str, int]:
    """``(access_token, expires_in seconds)`` from the token endpoint's answer."""
    doc = expect("reddit.token", load_json("reddit.token", body), dict, "document")
    if "error" in doc:
        raise ParseError("reddit.token", f"token refused: {doc.get('error')}")
    token = field("reddit.token", doc, "access_token", str, "document")
    return token, int(doc.get("expires_in") or 3600)


def next_page(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Follow ``data.after`` while the listing has more."""
    try:
        after = orjson.loads(body)["data"].get("after")
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(after, str) or not after:
        return None
    params = dict(request.params)
    params["after"] = after
    return Request(request.url, request.method, params, dict(request.headers))


def search(competitor: str, query: str) -> SourceSpec:
    """The Reddit mention source of one competitor (needs ``reddit_client_id`` and ``reddit_client_secret``)."""
    return SourceSpec(
        id=f"mentions-{competitor}-reddit",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={"q": query.strip('"'), "sort": "new", "t": "week", "limit": "100", "raw_json": "1"},
        cadence=timedelta(hours=2),
        description=f"Reddit posts matching {query} (OAuth search, newest first; needs Reddit API credentials).",
        credential="reddit_client_secret",
        paginate=next_page,
        max_pages=5,
    )


SOURCES = [search(competitor, query) for competitor, query in MENTION_QUERIES.items()]


def _thing(raw: Any, where: str, ctx: ParseContext) -> Mention | None:
    thing = expect(PARSER, raw, dict, where)
    kind = thing.get("kind")
    if kind not in ("t1", "t3"):
        return None  # "more" stubs and other things carry no mention
    data = field(PARSER, thing, "data", dict, where)
    fullname = data.get("name") or f"{kind}_{field(PARSER, data, 'id', str, where + '.data')}"
    permalink = data.get("permalink")
    author = data.get("author")
    if kind == "t3":
        title = field(PARSER, data, "title", str, f"{where}.data")
        text, comments = data.get("selftext"), data.get("num_comments")
    else:
        title = f"Re: {data.get('link_title') or ''}".strip()
        text, comments = field(PARSER, data, "body", str, f"{where}.data"), None
    return Mention(
        platform="reddit",
        id=str(fullname),
        title=plain_text(title, 500),
        url=f"{SITE}{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        author=author if isinstance(author, str) and author not in ("", "[deleted]") else None,
        score=to_int(PARSER, data.get("score"), f"{where}.data.score"),
        comments=to_int(PARSER, comments, f"{where}.data.num_comments"),
        created_at=parse_time(PARSER, data.get("created_utc"), f"{where}.data.created_utc"),
        text=(text or "")[:20_000] if isinstance(text, str) else "",
        competitor=ctx.competitor,
    )


@parser(PARSER, reads="Reddit Listing JSON (search, subreddit, user): posts t3 and comments t1")
def parse_listing(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every post and comment of one Listing page, as a mention (author handle only)."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    if doc.get("kind") != "Listing":
        raise ParseError(PARSER, f"expected a Listing, got kind {doc.get('kind')!r}")
    data = field(PARSER, doc, "data", dict, "document")
    children = field(PARSER, data, "children", list, "data")
    out: list[Observation] = []
    for i, raw in enumerate(children):
        mention = _thing(raw, f"children[{i}]", ctx)
        if mention is not None:
            out.append(mention)
    return out
