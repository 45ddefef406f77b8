"""Better Stack status pages (RunPod): ``https://uptime.runpod.io/index.json`` (parser ``betterstack.index``).

A JSON:API document: ``data`` is the ``status_page`` (``attributes.aggregate_state``); ``included[]``
holds ``status_page_resource`` (``public_name``, ``status``), ``status_report`` (``title``,
``report_type`` manual / automatic / maintenance, ``starts_at``, ``ends_at``, ``aggregate_state``,
``affected_resources[]``) and ``status_update`` (``message``, ``published_at``, ``affected_resources``).
Impact is the worst state a report ever showed: downtime -> major, degraded -> minor.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from veille.errors import ParseError
from veille.normalise.incidents import IMPACT_RANK
from veille.observations import Incident, Observation
from veille.sources._feedparse import guarded, html_to_text, load_json, parse_date
from veille.sources._registry import ParseContext, parser
from veille.sources.statuspage import origin, update_dict

PID = "betterstack.index"
IMPACT_BY_STATE = {
    "downtime": "major",
    "degraded": "minor",
    "maintenance": "none",
    "operational": "none",
    "resolved": "none",
}


def _attrs(obj: dict[str, Any]) -> dict[str, Any]:
    attrs = obj.get("attributes")
    if not isinstance(attrs, dict):
        raise ParseError(PID, f"{obj.get('type')} {obj.get('id')} has no attributes")
    return attrs


def _report_id_of(update: dict[str, Any]) -> str | None:
    attrs = update.get("attributes") or {}
    if attrs.get("status_report_id") is not None:
        return str(attrs["status_report_id"])
    rel = ((update.get("relationships") or {}).get("status_report") or {}).get("data")
    return str(rel["id"]) if isinstance(rel, dict) and rel.get("id") is not None else None


@parser(PID, reads="Better Stack status page /index.json (JSON:API: status_report, status_update, resources)")
@guarded(PID)
def parse_betterstack(body: bytes, ctx: ParseContext) -> list[Observation]:
    doc = load_json(body, PID)
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("data"), dict)
        or doc["data"].get("type") != "status_page"
    ):
        raise ParseError(PID, "no data of type status_page: not a Better Stack index.json")
    included = doc.get("included") or []
    if not isinstance(included, list):
        raise ParseError(PID, "'included' is not a list")
    resources: dict[str, str] = {}
    reports: list[dict[str, Any]] = []
    updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    orphan_updates: dict[str, dict[str, Any]] = {}
    for obj in included:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind == "status_page_resource":
            resources[str(obj.get("id"))] = str(_attrs(obj).get("public_name") or obj.get("id"))
        elif kind == "status_report":
            reports.append(obj)
        elif kind == "status_update":
            report_id = _report_id_of(obj)
            if report_id is not None:
                updates[report_id].append(obj)
            else:
                orphan_updates[str(obj.get("id"))] = obj
    for report in reports:  # updates linked from the report side
        rel = ((report.get("relationships") or {}).get("status_updates") or {}).get("data") or []
        for ref in rel:
            if isinstance(ref, dict) and str(ref.get("id")) in orphan_updates:
                updates[str(report.get("id"))].append(orphan_updates.pop(str(ref.get("id"))))
    return [_report(r, updates[str(r.get("id"))], resources, ctx) for r in reports]


def _report(
    report: dict[str, Any], upd: list[dict[str, Any]], resources: dict[str, str], ctx: ParseContext
) -> Incident:
    attrs = _attrs(report)
    if report.get("id") is None or not isinstance(attrs.get("title"), str):
        raise ParseError(PID, "a status_report without id and title")
    maintenance = attrs.get("report_type") == "maintenance"
    starts, ends = parse_date(attrs.get("starts_at")), parse_date(attrs.get("ends_at"))
    states = [str(attrs.get("aggregate_state") or "").lower()]
    affected = list(attrs.get("affected_resources") or [])
    for u in upd:
        affected += (u.get("attributes") or {}).get("affected_resources") or []
    states += [str(a.get("status") or "").lower() for a in affected if isinstance(a, dict)]
    impacts = [IMPACT_BY_STATE[s] for s in states if s in IMPACT_BY_STATE]
    impact = "none" if maintenance else max(impacts, key=lambda i: IMPACT_RANK[i], default="unknown")
    if ends is not None and ends <= ctx.fetched_at:
        status = "completed" if maintenance else "resolved"
    elif maintenance:
        status = "scheduled" if starts is not None and starts > ctx.fetched_at else "in_progress"
    else:
        status = "resolved" if states[0] in ("operational", "resolved") and upd else "ongoing"
    entries = sorted(
        ((parse_date((u.get("attributes") or {}).get("published_at")), u) for u in upd),
        key=lambda pair: pair[0].isoformat() if pair[0] else "",
        reverse=True,
    )
    names = [
        resources.get(str(a.get("status_page_resource_id")), "") for a in affected if isinstance(a, dict)
    ]
    resolved_at = ends if status in ("resolved", "completed") else None
    if status == "resolved" and resolved_at is None and entries:
        resolved_at = entries[0][0]
    base = origin(ctx.url)
    return Incident(
        competitor=ctx.competitor,
        id=str(report["id"]),
        title=attrs["title"].strip(),
        impact=impact,
        status=status,
        started_at=starts,
        resolved_at=resolved_at,
        components=tuple(dict.fromkeys(n for n in names if n)),
        url=f"{base}/{'maintenance' if maintenance else 'incident'}/{report['id']}" if base else None,
        updated_at=entries[0][0] if entries else None,
        updates=tuple(
            update_dict(
                str(u.get("id")),
                "ongoing",
                at,
                html_to_text(str((u.get("attributes") or {}).get("message") or "")),
            )
            for at, u in entries
        ),
        kind="maintenance" if maintenance else "incident",
    )
