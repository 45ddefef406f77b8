"""Scaleway's changelog, read from its public docs repository (parser ``scaleway.changelog``).

The page https://www.scaleway.com/en/docs/changelog/ is built from ``scaleway/docs-content``:
``changelog/<monthYYYY>/<YYYY-MM-DD>-<product>-<status>-<slug>.mdx``, each file a YAML front matter
(``title``, ``status`` added / changed / deprecated / fixed..., ``date``, ``category``, ``product``)
and a Markdown body (docs/sources.md).

The source walks the GitHub contents API (no auth, ``Accept: application/vnd.github+json``):
``/repos/scaleway/docs-content/contents/changelog`` lists the month folders, then the two newest
months are listed; every file of a listing is one item, read from its name (date, product, status,
slug). After each month listing, its newest entries are read from ``raw.githubusercontent.com``: the
same parser reads an MDX entry (front matter + body) into the same item with its exact title,
category and text, which replaces the one read from the file name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson
import yaml

from veille.errors import ParseError
from veille.normalise.tagging import tag_item
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import fix_text, guarded, html_to_text, load_json
from veille.sources._registry import ParseContext, Request, paginator, parser

PID = "scaleway.changelog"
REPO = "scaleway/docs-content"
LISTING_URL = f"https://api.github.com/repos/{REPO}/contents/changelog"
BLOB_URL = f"https://github.com/{REPO}/blob/main/"
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
STATUSES = ("added", "changed", "deprecated", "deprecate", "fixed", "removed", "security")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_FILE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<rest>.+?)\.mdx?$")
_STATUS_IN_NAME = re.compile(rf"^(?P<product>.+?)-(?P<status>{'|'.join(STATUSES)})-(?P<slug>.+)$")
_MONTH_DIR = re.compile(rf"^(?P<month>{'|'.join(MONTHS)})(?P<year>\d{{4}})$")
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n(?P<yaml>.*?)\n---\s*(\n|\Z)(?P<body>.*)\Z", re.S)
MAX_MDX_BYTES = 1024 * 1024
ENTRIES_PER_MONTH = 12  # MDX files read per month listing (the others keep the title their file name gives)


def _day(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _item_from_name(path: str, ctx: ParseContext) -> FeedItem | None:
    name = path.rsplit("/", 1)[-1]
    match = _FILE.match(name)
    if not match:
        return None
    rest = match.group("rest")
    parts = _STATUS_IN_NAME.match(rest)
    product, status, slug = (
        (parts.group("product"), parts.group("status"), parts.group("slug")) if parts else (rest, "", rest)
    )
    title = re.sub(r"[-_]+", " ", slug).strip().capitalize()
    categories = (product, status) if status else (product,)
    return FeedItem(
        id=path,
        title=f"{product.replace('-', ' ').title()}: {title}",
        url=BLOB_URL + path,
        published_at=_day(match.group("date")),
        tags=tag_item(title, "", categories),
        summary=f"{status} ({product})" if status else product,
        competitor=ctx.competitor,
    )


def _listing(data: list[Any], ctx: ParseContext) -> list[Observation]:
    out: list[Observation] = []
    for entry in data:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or entry.get("type") not in ("file", "dir")
        ):
            raise ParseError(PID, "a listing entry without name and type: not a GitHub contents listing")
        if entry["type"] == "file":
            item = _item_from_name(str(entry.get("path") or entry["name"]), ctx)
            if item is not None:
                out.append(item)
    return out


def _mdx(body: bytes, ctx: ParseContext) -> list[Observation]:
    if len(body) > MAX_MDX_BYTES:
        raise ParseError(PID, f"an MDX entry of {len(body)} bytes exceeds the cap")
    try:
        text = fix_text(body.decode("utf-8"))
    except UnicodeDecodeError:
        text = fix_text(body.decode("cp1252", errors="replace"))
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ParseError(PID, "no YAML front matter: not a changelog entry")
    try:
        meta = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise ParseError(PID, f"unreadable front matter ({exc.__class__.__name__})") from None
    if not isinstance(meta, dict) or not meta.get("title") or not meta.get("date"):
        raise ParseError(PID, "front matter without title and date")
    path_match = re.search(r"(changelog/[^?#]+\.mdx?)$", ctx.url or "")
    product, status, category = (str(meta.get(k) or "") for k in ("product", "status", "category"))
    published = _day(meta["date"])
    if published is None:
        raise ParseError(PID, f"unreadable date {meta['date']!r}")
    item_id = (
        path_match.group(1)
        if path_match
        else f"changelog/{published.date()}-{product}-{status}-{meta['title']}"
    )
    body_text = html_to_text(re.sub(r"\|", " ", match.group("body")), limit=1000)
    title = str(meta["title"]).strip()
    return [
        FeedItem(
            id=item_id,
            title=f"{product.replace('-', ' ').title()}: {title}" if product else title,
            url=BLOB_URL + path_match.group(1)
            if path_match
            else "https://www.scaleway.com/en/docs/changelog/",
            published_at=published,
            tags=tag_item(title, body_text, (product, category, status)),
            summary=body_text,
            competitor=ctx.competitor,
        )
    ]


@parser(
    PID,
    reads="scaleway/docs-content changelog: GitHub contents listing of changelog/<month>/, or one MDX entry",
)
@guarded(PID)
def parse_changelog(body: bytes, ctx: ParseContext) -> list[Observation]:
    head = body.lstrip()[:1]
    if head in (b"[", b"{"):
        data = load_json(body, PID)
        if not isinstance(data, list):
            message = data.get("message") if isinstance(data, dict) else None
            raise ParseError(
                PID, f"expected a contents listing (JSON array){f': {message}' if message else ''}"
            )
        return _listing(data, ctx)
    return _mdx(body, ctx)


def _month_key(name: str) -> tuple[int, int] | None:
    match = _MONTH_DIR.match(name)
    return (int(match.group("year")), MONTHS.index(match.group("month")) + 1) if match else None


def _entries(body: bytes, limit: int) -> tuple[Request, ...]:
    """Requests for the newest ``limit`` MDX files of a month listing (their front matter has the real title)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ()
    if not isinstance(data, list):
        return ()
    files = sorted(
        (
            (str(e["name"]), str(e["download_url"]))
            for e in data
            if isinstance(e, dict)
            and e.get("type") == "file"
            and _FILE.match(str(e.get("name")))
            and str(e.get("download_url") or "").startswith(f"https://raw.githubusercontent.com/{REPO}/")
        ),
        reverse=True,
    )
    return tuple(Request(url) for _, url in files[:limit])


@paginator("scaleway_changelog.next_listing")
def next_listing(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Root listing -> newest month folder (asked with ``ref=main``) -> the month before -> stop.

    Each month listing also queues its newest entries' MDX files (``Request.then``), read after it.
    """
    if request.url.rstrip("/") == LISTING_URL:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, list):
            return None
        months = [
            (k, str(e["name"]))
            for e in data
            if isinstance(e, dict) and e.get("type") == "dir"
            for k in [_month_key(str(e.get("name")))]
            if k
        ]
        if not months:
            return None
        return Request(f"{LISTING_URL}/{max(months)[1]}", params={"ref": "main"}, headers=GITHUB_HEADERS)
    if not request.url.startswith(LISTING_URL):
        return None  # an MDX entry: the queue goes on
    key = _month_key(request.url.rstrip("/").rsplit("/", 1)[-1])
    if key is None:
        return None
    entries = _entries(body, ENTRIES_PER_MONTH)
    if request.params.get("ref") != "main":  # the month before: its entries, then stop
        return Request(entries[0].url, then=entries[1:]) if entries else None
    year, month = (key[0] - 1, 12) if key[1] == 1 else (key[0], key[1] - 1)
    previous = Request(f"{LISTING_URL}/{MONTHS[month - 1]}{year}", headers=GITHUB_HEADERS)
    return Request(entries[0].url, then=(*entries[1:], previous)) if entries else previous
