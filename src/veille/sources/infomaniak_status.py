"""Infomaniak's events API: ``GET https://api.infomaniak.com/2/events`` (parser ``infomaniak.events``).

Needs a Bearer token with scope ``event`` (any Infomaniak account can create one; setting
``VEILLE_INFOMANIAK_TOKEN``); the source stays disabled without it. Response: ``{result, data[],
total, pages, page}``; an event is ``{id, url, type (impacting, maintenance_*, enhancement...),
status (inprogress, planned, terminated...), description{title, description, translations[]},
comments[], services[{id, name}], started_at, ended_at}`` with epoch-second times.
The English translation is preferred for titles. The API gives no severity: impact ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from veille.errors import ParseError
from veille.observations import Incident, Observation
from veille.sources._feedparse import guarded, load_json, parse_epoch
from veille.sources._registry import ParseContext, Request, paginator, parser
from veille.sources.statuspage import update_dict

PID = "infomaniak.events"
EVENTS_URL = "https://api.infomaniak.com/2/events"


def _english(description: dict[str, Any]) -> tuple[str, str]:
    for tr in description.get("translations") or []:
        if isinstance(tr, dict) and tr.get("language") == "en" and tr.get("title"):
            return str(tr["title"]), str(tr.get("body") or "")
    return str(description.get("title") or ""), str(description.get("description") or "")


def _status(event: dict[str, Any], maintenance: bool, now: datetime) -> str:
    """The canonical status: ended (or terminated), planned, or still running."""
    raw = str(event.get("status") or "").lower()
    ended = parse_epoch(event.get("ended_at"))
    if raw == "terminated" or (ended is not None and ended <= now):
        return "completed" if maintenance else "resolved"
    if raw in ("planned", "scheduled", "upcoming"):
        return "scheduled"
    return "in_progress" if maintenance else "ongoing"


def _comment(comment: dict[str, Any]) -> dict[str, Any]:
    """A comment as an update, in English where it has a translation."""
    english = (
        t.get("body")
        for t in comment.get("translation") or []
        if isinstance(t, dict) and t.get("language") == "en"
    )
    text = next(english, None)
    return update_dict(
        None, "ongoing", parse_epoch(comment.get("started_at")), str(text or comment.get("body") or "")
    )


def _updates(event: dict[str, Any], status: str, body: str) -> list[dict[str, Any]]:
    """The comments, newest first, then the description as the first update."""
    updates = [update_dict(None, status, parse_epoch(event.get("started_at")), body)] if body else []
    for comment in event.get("comments") or []:
        if isinstance(comment, dict):
            updates.insert(0, _comment(comment))
    return updates


def _link(event: dict[str, Any]) -> str | None:
    url = str(event.get("url") or "")
    return url if url.startswith("http") else (f"https://infomaniakstatus.com/{url}" if url else None)


def _event(event: Any, ctx: ParseContext) -> Incident:
    if (
        not isinstance(event, dict)
        or event.get("id") is None
        or not isinstance(event.get("description"), dict)
    ):
        raise ParseError(PID, "an event without id and description")
    title, body = _english(event["description"])
    if not title:
        raise ParseError(PID, f"event {event['id']} has no title")
    kind_word = str(event.get("type") or "").lower()
    maintenance = kind_word.startswith("maintenance") or kind_word in ("enhancement", "planned")
    status = _status(event, maintenance, ctx.fetched_at)
    ended = parse_epoch(event.get("ended_at"))
    services = tuple(
        str(s["name"]) for s in event.get("services") or [] if isinstance(s, dict) and s.get("name")
    )
    return Incident(
        competitor=ctx.competitor,
        id=str(event["id"]),
        title=title.strip(),
        impact="none" if maintenance else "unknown",
        status=status,
        started_at=parse_epoch(event.get("started_at")),
        resolved_at=ended if status in ("resolved", "completed") else None,
        components=services,
        url=_link(event),
        product=services[0] if services else None,
        updates=tuple(_updates(event, status, body)),
        kind="maintenance" if maintenance else "incident",
    )


@parser(PID, reads="Infomaniak GET /2/events (token with scope event), one page")
@guarded(PID)
def parse_events(body: bytes, ctx: ParseContext) -> list[Observation]:
    data = load_json(body, PID)
    if (
        not isinstance(data, dict)
        or data.get("result") != "success"
        or not isinstance(data.get("data"), list)
    ):
        raise ParseError(PID, "no result=success with a data list: not an Infomaniak API answer")
    return [_event(e, ctx) for e in data["data"]]


@paginator("infomaniak.next_page")
def next_page(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """Follow ``page`` up to ``pages``."""
    try:
        data = orjson.loads(body)
        page, pages = int(data.get("page") or 1), int(data.get("pages") or 1)
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return None
    if page >= pages:
        return None
    return Request(request.url, request.method, {**request.params, "page": str(page + 1)}, request.headers)
