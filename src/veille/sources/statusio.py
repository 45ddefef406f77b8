"""status.io public status API (CoreWeave): ``https://api.status.io/1.0/status/<page id>``.

``result.status_overall``, ``result.status[]`` (components with containers), ``result.incidents[]``
(active incidents: ``_id``, ``name``, ``datetime_open``, ``messages[]`` with ``details``,
``datetime``, ``state`` and ``status`` codes, ``components_affected``, ``containers_affected``) and
``result.maintenance{active[], upcoming[]}``. Status codes: 100 operational, 200 maintenance, 300
degraded, 400 partial disruption, 500 disruption, 600 security event. The API lists active events
only, so resolutions come from the page's RSS feed (``coreweave.status.feed``); an incident that
leaves this document is not marked resolved. The API path has not been checked live for CoreWeave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from veille.errors import ParseError
from veille.observations import Incident, Observation
from veille.sources._feedparse import guarded, html_to_text, load_json, parse_date
from veille.sources._registry import ParseContext, parser
from veille.sources.statuspage import update_dict

PID = "statusio.status"
PAGE_ID = "5e126e998f2f032e1f8f0f4b"
IMPACT_BY_CODE = {100: "none", 200: "none", 300: "minor", 400: "major", 500: "critical", 600: "critical"}
STATE_BY_CODE = {100: "investigating", 200: "identified", 300: "monitoring"}


def _code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _updates(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        update_dict(
            m.get("_id"),
            STATE_BY_CODE.get(_code(m.get("state")) or 0, "ongoing"),
            parse_date(m.get("datetime")),
            html_to_text(str(m.get("details") or "")),
        )
        for m in messages
    ]


def _reading(
    obj: dict[str, Any],
    messages: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    *,
    maintenance: bool,
    upcoming: bool,
) -> tuple[str, str, datetime | None]:
    """(impact, status, started): a maintenance by its plan, an incident by its messages' codes."""
    if maintenance:
        started = parse_date(obj.get("datetime_planned_start")) or parse_date(obj.get("datetime_open"))
        return "none", "scheduled" if upcoming else "in_progress", started
    codes = [c for c in (_code(m.get("status")) for m in messages) if c in IMPACT_BY_CODE]
    impact = IMPACT_BY_CODE[max(codes)] if codes else "unknown"
    status = updates[0]["status"] if updates else "investigating"
    started = parse_date(obj.get("datetime_open")) or (
        parse_date(messages[-1].get("datetime")) if messages else None
    )
    return impact, status, started


def _components(obj: dict[str, Any]) -> tuple[str, ...]:
    affected = (obj.get("components_affected") or []) + (obj.get("containers_affected") or [])
    names = [c.get("name") for c in affected if isinstance(c, dict)]
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str)))


def _event(obj: Any, ctx: ParseContext, *, maintenance: bool, upcoming: bool = False) -> Incident:
    if not isinstance(obj, dict) or not obj.get("_id") or not isinstance(obj.get("name"), str):
        raise ParseError(PID, "an event without _id and name")
    messages = [m for m in obj.get("messages") or [] if isinstance(m, dict)]
    messages.sort(key=lambda m: str(m.get("datetime") or ""), reverse=True)
    updates = _updates(messages)
    impact, status, started = _reading(obj, messages, updates, maintenance=maintenance, upcoming=upcoming)
    return Incident(
        competitor=ctx.competitor,
        id=str(obj["_id"]),
        title=obj["name"].strip(),
        impact=impact,
        status=status,
        started_at=started,
        resolved_at=None,
        components=_components(obj),
        url=f"https://status.coreweave.com/pages/{'maintenance' if maintenance else 'incident'}/{PAGE_ID}/{obj['_id']}",
        updated_at=parse_date(messages[0].get("datetime")) if messages else None,
        updates=tuple(updates),
        kind="maintenance" if maintenance else "incident",
    )


@parser(PID, reads="status.io public API /1.0/status/<page id> (active incidents and maintenances)")
@guarded(PID)
def parse_statusio(body: bytes, ctx: ParseContext) -> list[Observation]:
    data = load_json(body, PID)
    result = data.get("result") if isinstance(data, dict) else None
    if (
        not isinstance(result, dict)
        or not isinstance(result.get("status_overall"), dict)
        or not isinstance(result.get("incidents"), list)
    ):
        raise ParseError(
            PID, "no result.status_overall and result.incidents: not a status.io status document"
        )
    out: list[Observation] = [_event(i, ctx, maintenance=False) for i in result["incidents"]]
    maintenance = result.get("maintenance") or {}
    if not isinstance(maintenance, dict):
        raise ParseError(PID, "result.maintenance is not an object")
    out += [_event(m, ctx, maintenance=True) for m in maintenance.get("active") or []]
    out += [_event(m, ctx, maintenance=True, upcoming=True) for m in maintenance.get("upcoming") or []]
    return out
