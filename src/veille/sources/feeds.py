"""Generic RSS / Atom feeds of product changes, blogs and newsrooms (parser ``feed``).

Every entry becomes a ``FeedItem`` tagged with product areas (``veille.analysis.tagging``). Ids are
the entry's ``guid`` / ``id`` (release-notes feeds often point every entry at one page with a
``#fragment``, so the link is only a fallback). Only the newest ``MAX_ITEMS`` entries are kept:
some feeds are archives of thousands of items. Feeds are polled every 6 hours (docs/sources.md); a
feed whose URL has not been checked live yet is disabled until someone checks it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from veille.analysis.tagging import tag_item
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import FeedEntry, guarded, html_to_text, parse_feed
from veille.sources._registry import ParseContext, parser

PID = "feed"
MAX_ITEMS = 500
SUMMARY_LIMIT = 1000
FEED_CADENCE = timedelta(hours=6)


def entry_id(entry: FeedEntry) -> str:
    """The entry's own id, else its link, else a digest of title and date."""
    if entry.id:
        return entry.id[:500]
    if entry.link:
        return entry.link[:500]
    stamp = (entry.published or entry.updated or datetime.min.replace(tzinfo=UTC)).isoformat()
    return "sha1:" + hashlib.sha1(f"{entry.title}|{stamp}".encode()).hexdigest()


def newest(entries: tuple[FeedEntry, ...], limit: int = MAX_ITEMS) -> list[FeedEntry]:
    """The ``limit`` most recent entries (undated ones keep their feed order, after dated ones)."""
    if len(entries) <= limit:
        return list(entries)
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: e.published or e.updated or floor, reverse=True)[:limit]


@parser(PID, reads="any RSS 2.0 / RSS 1.0 / Atom feed: release notes, changelogs, blogs, newsrooms")
@guarded(PID)
def parse_generic_feed(body: bytes, ctx: ParseContext) -> list[Observation]:
    feed = parse_feed(body, PID, ctx.url)
    out: list[Observation] = []
    seen: set[str] = set()
    for entry in newest(feed.entries):
        item_id = entry_id(entry)
        if item_id in seen or not (entry.title or entry.link):
            continue
        seen.add(item_id)
        summary = html_to_text(entry.summary or entry.content, limit=SUMMARY_LIMIT)
        title = entry.title or summary[:120]
        out.append(
            FeedItem(
                id=item_id,
                title=title,
                url=entry.link,
                published_at=entry.published or entry.updated,
                tags=tag_item(title, summary, entry.categories),
                summary=summary,
                competitor=ctx.competitor,
            )
        )
    return out


# (source id, competitor, url, checked live, what it is)
FEEDS: tuple[tuple[str, str, str, bool, str], ...] = (
    (
        "digitalocean.release-notes",
        "digitalocean",
        "https://docs.digitalocean.com/release-notes/index.xml",
        True,
        "release notes (RSS)",
    ),
    ("digitalocean.blog", "digitalocean", "https://www.digitalocean.com/rss/blog.atom", True, "blog (Atom)"),
    ("scaleway.blog", "scaleway", "https://www.scaleway.com/en/blog/rss.xml", True, "blog (RSS)"),
    (
        "hetzner.changelog",
        "hetzner",
        "https://docs.hetzner.cloud/changelog/feed.rss",
        True,
        "Cloud API and product changelog (RSS)",
    ),
    ("hetzner.news", "hetzner", "https://www.hetzner.com/news/feed.rss", False, "news (RSS URL unconfirmed)"),
    ("vultr.blog", "vultr", "https://blogs.vultr.com/rss.xml", True, "blog (RSS)"),
    (
        "vultr.updates",
        "vultr",
        "https://www.vultr.com/company/updates/rss.xml",
        False,
        "product updates (RSS unconfirmed)",
    ),
    ("ovhcloud.blog", "ovhcloud", "https://blog.ovhcloud.com/feed/", False, "blog (WordPress feed)"),
    (
        "ovhcloud.newsroom",
        "ovhcloud",
        "https://corporate.ovhcloud.com/en/newsroom/rss.xml",
        False,
        "newsroom (RSS unconfirmed)",
    ),
    ("lambda.blog", "lambda", "https://lambda.ai/blog/rss.xml", True, "blog (RSS)"),
    ("coreweave.blog", "coreweave", "https://www.coreweave.com/blog/rss.xml", True, "blog (RSS)"),
    ("runpod.blog", "runpod", "https://www.runpod.io/blog/rss.xml", True, "blog (RSS)"),
    (
        "infomaniak.news",
        "infomaniak",
        "https://news.infomaniak.com/feed/",
        False,
        "news (WordPress feed unconfirmed)",
    ),
    (
        "hostinger.blog",
        "hostinger",
        "https://www.hostinger.com/blog/feed",
        False,
        "blog (WordPress feed unconfirmed)",
    ),
    ("contabo.blog", "contabo", "https://contabo.com/blog/feed/", False, "blog (WordPress feed unconfirmed)"),
)
