"""Press and newsroom feeds scanned for funding and corporate events (RSS 2.0, RSS 1.0, Atom).

Each item becomes a ``FeedItem`` tagged ``funding`` / ``debt`` / ``acquisition`` / ``ipo`` when the
patterns of ``veille.analysis.funding`` match its title and summary; ``veille.detect.funding`` turns
those into high-importance ``funding`` events. Feeds go through the shared ``_feedparse`` (defusedxml,
no DTD or entity declarations, size cap, mis-declared encodings repaired), capped to the newest
``MAX_ITEMS``.

No press feed of these competitors has been checked live (CoreWeave's IR RSS answers 403 to
non-browser clients), so Google News RSS searches stand in for them: every source here is therefore declared
unverified, disabled until checked live. The newsroom feeds the changelog module already reads
(``ovhcloud.newsroom``, ``hetzner.news``, ``infomaniak.news``) are scanned by the same detector.
"""

from __future__ import annotations

from datetime import timedelta

from veille.analysis.funding import competitor_names, match
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import parse_feed as read_feed
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import plain_text

PARSER = "news.feed"
MAX_ITEMS = 200
GOOGLE_NEWS = "https://news.google.com/rss/search"
_GOOGLE_EDITIONS = {"en": ("en-US", "US", "US:en"), "fr": ("fr", "FR", "FR:fr"), "de": ("de", "DE", "DE:de")}
_FUNDING_TERMS = {
    "en": "(funding OR raises OR acquisition OR acquires OR IPO OR financing)",
    "fr": "(levée OR lève OR rachat OR acquisition OR bourse OR financement)",
    "de": "(Finanzierungsrunde OR Übernahme OR Börsengang OR Finanzierung)",
}


def press_feed(competitor: str, name: str, url: str, *, verified: bool = False) -> SourceSpec:
    """A press or newsroom feed of one competitor."""
    return SourceSpec(
        id=f"{competitor}.press.{name}",
        competitor=competitor,
        kind="funding",
        parser=PARSER,
        url=url,
        cadence=timedelta(hours=6),
        description=f"{competitor} press feed ({name}), scanned for funding, acquisitions and IPOs.",
        verified=verified,
    )


def google_news(competitor: str, query: str, lang: str = "en") -> SourceSpec:
    """A Google News RSS search for a competitor's name plus funding words, in one language edition."""
    hl, gl, ceid = _GOOGLE_EDITIONS[lang]
    return SourceSpec(
        id=f"{competitor}.news.google-{lang}",
        competitor=competitor,
        kind="funding",
        parser=PARSER,
        url=GOOGLE_NEWS,
        params={"q": f'"{query}" {_FUNDING_TERMS[lang]}', "hl": hl, "gl": gl, "ceid": ceid},
        cadence=timedelta(hours=6),
        description=f"Google News search ({lang}) for {query} with funding and corporate-event words.",
        verified=False,
    )


@parser(PARSER, reads="RSS 2.0, RSS 1.0 or Atom press / newsroom feed; items tagged with funding kinds")
def parse_feed(body: bytes, ctx: ParseContext) -> list[Observation]:
    """The newest items of the feed, each tagged with the funding kind it reports (if any)."""
    feed = read_feed(body, PARSER, ctx.url)
    names = competitor_names(ctx.competitor) if ctx.competitor else None
    out: list[Observation] = []
    for entry in feed.entries[:MAX_ITEMS]:
        title = plain_text(entry.title, 500)
        summary = plain_text(entry.summary or entry.content, 4000)
        found = match(f"{title}. {summary}", names)
        item_id = entry.id or entry.link or title
        if not item_id:
            continue  # an entry with no id, link or title cannot be told apart from the next one
        out.append(
            FeedItem(
                id=item_id,
                title=title,
                url=entry.link,
                published_at=entry.published or entry.updated,
                tags=(found.kind,) if found else (),
                summary=summary,
                competitor=ctx.competitor,
            )
        )
    return out
