"""Reddit mentions through the OAuth Data API (disabled until a client id and secret are configured).

``GET https://oauth.reddit.com/search?q=...&sort=new&t=week&limit=100&raw_json=1`` with an
application-only token: ``POST https://www.reddit.com/api/v1/access_token`` with HTTP Basic
``client_id:client_secret`` and ``grant_type=client_credentials``. Unauthenticated ``.json`` is
blocked (HTTP 403) from most clients since 2026, so there is no anonymous fallback. Pages follow
``after`` (fullnames such as ``t3_abc``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import orjson

from veille import __version__
from veille.errors import CredentialMissing, FetchError, ParseError
from veille.kb.ids import CompetitorRecord
from veille.netguard import AddressRefused
from veille.observations import Mention, Observation
from veille.settings import CONTACT_URL, Settings
from veille.sources._registry import ParseContext, Request, SourceSpec, auth_scheme, bearer, paginator, parser
from veille.sources._signals import expect, field, load_json, parse_time, plain_text, to_int

PARSER = "reddit.listing"
API = "https://oauth.reddit.com/search"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
SITE = "https://www.reddit.com"
# Reddit's prescribed form ``<platform>:<app ID>:<version> (...)``, honest about who asks.
USER_AGENT = f"server:veille:{__version__} (+{CONTACT_URL})"


def parse_token(body: bytes) -> tuple[str, int]:
    """``(access_token, expires_in seconds)`` from the token endpoint's answer."""
    doc = expect("reddit.token", load_json("reddit.token", body), dict, "document")
    if "error" in doc:
        raise ParseError("reddit.token", f"token refused: {doc.get('error')}")
    token = field("reddit.token", doc, "access_token", str, "document")
    return token, int(doc.get("expires_in") or 3600)


class AppOnlyToken:
    """The ``auth`` hook of the Reddit sources: trades the client id and secret for an
    application-only bearer token (``grant_type=client_credentials``), cached until it expires.

    The secret comes from the source's credential; the client id from ``VEILLE_REDDIT_CLIENT_ID``.
    The token request goes through ``settings.url_map`` like every other request. Both the token
    request and the API calls carry Reddit's User-Agent form (``USER_AGENT``). The exchange is a short
    blocking request made when the fetcher asks for the source's headers (at most once a day).
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, float]] = {}

    def __call__(self, secret: str) -> Mapping[str, Mapping[str, str]]:
        settings = Settings()
        client_id = settings.credential("reddit_client_id")
        if not client_id:
            raise CredentialMissing("Reddit sources need VEILLE_REDDIT_CLIENT_ID as well as the secret")
        cached = self._cache.get(client_id)
        if cached is None or cached[1] <= time.time() + 60:
            url = TOKEN_URL
            for prefix in sorted(settings.url_map, key=len, reverse=True):
                if url.startswith(prefix):
                    url = settings.url_map[prefix] + url[len(prefix) :]
                    break
            target = httpx.URL(url)
            try:  # no redirect is followed here; the host itself must be public (or allowed)
                settings.address_guard.resolve_now(target.host, target.port or 443)
            except AddressRefused as exc:
                raise FetchError(TOKEN_URL, str(exc)) from None
            except OSError:
                pass  # does not resolve: httpx says so below
            try:
                response = httpx.post(
                    url,
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, secret),
                    headers={"User-Agent": USER_AGENT},
                    timeout=settings.http_timeout,
                )
            except httpx.HTTPError as exc:
                raise FetchError(TOKEN_URL, f"token request failed: {exc.__class__.__name__}") from None
            if response.status_code != 200:
                raise FetchError(
                    TOKEN_URL, f"token request refused: HTTP {response.status_code}", response.status_code
                )
            token, expires_in = parse_token(response.content)
            cached = (token, time.time() + expires_in)
            self._cache[client_id] = cached
        return {"headers": {**bearer(cached[0])["headers"], "User-Agent": USER_AGENT}}


@paginator("reddit.next_page")
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


APP_ONLY_TOKEN = auth_scheme("reddit.app_only")(AppOnlyToken())


def search(competitor: str, query: str) -> SourceSpec:
    """The Reddit mention source of one competitor (needs ``reddit_client_id`` and ``reddit_client_secret``)."""
    return SourceSpec(
        id=f"{competitor}.mentions.reddit",
        competitor=competitor,
        kind="mentions",
        parser=PARSER,
        url=API,
        params={"q": query.strip('"'), "sort": "new", "t": "week", "limit": "100", "raw_json": "1"},
        cadence=timedelta(hours=2),
        description=f"Reddit posts matching {query} (OAuth search, newest first; needs Reddit API credentials).",
        credential="reddit_client_secret",
        also_needs=("reddit_client_id",),
        auth=APP_ONLY_TOKEN,
        paginate=next_page,
        max_pages=5,
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The Reddit search of a competitor, for its record's ``mentions`` identifier."""
    query = record.identifier("mentions")
    return [search(record.id, query)] if query else []


_BASE36 = re.compile(r"[a-z0-9]{1,16}")
_SUBREDDIT = re.compile(r"[A-Za-z0-9_]{2,32}")


def thing_url(kind: str, data: Mapping[str, Any]) -> str | None:
    """The page of a post or comment: its ``permalink``, else one built from its ids (comments
    fetched by id or from some listings come without it):
    ``/r/<subreddit>/comments/<post id>/comment/<comment id>/`` or ``/r/<subreddit>/comments/<post id>/``."""
    permalink = data.get("permalink")
    if isinstance(permalink, str) and permalink.startswith("/"):
        return f"{SITE}{permalink}"
    if isinstance(permalink, str) and permalink.startswith(f"{SITE}/"):
        return permalink
    own = str(data.get("id") or "")
    post = own if kind == "t3" else str(data.get("link_id") or "").removeprefix("t3_")
    if not _BASE36.fullmatch(post) or not _BASE36.fullmatch(own):
        return None
    subreddit = data.get("subreddit")
    where = f"/r/{subreddit}" if isinstance(subreddit, str) and _SUBREDDIT.fullmatch(subreddit) else ""
    return f"{SITE}{where}/comments/{post}/" + ("" if kind == "t3" else f"comment/{own}/")


def _thing(raw: Any, where: str, ctx: ParseContext) -> Mention | None:
    thing = expect(PARSER, raw, dict, where)
    kind = thing.get("kind")
    if kind not in ("t1", "t3"):
        return None  # "more" stubs and other things carry no mention
    data = field(PARSER, thing, "data", dict, where)
    fullname = data.get("name") or f"{kind}_{field(PARSER, data, 'id', str, where + '.data')}"
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
        url=thing_url(kind, data),
        author=author if isinstance(author, str) and author not in ("", "[deleted]") else None,
        score=to_int(PARSER, data.get("score"), f"{where}.data.score"),
        comments=to_int(PARSER, comments, f"{where}.data.num_comments"),
        created_at=parse_time(PARSER, data.get("created_utc"), f"{where}.data.created_utc"),
        text=text[:20_000] if isinstance(text, str) and text not in ("[deleted]", "[removed]") else "",
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
