"""Generic RSS / Atom feeds of product changes, blogs and newsrooms (parser ``feed``).

Every entry becomes a ``FeedItem`` tagged with product areas (``veille.normalise.tagging``). Ids are
the entry's ``guid`` / ``id`` (release-notes feeds often point every entry at one page with a
``#fragment``, so the link is only a fallback). Only the newest ``MAX_ITEMS`` entries are kept:
some feeds are archives of thousands of items. Feeds are polled every 6 hours (docs/sources.md); a
feed whose URL has not been checked live yet is disabled until someone checks it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from veille.kb.ids import CompetitorRecord
from veille.normalise.tagging import tag_item
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import FeedEntry, guarded, html_to_text, parse_feed
from veille.sources._registry import ParseContext, SourceSpec, parser

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


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The feeds of a competitor's record (identifier ``feeds``: ``name=url`` or a mapping with
    ``name``, ``url``, ``verified`` and ``what``); source ids are ``<competitor>.<name>``."""
    return [
        SourceSpec(
            id=f"{record.id}.{name}",
            competitor=record.id,
            kind="changelog",
            parser=PID,
            url=url,
            cadence=FEED_CADENCE,
            description=what,
            verified=verified,
        )
        for name, url, verified, what in record.feeds("feeds")
    ]
