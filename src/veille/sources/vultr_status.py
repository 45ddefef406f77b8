"""Vultr's own status page: ``https://status.vultr.com/status.json`` (parser ``vultr.status``).

Undocumented JSON (the shape comes from third-party exporters): ``service_alerts[]``
plus ``regions{<code>: {location, country, country_name, alerts[]}}``; an alert is ``{id, subject,
status: ongoing|resolved|completed|closed, start_date, updated_at, entries[{updated_at, message}]}``.
Vultr gives no impact level (``unknown``); maintenance is told by its subject or a "Start Time:" entry.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from veille.errors import ParseError
from veille.observations import Incident, Observation
from veille.sources._feedparse import guarded, html_to_text, load_json, parse_date
from veille.sources._registry import ParseContext, parser
from veille.sources.statuspage import update_dict

PID = "vultr.status"
_MAINTENANCE = re.compile(r"\bmaintenance\b|start time\s*:", re.IGNORECASE)


def _checked(alert: Any) -> dict[str, Any]:
    if (
        not isinstance(alert, dict)
        or alert.get("id") in (None, "")
        or not isinstance(alert.get("subject"), str)
    ):
        raise ParseError(PID, "an alert without id and subject")
    return alert


def _status(alert: dict[str, Any], maintenance: bool) -> str:
    raw = str(alert.get("status") or "").lower()
    if raw not in ("ongoing", "resolved", "completed", "closed"):
        raise ParseError(PID, f"alert {alert['id']}: unknown status {raw!r}")
    if raw != "ongoing":
        return "completed" if maintenance else "resolved"
    return "in_progress" if maintenance else "ongoing"


def _times(
    alert: dict[str, Any], entries: list[dict[str, Any]], done: bool
) -> tuple[datetime | None, datetime | None]:
    """(updated, resolved): the alert's own time or its latest entry's; resolved only once it is over."""
    stamps = [t for t in (parse_date(str(e.get("updated_at") or "")) for e in entries) if t]
    updated = parse_date(str(alert.get("updated_at") or "")) or (max(stamps) if stamps else None)
    resolved: datetime | None = (max(stamps) if stamps else updated) if done else None
    return updated, resolved


def _alert(alert: Any, region: str | None, ctx: ParseContext) -> Incident:
    alert = _checked(alert)
    entries = [e for e in alert.get("entries") or [] if isinstance(e, dict)]
    texts = [html_to_text(str(e.get("message") or "")) for e in entries]
    maintenance = bool(_MAINTENANCE.search(alert["subject"])) or any(_MAINTENANCE.search(t) for t in texts)
    status = _status(alert, maintenance)
    updated, resolved = _times(alert, entries, status in ("resolved", "completed"))
    updates = [
        update_dict(None, "ongoing", parse_date(str(e.get("updated_at") or "")), t)
        for e, t in zip(entries, texts, strict=True)
    ]
    return Incident(
        competitor=ctx.competitor,
        id=str(alert["id"]),
        title=alert["subject"].strip(),
        impact="none" if maintenance else "unknown",
        status=status,
        started_at=parse_date(str(alert.get("start_date") or "")),
        resolved_at=resolved,
        components=(region,) if region else (),
        url="https://status.vultr.com/",
        region=region or alert.get("region"),
        updated_at=updated,
        updates=tuple(updates),
        kind="maintenance" if maintenance else "incident",
    )


@parser(PID, reads="Vultr https://status.vultr.com/status.json (service_alerts[] and regions{}.alerts[])")
@guarded(PID)
def parse_vultr_status(body: bytes, ctx: ParseContext) -> list[Observation]:
    data = load_json(body, PID)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("service_alerts"), list)
        or not isinstance(data.get("regions"), dict)
    ):
        raise ParseError(PID, "no 'service_alerts' list and 'regions' object: not Vultr's status.json")
    found: dict[str, Incident] = {}
    for code, region in data["regions"].items():
        if not isinstance(region, dict):
            raise ParseError(PID, f"region {code!r} is not an object")
        for alert in region.get("alerts") or []:
            incident = _alert(alert, str(code), ctx)
            found.setdefault(incident.id, incident)
    for alert in data["service_alerts"]:
        incident = _alert(alert, None, ctx)
        found.setdefault(incident.id, incident)
    return list(found.values())
