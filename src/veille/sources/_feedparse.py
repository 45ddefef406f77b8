"""Safe parsing helpers shared by the feed and status-page parsers.

Everything here treats the body as hostile: XML goes through defusedxml with DTDs refused outright
(no external entities, no entity-expansion bombs), bodies are size-capped, HTML pages handed over in
place of a feed are named as such, broken encodings are repaired (cp1252 fallback, then ftfy for
mojibake) and dates that cannot be read become ``None`` instead of an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlSyntaxError

import defusedxml.ElementTree as SafeET
import ftfy
import orjson
from defusedxml import DefusedXmlException
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from veille.errors import ParseError

MAX_FEED_BYTES = 16 * 1024 * 1024
MAX_JSON_BYTES = 32 * 1024 * 1024
ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
DC_NS = "{http://purl.org/dc/elements/1.1/}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE | re.S
)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an Atom or RSS feed, with text fields repaired and dates made aware (UTC)."""

    id: str | None
    title: str
    link: str | None
    published: datetime | None
    updated: datetime | None
    summary: str  # raw (usually HTML) text of the summary / description
    content: str  # raw content (Atom content, RSS content:encoded); "" if absent
    categories: tuple[str, ...] = ()
    author: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # other simple children, by local name


@dataclass(frozen=True)
class Feed:
    kind: str  # atom, rss, rdf
    title: str
    link: str | None
    updated: datetime | None
    entries: tuple[FeedEntry, ...]


_F = TypeVar("_F", bound=Callable[..., Any])


def guarded(parser_id: str) -> Callable[[_F], _F]:
    """Turn a value of the wrong type anywhere in a document into a ``ParseError`` naming the parser.

    Parsers check the fields they need; this catches what a field-by-field check would miss (a list
    where an object was, a number where text was) so that no malformed body escapes as a crash.
    """

    def wrap(func: _F) -> _F:
        @wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ParseError:
                raise
            except (
                TypeError,
                AttributeError,
                KeyError,
                IndexError,
                ValueError,
                OverflowError,
                LookupError,
            ) as exc:
                raise ParseError(parser_id, f"unexpected shape ({exc.__class__.__name__}: {exc})") from None

        return run  # type: ignore[return-value]

    return wrap


# --- bytes in ---------------------------------------------------------------------------------------


def load_json(body: bytes, parser_id: str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Decode a JSON body (size-capped); a clear ``ParseError`` for HTML, truncation or junk."""
    if len(body) > max_bytes:
        raise ParseError(parser_id, f"body of {len(body)} bytes exceeds the {max_bytes}-byte cap")
    if not body.strip():
        raise ParseError(parser_id, "empty body where a JSON document was expected")
    if _HTML_START.match(body[:2048]):
        raise ParseError(parser_id, "got an HTML page where a JSON document was expected")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(parser_id, f"not valid JSON ({exc})") from None


def parse_xml(body: bytes, parser_id: str, *, max_bytes: int = MAX_FEED_BYTES) -> Element:
    """Parse untrusted XML: size cap, no DTD or entity declarations, encoding repaired if mis-declared."""
    if len(body) > max_bytes:
        raise ParseError(parser_id, f"body of {len(body)} bytes exceeds the {max_bytes}-byte cap")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.strip():
        raise ParseError(parser_id, "empty body where an XML feed was expected")
    if _HTML_START.match(body[:4096]):
        raise ParseError(parser_id, "got an HTML page, not a feed")
    first_element = _FIRST_ELEMENT.search(body)
    prolog = body[: first_element.start()] if first_element else body
    if _DECLARATION.search(prolog):
        raise ParseError(
            parser_id,
            "DOCTYPE/ENTITY declarations are refused in feeds (entity expansion, external entities)",
        )
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ParseError(parser_id, f"unsafe XML refused ({exc.__class__.__name__})") from None
    except (LookupError, UnicodeError) as exc:
        raise ParseError(parser_id, f"unreadable encoding ({exc})") from None
    except XmlSyntaxError as exc:
        repaired = _reencode(body)
        if repaired is None:
            raise ParseError(parser_id, f"malformed or truncated XML ({exc})") from None
        try:
            return SafeET.fromstring(repaired, forbid_dtd=True)
        except (XmlSyntaxError, DefusedXmlException, LookupError, UnicodeError):
            raise ParseError(parser_id, f"malformed or truncated XML ({exc})") from None


def _reencode(body: bytes) -> bytes | None:
    """A body that is not valid UTF-8 although it says so: read it as cp1252 and hand back UTF-8."""
    head = _XML_DECL.match(body)
    declared = re.search(rb"encoding=[\"']([\w.-]+)", head.group(0)) if head else None
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None  # the parser honoured a declared non-UTF-8 encoding: the error is elsewhere
    try:
        body.decode("utf-8")
        return None  # valid UTF-8: the error is not an encoding one
    except UnicodeDecodeError:
        pass
    text = body[head.end() :] if head else body
    return b'<?xml version="1.0" encoding="utf-8"?>' + text.decode("cp1252", errors="replace").encode("utf-8")


# --- feeds ------------------------------------------------------------------------------------------


def parse_feed(body: bytes, parser_id: str, base_url: str | None = None) -> Feed:
    """Atom 1.0, RSS 2.0 (and 0.9x) or RSS 1.0 (RDF). Anything else is a ``ParseError``.

    Links come out absolute: a relative one is resolved against ``xml:base`` (Atom) and ``base_url``,
    the URL the feed was fetched from, or else the feed's own absolute link. A feed with no entries is
    a valid, empty feed.
    """
    root = parse_xml(body, parser_id)
    base = base_url if _is_web(base_url) else None
    if root.tag == f"{ATOM}feed":
        return _atom(root, base)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise ParseError(parser_id, "an <rss> document without <channel>")
        return _rss(channel, channel.findall("item"), "rss", base)
    if _local(root.tag) == "RDF":
        channel = root.find(f"{RSS1}channel")
        return _rss(channel if channel is not None else root, root.findall(f"{RSS1}item"), "rdf", base)
    raise ParseError(parser_id, f"not an Atom or RSS feed (root element <{_local(root.tag)}>)")


def _is_web(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in ("http", "https") and bool(urlsplit(url or "").netloc)


def resolve_link(href: str | None, base: str | None) -> str | None:
    """``href`` made absolute against ``base`` (kept as it is when there is no web base); a link to
    anything but a web page (``javascript:``, ``data:``) is dropped."""
    if not href:
        return None
    href = href.strip()
    resolved = urljoin(base, href) if base and _is_web(base) else href
    scheme = urlsplit(resolved).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return None
    return resolved


def _based(el: Element, base: str | None) -> str | None:
    """The base URL in force inside ``el``: its ``xml:base`` resolved against the outer one."""
    own = el.get(XML_BASE)
    if not own:
        return base
    return urljoin(base, own.strip()) if base else (own.strip() if _is_web(own.strip()) else base)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: Element | None) -> str:
    return fix_text("".join(el.itertext()).strip()) if el is not None else ""


def _atom_text(el: Element | None) -> str:
    """Text of an Atom text construct; ``xhtml`` ones are serialised back to markup."""
    if el is None:
        return ""
    if el.get("type") == "xhtml":
        from xml.etree.ElementTree import tostring

        for node in el.iter():
            node.tag = _local(node.tag)
        inner = "".join(tostring(child, encoding="unicode") for child in el)
        return fix_text(inner)
    return fix_text("".join(el.itertext()))


def _atom_link(el: Element, base: str | None) -> str | None:
    """The ``alternate`` link of a feed or entry, absolute."""
    for ln in el.findall(f"{ATOM}link"):
        if ln.get("rel", "alternate") == "alternate" and ln.get("href"):
            return resolve_link(ln.get("href"), _based(ln, base))
    return None


def _atom(root: Element, base_url: str | None) -> Feed:
    feed_base = _based(root, base_url)
    if feed_base is None:  # a file read without its URL: the feed's own absolute link
        feed_base = _atom_link(root, None)
    entries = []
    for e in root.findall(f"{ATOM}entry"):
        link = _atom_link(e, _based(e, feed_base))
        author = e.find(f"{ATOM}author/{ATOM}name")
        extra = {_local(c.tag): _text(c) for c in e if len(c) == 0 and not c.tag.startswith(ATOM)}
        entries.append(
            FeedEntry(
                id=_text(e.find(f"{ATOM}id")) or None,
                title=_html_title(_atom_text(e.find(f"{ATOM}title")), e.find(f"{ATOM}title")),
                link=link,
                published=parse_date(_text(e.find(f"{ATOM}published"))),
                updated=parse_date(_text(e.find(f"{ATOM}updated"))),
                summary=_atom_text(e.find(f"{ATOM}summary")),
                content=_atom_text(e.find(f"{ATOM}content")),
                categories=tuple(c.get("term", "") for c in e.findall(f"{ATOM}category") if c.get("term")),
                author=_text(author) or None,
                extra=extra,
            )
        )
    return Feed(
        "atom",
        _text(root.find(f"{ATOM}title")),
        _atom_link(root, feed_base),
        parse_date(_text(root.find(f"{ATOM}updated"))),
        tuple(entries),
    )


def _html_title(title: str, el: Element | None) -> str:
    if el is not None and el.get("type") in ("html", "xhtml") and "<" in title:
        return html_to_text(title)
    return title.strip()


def _rss(channel: Element, items: list[Element], kind: str, base_url: str | None) -> Feed:
    ns = RSS1 if kind == "rdf" else ""
    own_link = _text(channel.find(f"{ns}link")) or None
    base = base_url or (own_link if _is_web(own_link) else None)
    entries = []
    for it in items:
        guid = _text(it.find(f"{ns}guid")) or it.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        date = parse_date(_text(it.find(f"{ns}pubDate"))) or parse_date(_text(it.find(f"{DC_NS}date")))
        known = {
            "title",
            "link",
            "guid",
            "pubDate",
            "description",
            "encoded",
            "category",
            "date",
            "creator",
            "author",
        }
        extra = {_local(c.tag): _text(c) for c in it if len(c) == 0 and _local(c.tag) not in known}
        author = _text(it.find(f"{DC_NS}creator")) or _text(it.find("author"))
        entries.append(
            FeedEntry(
                id=guid or None,
                title=_text(it.find(f"{ns}title")),
                link=resolve_link(_text(it.find(f"{ns}link")), base),
                published=date,
                updated=date,
                summary=_text(it.find(f"{ns}description")),
                content=_text(it.find(f"{CONTENT_NS}encoded")),
                categories=tuple(t for t in (_text(c) for c in it.findall("category")) if t),
                author=author or None,
                extra=extra,
            )
        )
    updated = parse_date(_text(channel.find("lastBuildDate"))) or parse_date(_text(channel.find("pubDate")))
    return Feed(
        kind,
        _text(channel.find(f"{ns}title")),
        resolve_link(own_link, base),
        updated,
        tuple(entries),
    )


# --- text and dates ---------------------------------------------------------------------------------


def fix_text(text: str) -> str:
    """Repair mojibake (``Ã©`` -> ``é``) without touching markup or entities."""
    if not text or text.isascii():
        return text
    return ftfy.fix_encoding(text)


def html_to_text(markup: str, *, limit: int | None = None) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (nothing is executed or fetched)."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        text = markup
    else:
        tree = HTMLParser(markup)
        for node in tree.css("script, style"):
            node.decompose()
        text = tree.text(separator=" ") if tree.root is not None else ""
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] if limit is not None else text


_TZ_ABBREV = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "CET": 1,
    "MEZ": 1,
    "CEST": 2,
    "MESZ": 2,
    "EST": -5,
    "EDT": -4,
    "PST": -8,
    "PDT": -7,
}


def tz_from_abbrev(abbrev: str | None) -> timezone | None:
    """A fixed offset for the few zone abbreviations status pages print, or None."""
    if not abbrev:
        return None
    hours = _TZ_ABBREV.get(abbrev.upper())
    return timezone(timedelta(hours=hours)) if hours is not None else None


def parse_date(text: str | None) -> datetime | None:
    """RFC 822 or ISO 8601 (and a few near misses) to an aware UTC datetime; None if unreadable."""
    if not text:
        return None
    text = text.strip()
    value: datetime | None = None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        candidate = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"\1:\2", text)
        candidate = re.sub(r"\s*(UTC|GMT)$", "+00:00", candidate)
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_epoch(value: Any) -> datetime | None:
    """Seconds since the epoch (int, float or numeric string) to UTC; None if absent or absurd."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 10_000_000_000:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
