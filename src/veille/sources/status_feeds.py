"""Status pages published as Atom or RSS feeds (parser ``status.feed``).

Three body layouts are read, entry by entry:

- Statuspage's ``/history.atom`` and ``/history.rss`` (OVHcloud pages): the HTML body carries every
  update as ``<small>date</small><br><strong>Status</strong> - text``; the incident id is the code of
  its ``/incidents/<code>`` link, so these match ``statuspage.*`` observations of the same page.
- Hetzner's legacy German feed (XHTML summary with Typ / Kategorie / Start / Ende, and
  ``(n. Update)`` entries that belong to the incident they follow).
- Any other status feed (Hetzner's current ``en.atom``, Contabo's RSS, CoreWeave's status.io RSS):
  no machine-readable state, so the lifecycle is read from keywords in the title and body (English,
  German, French: resolved, completed, abgeschlossen, beendet, behoben, résolu...).

Impact is ``unknown`` for incidents where the feed does not say (``none`` for maintenance).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from veille.normalise.incidents import is_scheduled_title, normalise_status, title_scope
from veille.normalise.text import fold
from veille.observations import Incident, Observation
from veille.sources._feedparse import FeedEntry, guarded, html_to_text, parse_feed, tz_from_abbrev
from veille.sources._registry import ParseContext, parser
from veille.sources.statuspage import history_span, update_dict

PID = "status.feed"
_UPDATE = re.compile(
    r"<small>(?P<at>.*?)</small>\s*(?:<br\s*/?>)?\s*<strong>(?P<status>.*?)</strong>\s*-\s*(?P<body>.*?)</p>",
    re.S,
)
_SCHEDULED_EVENT = re.compile(r"THIS IS A SCHEDULED EVENT\s*(?P<span>.*?)</strong>", re.S)
_INCIDENT_CODE = re.compile(r"/incidents/([A-Za-z0-9]+)/?$")
_MAINTENANCE_WORDS = re.compile(
    r"\b(maintenance|wartung\w*|scheduled|planned|geplant\w*|planifiee?|travaux)\b"
)
_RESOLVED_WORDS = re.compile(
    r"\b(resolved|completed|fixed|closed|restored|abgeschlossen|beendet|behoben|wieder online|wieder erreichbar"
    r"|erledigt|resolu|termine|retabli)\b"
)


def _tag_free(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", markup))).strip()


# --- Statuspage history feeds ----------------------------------------------------------------------


def _statuspage_entry(entry: FeedEntry, body: str, ctx: ParseContext) -> Incident:
    ref = entry.updated or entry.published or ctx.fetched_at
    updates = []
    for match in _UPDATE.finditer(body):
        try:
            at, _ = history_span(match.group("at"), ref.year, ref.month, "UTC")
        except ValueError:
            at = None
        status = normalise_status(_tag_free(match.group("status")))
        updates.append(update_dict(None, status, at, html_to_text(match.group("body"))))
    header = _SCHEDULED_EVENT.search(body)
    window: tuple[datetime, datetime | None] | None = None
    if header:
        pub = entry.published or ref
        try:
            window = history_span(header.group("span"), pub.year, pub.month, "UTC")
        except ValueError:
            window = None
    statuses = [u["status"] for u in updates]
    maintenance = bool(
        header
        or is_scheduled_title(entry.title)
        or set(statuses) & {"scheduled", "in_progress", "verifying", "completed"}
        or "maintenanceEndDate" in entry.extra
    )
    status = next((s for s in statuses if s != "ongoing"), statuses[0] if statuses else "ongoing")
    times = {s: datetime.fromisoformat(u["at"]) for u in reversed(updates) if u["at"] for s in [u["status"]]}
    stamps = [datetime.fromisoformat(u["at"]) for u in updates if u["at"]]
    if maintenance:
        started = times.get("in_progress") or (window[0] if window and status == "scheduled" else None)
        started = started or (stamps[0] if stamps else entry.published)
        resolved = times.get("completed") if status == "completed" else None
    else:
        started = min(stamps) if stamps else entry.published
        resolved_at = [
            datetime.fromisoformat(u["at"]) for u in updates if u["at"] and u["status"] == "resolved"
        ]
        resolved = max(resolved_at) if resolved_at and status in ("resolved", "postmortem") else None
    code = _INCIDENT_CODE.search(entry.link or "")
    region, product = title_scope(entry.title)
    return Incident(
        competitor=ctx.competitor,
        id=code.group(1) if code else (entry.id or entry.link or entry.title),
        title=entry.title,
        impact="none" if maintenance else "unknown",
        status=status,
        started_at=started,
        resolved_at=resolved,
        url=entry.link,
        region=region,
        product=product,
        updated_at=entry.updated,
        updates=tuple(updates),
        kind="maintenance" if maintenance else "incident",
    )


# --- Hetzner's legacy German feed ------------------------------------------------------------------

_GERMAN_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marz": 3, "maerz": 3, "mar": 3, "april": 4, "apr": 4,
    "mai": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7, "jul": 7, "july": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12, "january": 1, "february": 2, "march": 3,
}  # fmt: skip
_DE_DATE = re.compile(
    r"(\d{1,2})\.?\s+([A-Za-zäÄ]+)\.?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([A-Z]{2,4})?"
)
_FIELD = re.compile(r"<strong>\s*(?P<name>[^<]+?)\s*</strong>\s*(?P<value><p>.*?</p>|<ul>.*?</ul>)", re.S)
_UPDATE_SUFFIX = re.compile(r"\s*\((\d+)\.\s*Update\)\s*$", re.IGNORECASE)
_LEGACY_ID = re.compile(r"#(\d+)(?:-(\d+))?$")


def german_datetime(text: str) -> datetime | None:
    """``6. Juni 2015 09:22:00 CEST`` (or English month names) to UTC; None if unreadable."""
    match = _DE_DATE.search(text)
    if not match:
        return None
    month = _GERMAN_MONTHS.get(fold(match.group(2)))
    if month is None:
        return None
    zone = tz_from_abbrev(match.group(7)) or timezone(timedelta(hours=1))
    try:
        value = datetime(
            int(match.group(3)),
            month,
            int(match.group(1)),
            int(match.group(4)),
            int(match.group(5)),
            int(match.group(6) or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
    return value.astimezone(UTC)


def _legacy_fields(markup: str) -> dict[str, str]:
    return {fold(m.group("name")): m.group("value") for m in _FIELD.finditer(markup)}


def _legacy_feed(entries: list[FeedEntry], ctx: ParseContext) -> list[Observation]:
    parents: dict[str, dict[str, Any]] = {}
    orphans: list[tuple[str, FeedEntry]] = []
    order: list[str] = []
    for entry in entries:
        match = _LEGACY_ID.search(entry.id or "")
        key = match.group(1) if match else (entry.id or entry.title)
        if match and match.group(2):
            orphans.append((key, entry))
            continue
        parents[key] = {"entry": entry, "updates": []}
        order.append(key)
    for key, entry in orphans:
        fields = _legacy_fields(entry.summary or entry.content)
        text = html.unescape(re.sub(r"<br\s*/?>", "\n", fields.get("update", "")))
        text = _tag_free(text)
        at = german_datetime(text) or entry.updated
        body = _DE_DATE.sub("", text, count=1).strip()
        record = {"id": (entry.id or "").rsplit("#", 1)[-1], "at": at, "body": body}
        if key not in parents:
            parents[key] = {"entry": entry, "updates": []}
            order.append(key)
        parents[key]["updates"].append(record)
    return [_legacy_incident(key, parents[key]["entry"], parents[key]["updates"], ctx) for key in order]


def _legacy_incident(
    key: str, entry: FeedEntry, updates: list[dict[str, Any]], ctx: ParseContext
) -> Incident:
    fields = _legacy_fields(entry.summary or entry.content)
    kind_word = fold(_tag_free(fields.get("typ", fields.get("type", ""))))
    title = _UPDATE_SUFFIX.sub("", entry.title).strip()
    maintenance = (
        "wartung" in kind_word or "maintenance" in kind_word or bool(_MAINTENANCE_WORDS.search(fold(title)))
    )
    start = german_datetime(_tag_free(fields.get("start", "")))
    end_text = _tag_free(fields.get("ende", fields.get("end", "")))
    end = german_datetime(end_text)
    expected = "voraussichtlich" in fold(end_text) or "expected" in fold(end_text)
    updates.sort(key=lambda u: u["at"] or datetime.min.replace(tzinfo=UTC))
    resolved: datetime | None = None
    for update in updates:
        if _RESOLVED_WORDS.search(fold(update["body"])):
            resolved = update["at"]
    if resolved is None and end is not None and not expected and end <= ctx.fetched_at:
        resolved = end
    if resolved is not None:
        status = "completed" if maintenance else "resolved"
    elif maintenance and start is not None and start > ctx.fetched_at:
        status = "scheduled"
    else:
        status = "in_progress" if maintenance else "ongoing"
    components = tuple(
        _tag_free(li) for li in re.findall(r"<li>(.*?)</li>", fields.get("kategorie", ""), re.S)
    )
    closed = "completed" if maintenance else "resolved"
    update_dicts = [
        update_dict(
            u["id"], closed if _RESOLVED_WORDS.search(fold(u["body"])) else "ongoing", u["at"], u["body"]
        )
        for u in reversed(updates)
    ]
    return Incident(
        competitor=ctx.competitor,
        id=key,
        title=title,
        impact="none" if maintenance else "unknown",
        status=status,
        started_at=start or entry.updated,
        resolved_at=resolved,
        components=components,
        url=entry.link,
        product=components[0] if components else None,
        updated_at=max((u["at"] for u in updates if u["at"]), default=entry.updated),
        updates=tuple(update_dicts),
        kind="maintenance" if maintenance else "incident",
    )


# --- any other status feed --------------------------------------------------------------------------


_LINK_ID = (
    re.compile(r"/pages/(?:incident|maintenance)/[0-9a-f]{24}/([0-9a-f]{24})"),  # status.io, as its API's _id
    re.compile(r"/incidents?/([A-Za-z0-9][A-Za-z0-9-]{2,})/?$"),  # Hetzner's uuid, Contabo's number
)


def _generic_id(entry: FeedEntry) -> str:
    """The platform's incident id from the entry's link where it shows one, else guid / id."""
    for pattern in _LINK_ID:
        match = pattern.search(entry.link or "")
        if match:
            return match.group(1)
    return entry.id or entry.link or entry.title


def _generic_entry(entry: FeedEntry, ctx: ParseContext) -> Incident:
    text = html_to_text(entry.content or entry.summary, limit=UPDATE_TEXT)
    head = fold(f"{entry.title} {text[:300]}")
    maintenance = bool(_MAINTENANCE_WORDS.search(fold(entry.title))) or "maintenanceEndDate" in entry.extra
    resolved_flag = bool(_RESOLVED_WORDS.search(head))
    status = (
        ("completed" if maintenance else "resolved")
        if resolved_flag
        else ("in_progress" if maintenance else "ongoing")
    )
    last = entry.updated or entry.published
    region, product = title_scope(entry.title)
    return Incident(
        competitor=ctx.competitor,
        id=_generic_id(entry),
        title=entry.title,
        impact="none" if maintenance else "unknown",
        status=status,
        started_at=entry.published or entry.updated,
        resolved_at=last if resolved_flag else None,
        url=entry.link,
        region=region,
        product=product,
        updated_at=last,
        updates=(update_dict(None, status, last, text),) if text else (),
        kind="maintenance" if maintenance else "incident",
    )


UPDATE_TEXT = 2000


@parser(
    PID,
    reads="status-page Atom/RSS feeds: Statuspage history.atom/.rss, Hetzner (de/en.atom), Contabo RSS, status.io RSS",
)
@guarded(PID)
def parse_status_feed(body: bytes, ctx: ParseContext) -> list[Observation]:
    feed = parse_feed(body, PID, ctx.url)
    entries = list(feed.entries)
    if any(_LEGACY_ID.search(e.id or "") and "<strong>" in (e.summary or e.content) for e in entries):
        return _legacy_feed(entries, ctx)
    out: list[Observation] = []
    seen: set[str] = set()
    for entry in entries:
        markup = entry.content or entry.summary
        incident = (
            _statuspage_entry(entry, markup, ctx) if _UPDATE.search(markup) else _generic_entry(entry, ctx)
        )
        if incident.id not in seen:
            seen.add(incident.id)
            out.append(incident)
    return out


STATUS_FEED_CADENCE = timedelta(minutes=2)
