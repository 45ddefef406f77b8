"""Press and newsroom feeds scanned for funding and corporate events (RSS 2.0 and Atom).

Each item becomes a ``FeedItem`` tagged ``funding`` / ``debt`` / ``acquisition`` / ``ipo`` when the
patterns of ``veille.analysis.funding`` match its title and summary; ``veille.detect.funding`` turns
those into high-importance ``funding`` events. Feeds are parsed with defusedxml (no DTD, no
entities), capped to the newest ``MAX_ITEMS``.

SOURCES.md names no verified press feed for these competitors (OVHcloud's newsroom RSS is
"referenced", CoreWeave's IR RSS answers 403 to non-browser clients) and recommends Google News RSS
searches: every source here is therefore declared unverified, disabled until checked live.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote_plus
from xml.etree.ElementTree import Element

from veille.analysis.funding import match
from veille.errors import ParseError
from veille.observations import FeedItem, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import load_xml, parse_time, plain_text

PARSER = "news.feed"
ATOM = "{http://www.w3.org/2005/Atom}"
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
        id=f"news-{competitor}-{name}",
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
        id=f"news-{competitor}-google-{lang}",
        competitor=competitor,
        kind="funding",
        parser=PARSER,
        url=GOOGLE_NEWS,
        params={"q": f'"{query}" {_FUNDING_TERMS[lang]}', "hl": hl, "gl": gl, "ceid": ceid},
        cadence=timedelta(hours=6),
        description=f"Google News search ({lang}) for {query} with funding and corporate-event words.",
        verified=False,
    )


SOURCES = [
    press_feed("ovhcloud", "newsroom", "https://corporate.ovhcloud.com/en/newsroom/rss.xml"),
    press_feed("coreweave", "ir", "https://investors.coreweave.com/news-events/press-releases/rss"),
    google_news("ovhcloud", "OVHcloud", "fr"),
    google_news("ovhcloud", "OVHcloud", "en"),
    google_news("scaleway", "Scaleway", "fr"),
    google_news("hetzner", "Hetzner", "de"),
    google_news("contabo", "Contabo", "de"),
    google_news("infomaniak", "Infomaniak", "fr"),
    google_news("vultr", "Vultr", "en"),
    google_news("lambda", "Lambda Labs", "en"),
    google_news("coreweave", "CoreWeave", "en"),
    google_news("runpod", "RunPod", "en"),
    google_news("vastai", "Vast.ai", "en"),
    google_news("digitalocean", "DigitalOcean", "en"),
    google_news("hostinger", "Hostinger", "en"),
]


def _child(element: Element, *names: str) -> str:
    for name in names:
        found = element.find(name)
        if found is not None and (found.text or "").strip():
            return (found.text or "").strip()
    return ""


def _atom_link(entry: Element) -> str | None:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _item(
    title: str, guid: str, link: str | None, published: str, summary: str, ctx: ParseContext, where: str
) -> FeedItem:
    text = plain_text(summary, 4000)
    title = plain_text(title, 500)
    found = match(f"{title}. {text}")
    tags = (found.kind,) if found else ()
    return FeedItem(
        id=guid or link or title,
        title=title,
        url=link,
        published_at=_date(published, where),
        tags=tags,
        summary=text,
        competitor=ctx.competitor,
    )


def _date(value: str, where: str) -> datetime | None:
    """ISO 8601 (Atom) or RFC 822 (RSS) text; a broken date costs the date, not the item."""
    if not value:
        return None
    try:
        return parse_time(PARSER, value, where)
    except ParseError:
        pass
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@parser(PARSER, reads="RSS 2.0 or Atom press / newsroom feed; items tagged with funding kinds")
def parse_feed(body: bytes, ctx: ParseContext) -> list[Observation]:
    """The newest items of the feed, each tagged with the funding kind it reports (if any)."""
    root = load_xml(PARSER, body)
    out: list[Observation] = []
    if root.tag == f"{ATOM}feed":
        for i, entry in enumerate(root.findall(f"{ATOM}entry")[:MAX_ITEMS]):
            out.append(
                _item(
                    _child(entry, f"{ATOM}title"),
                    _child(entry, f"{ATOM}id"),
                    _atom_link(entry),
                    _child(entry, f"{ATOM}published", f"{ATOM}updated"),
                    _child(entry, f"{ATOM}summary", f"{ATOM}content"),
                    ctx,
                    f"entry[{i}]",
                )
            )
        return out
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ParseError(
            PARSER, f"root element <{root.tag}> is neither an RSS 2.0 <rss><channel> nor an Atom <feed>"
        )
    for i, item in enumerate(channel.findall("item")[:MAX_ITEMS]):
        link = _child(item, "link") or None
        out.append(
            _item(
                _child(item, "title"),
                _child(item, "guid"),
                link,
                _child(item, "pubDate", "{http://purl.org/dc/elements/1.1/}date"),
                _child(item, "description"),
                ctx,
                f"item[{i}]",
            )
        )
    return out


def search_url(query: str, lang: str = "en") -> str:
    """The browser URL of a Google News search (for documentation and checking a source by hand)."""
    hl, gl, ceid = _GOOGLE_EDITIONS[lang]
    return f"{GOOGLE_NEWS}?q={quote_plus(query)}&hl={hl}&gl={gl}&ceid={ceid}"
