"""Atlassian Statuspage: DigitalOcean, Scaleway, the six OVHcloud pages, Hostinger, Lambda, Paperspace.

Public, unauthenticated read API on each page's own host (docs/sources.md lists the pages):
``/api/v2/summary.json`` (unresolved incidents and current maintenances, polled every 2 minutes),
``/api/v2/incidents.json`` (the 50 most recent, resolved ones included: how resolutions are learnt,
every 10 minutes) and ``/history.json`` (the page's own three-month history, OVHcloud's shape).

The vocabulary every status parser shares (canonical statuses, impact ranks, the OVHcloud title
prefix) is in ``veille.normalise.incidents``.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veille.errors import ParseError
from veille.normalise.incidents import (
    IMPACT_RANK,
    is_scheduled_title,
    normalise_status,
    title_scope,
)
from veille.observations import Incident, Observation
from veille.sources._feedparse import guarded, html_to_text, iso, load_json, parse_date, tz_from_abbrev
from veille.sources._registry import ParseContext, SourceSpec, parser

UPDATE_BODY_LIMIT = 2000


def origin(url: str) -> str:
    """``https://host`` of a URL (incident links are built on the page's own host)."""
    parts = urlsplit(url)
    return f"{parts.scheme or 'https'}://{parts.netloc}" if parts.netloc else ""


def update_dict(update_id: str | None, status: str, at: datetime | None, body: str) -> dict[str, Any]:
    return {"id": update_id, "status": status, "at": iso(at), "body": body[:UPDATE_BODY_LIMIT]}


# --- the JSON API -----------------------------------------------------------------------------------


def _page_incident(obj: Any, ctx: ParseContext, parser_id: str, *, maintenance: bool) -> Incident:
    if (
        not isinstance(obj, dict)
        or not isinstance(obj.get("id"), str)
        or not isinstance(obj.get("name"), str)
    ):
        raise ParseError(parser_id, "an incident without a string id and name")
    name = obj["name"].strip()
    maintenance = (
        maintenance
        or "scheduled_for" in obj
        or obj.get("impact") == "maintenance"
        or is_scheduled_title(name)
    )
    impact = obj.get("impact") or "none"
    impact = "none" if impact == "maintenance" else impact
    if impact not in IMPACT_RANK:
        raise ParseError(parser_id, f"incident {obj['id']}: unknown impact {impact!r}")
    status = normalise_status(obj.get("status"))
    started = parse_date(obj.get("scheduled_for") if maintenance else None) or parse_date(
        obj.get("started_at")
    )
    started = started or parse_date(obj.get("created_at"))
    resolved = parse_date(obj.get("resolved_at"))
    if resolved is None and maintenance and status == "completed":
        resolved = parse_date(obj.get("scheduled_until")) or parse_date(obj.get("updated_at"))
    updates = []
    for u in obj.get("incident_updates") or []:
        if isinstance(u, dict):
            at = parse_date(u.get("display_at") or u.get("created_at"))
            updates.append(
                update_dict(
                    u.get("id"), normalise_status(u.get("status")), at, html_to_text(u.get("body") or "")
                )
            )
    components = tuple(
        c["name"] for c in obj.get("components") or [] if isinstance(c, dict) and c.get("name")
    )
    region, product = title_scope(name)
    if product is None and components and "||" in components[0]:
        product = components[0].split("||", 1)[1].strip()
    base = origin(ctx.url)
    return Incident(
        competitor=ctx.competitor,
        id=obj["id"],
        title=name,
        impact=impact,
        status=status,
        started_at=started,
        resolved_at=resolved,
        components=components,
        url=f"{base}/incidents/{obj['id']}" if base else obj.get("shortlink"),
        region=region,
        product=product,
        updated_at=parse_date(obj.get("updated_at")),
        updates=tuple(updates),
        kind="maintenance" if maintenance else "incident",
    )


def _incident_list(data: Any, key: str, parser_id: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise ParseError(parser_id, f"no {key!r} list: not a Statuspage document")
    return value


@parser(
    "statuspage.summary",
    reads="Atlassian Statuspage /api/v2/summary.json (unresolved incidents, active maintenances)",
)
@guarded("statuspage.summary")
def parse_summary(body: bytes, ctx: ParseContext) -> list[Observation]:
    data = load_json(body, "statuspage.summary")
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("page"), dict)
        or not isinstance(data.get("status"), dict)
    ):
        raise ParseError("statuspage.summary", "no 'page' and 'status' objects: not a Statuspage summary")
    out: list[Observation] = [
        _page_incident(i, ctx, "statuspage.summary", maintenance=False)
        for i in _incident_list(data, "incidents", "statuspage.summary")
    ]
    for m in data.get("scheduled_maintenances") or []:
        out.append(_page_incident(m, ctx, "statuspage.summary", maintenance=True))
    return out


@parser(
    "statuspage.incidents",
    reads="Atlassian Statuspage /api/v2/incidents.json (also unresolved.json, scheduled-maintenances*.json)",
)
@guarded("statuspage.incidents")
def parse_incidents(body: bytes, ctx: ParseContext) -> list[Observation]:
    data = load_json(body, "statuspage.incidents")
    if isinstance(data, dict) and "scheduled_maintenances" in data and "incidents" not in data:
        items = _incident_list(data, "scheduled_maintenances", "statuspage.incidents")
        return [_page_incident(m, ctx, "statuspage.incidents", maintenance=True) for m in items]
    items = _incident_list(data, "incidents", "statuspage.incidents")
    return [_page_incident(i, ctx, "statuspage.incidents", maintenance=False) for i in items]


# --- history.json (OVHcloud's git-scraped shape) ----------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_RANGE = re.compile(
    r"^(?P<m1>[A-Za-z]{3})\w*\s+(?P<d1>\d{1,2}),\s*(?P<t1>\d{1,2}:\d{2})(?:\s*(?P<tz1>[A-Z]{2,4})(?=\s*-))?"
    r"(?:\s*-\s*(?:(?P<m2>[A-Za-z]{3})\w*\s+(?P<d2>\d{1,2}),\s*)?(?P<t2>\d{1,2}:\d{2}))?\s*(?P<tz>[A-Za-z]+)?$"
)


def _zone(abbrev: str | None, page_zone: str | None) -> tzinfo:
    fixed = tz_from_abbrev(abbrev)
    if fixed is not None:
        return fixed
    if page_zone:
        try:
            return ZoneInfo(page_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def _near_year(month: int, ref_year: int, ref_month: int) -> int:
    """The year of a month printed without one, next to a reference month (wraps at year ends)."""
    if month - ref_month > 6:
        return ref_year - 1
    if ref_month - month > 6:
        return ref_year + 1
    return ref_year


def _at(mon: str, day: str, hhmm: str, year: int, zone: tzinfo) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(year, _MONTHS[mon.lower()], int(day), hour, minute, tzinfo=zone).astimezone(UTC)


def history_span(
    stamp_html: str, ref_year: int, ref_month: int, page_zone: str | None
) -> tuple[datetime, datetime | None]:
    """``Aug 11, 12:18 - Aug 12, 08:08 UTC`` (HTML) to (start, end); end is None for a single time."""
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", stamp_html))).strip()
    match = _RANGE.match(text)
    if not match or match.group("m1").lower() not in _MONTHS:
        raise ValueError(f"unreadable timestamp {text!r}")
    zone = _zone(match.group("tz") or match.group("tz1"), page_zone)
    m1 = _MONTHS[match.group("m1").lower()]
    y1 = _near_year(m1, ref_year, ref_month)
    start = _at(match.group("m1"), match.group("d1"), match.group("t1"), y1, zone)
    if not match.group("t2"):
        return start, None
    mon2, day2 = match.group("m2") or match.group("m1"), match.group("d2") or match.group("d1")
    if mon2.lower() not in _MONTHS:
        raise ValueError(f"unreadable timestamp {text!r}")
    end = _at(mon2, day2, match.group("t2"), _near_year(_MONTHS[mon2.lower()], y1, m1), zone)
    return start, end


@parser(
    "statuspage.history", reads="Atlassian Statuspage /history.json (months[].incidents[], OVHcloud pages)"
)
@guarded("statuspage.history")
def parse_history(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "statuspage.history"
    data = load_json(body, pid)
    if not isinstance(data, dict) or not isinstance(data.get("months"), list):
        raise ParseError(pid, "no 'months' list: not a Statuspage history.json")
    page = (data.get("page_status") or {}).get("page") or {}
    page_zone = page.get("time_zone") if isinstance(page, dict) else None
    domain = page.get("domain") if isinstance(page, dict) else None
    base = f"https://{domain}" if domain else origin(ctx.url)
    out: list[Observation] = []
    for month in data["months"]:
        try:
            ref_year, ref_month = int(month["year"]), _MONTHS[str(month["name"])[:3].lower()]
            incidents = month["incidents"]
        except (KeyError, TypeError, ValueError):
            raise ParseError(
                pid, f"a month entry without name, year and incidents: {str(month)[:80]}"
            ) from None
        for item in incidents:
            out.append(_history_incident(item, ref_year, ref_month, page_zone, base, ctx, pid))
    return out


def _history_incident(
    item: Any, ref_year: int, ref_month: int, page_zone: str | None, base: str, ctx: ParseContext, pid: str
) -> Incident:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("code"), str)
        or not isinstance(item.get("name"), str)
    ):
        raise ParseError(pid, "an incident without code and name")
    raw_impact = item.get("impact") or "none"
    maintenance = raw_impact == "maintenance" or is_scheduled_title(item["name"])
    impact = "none" if raw_impact == "maintenance" else raw_impact
    if impact not in IMPACT_RANK:
        raise ParseError(pid, f"incident {item['code']}: unknown impact {raw_impact!r}")
    try:
        start, end = history_span(item.get("timestamp") or "", ref_year, ref_month, page_zone)
    except ValueError as exc:
        raise ParseError(pid, f"incident {item['code']}: {exc}") from None
    message = html_to_text(item.get("message") or "")
    cancelled = maintenance and "cancel" in message.lower()
    if cancelled and end is None:
        end = start
    if end is not None:
        status = "completed" if maintenance else "resolved"
    elif maintenance:
        status = "in_progress" if "in progress" in message.lower() else "scheduled"
    else:
        status = "ongoing"
    region, product = title_scope(item["name"])
    return Incident(
        competitor=ctx.competitor,
        id=item["code"],
        title=item["name"].strip(),
        impact=impact,
        status=status,
        started_at=start,
        resolved_at=end,
        url=f"{base}/incidents/{item['code']}" if base else None,
        region=region,
        product=product,
        updates=(update_dict(None, status, end or start, message),) if message else (),
        kind="maintenance" if maintenance else "incident",
    )


# --- the pages --------------------------------------------------------------------------------------

SUMMARY_CADENCE = timedelta(minutes=2)
INCIDENTS_CADENCE = timedelta(minutes=10)


def page_sources(stem: str, competitor: str, root: str, *, verified: bool = True) -> list[SourceSpec]:
    """The two sources of one Statuspage page (``root`` like ``https://status.example.com``): its
    summary (what is open now) and its 50 latest incidents (resolutions)."""
    return [
        SourceSpec(
            id=f"{stem}.summary",
            competitor=competitor,
            kind="incidents",
            parser="statuspage.summary",
            url=f"{root}/api/v2/summary.json",
            cadence=SUMMARY_CADENCE,
            description="Statuspage summary: unresolved incidents and current maintenances",
            verified=verified,
        ),
        SourceSpec(
            id=f"{stem}.incidents",
            competitor=competitor,
            kind="incidents",
            parser="statuspage.incidents",
            url=f"{root}/api/v2/incidents.json",
            cadence=INCIDENTS_CADENCE,
            description="Statuspage's 50 latest incidents, resolved ones included (resolutions)",
            verified=verified,
        ),
    ]
