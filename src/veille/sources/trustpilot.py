"""Trustpilot: the aggregate (TrustScore, review count) and recent reviews of a competitor.

Read from the public review page ``https://www.trustpilot.com/review/<domain>?sort=recency``: its
Next.js ``<script id="__NEXT_DATA__">`` holds ``props.pageProps.businessUnit`` (``trustScore``,
``numberOfReviews``) and ``reviews[]``. It is an HTML page, so robots.txt applies (``html=True``); it
is fetched weekly, and the sources are unverified (disabled) until checked live against the Terms.
Without that script, the schema.org JSON-LD ``aggregateRating`` (if any) still gives the aggregate;
an anti-bot interstitial ("Verifying your connection…") has neither: ``ParseError``.
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


def _page_scripts(parser_id: str, body: bytes) -> tuple[str | None, list[str], str]:
    """The ``__NEXT_DATA__`` text (or None), the JSON-LD texts and the title of an HTML page."""
    if not isinstance(body, bytes) or not body.strip():
        raise ParseError(parser_id, "empty body")
    tree = LexborHTMLParser(body.decode("utf-8", errors="replace"))
    node = tree.css_first("script#__NEXT_DATA__")
    linked = [n.text(deep=True) for n in tree.css('script[type="application/ld+json"]')]
    title = tree.css_first("title")
    return (
        (node.text(deep=True) if node is not None else None),
        linked,
        (title.text(strip=True) if title else ""),
    )


def _aggregate_from_json_ld(parser_id: str, texts: list[str]) -> tuple[Decimal, Decimal, int | None] | None:
    """``(score, scale, count)`` from a schema.org ``aggregateRating`` block, if the page has one."""
    stack: list[Any] = []
    for text in texts:
        try:
            stack.append(load_json(parser_id, text.encode()))
        except ParseError:
            continue  # a broken JSON-LD block is only a missed fallback
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            rating = item.get("aggregateRating")
            if isinstance(rating, dict) and rating.get("ratingValue") is not None:
                score = to_decimal(parser_id, rating.get("ratingValue"), "aggregateRating.ratingValue")
                scale = to_decimal(parser_id, rating.get("bestRating"), "aggregateRating.bestRating") or FIVE
                count = rating.get("reviewCount")
                count_value = int(count) if isinstance(count, int | str) and str(count).isdigit() else None
                if score is not None and 0 <= score <= scale:
                    return score, scale, count_value
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


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
    next_text, linked, title = _page_scripts(PARSER, body)
    if next_text is None:
        aggregate = _aggregate_from_json_ld(PARSER, linked)
        if aggregate is None:
            seen = f" (page title {title[:80]!r})" if title else ""
            raise ParseError(PARSER, f"no __NEXT_DATA__ script: not a review page, or an anti-bot page{seen}")
        ld_score, ld_scale, ld_count = aggregate  # the schema.org block alone: the aggregate, no reviews
        return [
            RatingSnapshot(
                "trustpilot", ctx.competitor, ld_score, ld_scale, ld_count, ctx.fetched_at, ctx.url
            )
        ]
    doc = expect(PARSER, load_json(PARSER, next_text.encode()), dict, "__NEXT_DATA__")
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
