"""Trustpilot: the aggregate (TrustScore, review count) and recent reviews of a competitor.

Read from the public review page ``https://www.trustpilot.com/review/<domain>?sort=recency``: its
Next.js ``<script id="__NEXT_DATA__">`` holds ``props.pageProps.businessUnit`` (``trustScore``,
``numberOfReviews``) and ``reviews[]``. It is an HTML page, so robots.txt applies (``html=True``); it
is fetched weekly, and the sources are unverified (disabled) until checked live against the Terms.
An anti-bot interstitial ("Verifying your connection…") has no such script: ``ParseError``.
Only the reviewer's display name is kept (no profile, avatar, country or id).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from veille.errors import ParseError
from veille.observations import Observation, RatingSnapshot, Review
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time, to_decimal

PARSER = "trustpilot.page"
PAGE = "https://www.trustpilot.com/review/{domain}"
FIVE = Decimal(5)

DOMAINS: dict[str, str] = {
    "ovhcloud": "ovhcloud.com",
    "scaleway": "scaleway.com",
    "hetzner": "hetzner.com",
    "infomaniak": "infomaniak.com",
    "digitalocean": "digitalocean.com",
    "hostinger": "hostinger.com",
    "contabo": "contabo.com",
    "vultr": "vultr.com",
    "lambda": "lambda.ai",
    "coreweave": "coreweave.com",
    "vastai": "vast.ai",
    "runpod": "runpod.io",
    "paperspace": "paperspace.com",
}


def page(competitor: str, domain: str) -> SourceSpec:
    """The Trustpilot source of one competitor's domain."""
    return SourceSpec(
        id=f"{competitor}.reviews.trustpilot",
        competitor=competitor,
        kind="reviews",
        parser=PARSER,
        url=PAGE.format(domain=domain),
        params={"sort": "recency"},
        cadence=timedelta(days=7),
        description=f"Trustpilot page of {domain}: TrustScore, review count and the 20 newest reviews (weekly).",
        html=True,
        verified=False,
    )


SOURCES = [page(competitor, domain) for competitor, domain in DOMAINS.items()]


def next_data(parser_id: str, body: bytes) -> Any:
    """The JSON of a Next.js page's ``__NEXT_DATA__`` script."""
    if not isinstance(body, bytes) or not body.strip():
        raise ParseError(parser_id, "empty body")
    tree = LexborHTMLParser(body.decode("utf-8", errors="replace"))
    node = tree.css_first("script#__NEXT_DATA__")
    if node is None:
        title = tree.css_first("title")
        seen = f" (page title {title.text(strip=True)[:80]!r})" if title is not None else ""
        raise ParseError(parser_id, f"no __NEXT_DATA__ script: not a review page, or an anti-bot page{seen}")
    return load_json(parser_id, node.text(deep=True).encode())


def _review(raw: Any, where: str, ctx: ParseContext, base: str) -> Review:
    review = expect(PARSER, raw, dict, where)
    review_id = field(PARSER, review, "id", str, where)
    dates = review.get("dates") if isinstance(review.get("dates"), dict) else {}
    consumer = review.get("consumer") if isinstance(review.get("consumer"), dict) else {}
    handle = consumer.get("displayName")
    rating = to_decimal(PARSER, review.get("rating"), f"{where}.rating")
    if rating is not None and not (1 <= rating <= 5):
        raise ParseError(PARSER, f"{where}.rating: {rating} is outside 1..5")
    title, text = review.get("title"), review.get("text")
    return Review(
        platform="trustpilot",
        id=review_id,
        competitor=ctx.competitor,
        rating=rating,
        title=title.strip() if isinstance(title, str) else "",
        text=text.strip()[:20_000] if isinstance(text, str) else "",
        author=handle.strip()[:120] if isinstance(handle, str) and handle.strip() else None,
        published_at=parse_time(PARSER, dates.get("publishedDate"), f"{where}.dates.publishedDate"),
        language=review.get("language") if isinstance(review.get("language"), str) else None,
        url=f"{base}/reviews/{review_id}",
    )


@parser(PARSER, reads="Trustpilot review page (HTML with __NEXT_DATA__): TrustScore, count, recent reviews")
def parse_page(body: bytes, ctx: ParseContext) -> list[Observation]:
    """The aggregate rating and the reviews shown on the page."""
    doc = expect(PARSER, next_data(PARSER, body), dict, "__NEXT_DATA__")
    props = field(PARSER, doc, "props", dict, "__NEXT_DATA__")
    page_props = field(PARSER, props, "pageProps", dict, "props")
    unit = field(PARSER, page_props, "businessUnit", dict, "pageProps")
    score = to_decimal(
        PARSER, field(PARSER, unit, "trustScore", (int, float, str), "businessUnit"), "trustScore"
    )
    count = field(PARSER, unit, "numberOfReviews", int, "businessUnit")
    if score is None or not (0 <= score <= 5):
        raise ParseError(PARSER, f"businessUnit.trustScore: {score} is outside 0..5")
    name = unit.get("identifyingName")
    base = "https://www.trustpilot.com"
    url = f"{base}/review/{name}" if isinstance(name, str) and name else ctx.url
    out: list[Observation] = [
        RatingSnapshot(
            platform="trustpilot",
            competitor=ctx.competitor,
            score=score,
            scale=FIVE,
            count=count,
            as_of=ctx.fetched_at,
            url=url,
        )
    ]
    reviews = page_props.get("reviews", [])
    expect(PARSER, reviews, list, "pageProps.reviews")
    out.extend(_review(raw, f"reviews[{i}]", ctx, base) for i, raw in enumerate(reviews))
    return out
