"""Signal payloads in their real formats: Statuspage incidents, RSS, Algolia HN search, a Trustpilot
page's ``__NEXT_DATA__`` and a Greenhouse board."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from veille.demo.payloads import Response, iso_z, json_response

# --- signals --------------------------------------------------------------------------------------


def statuspage(page: str, name: str, incidents: list[dict[str, Any]], updated: datetime) -> Response:
    return json_response(
        {
            "page": {
                "id": page,
                "name": name,
                "url": f"https://status.{name.lower()}.com",
                "time_zone": "Etc/UTC",
                "updated_at": iso_z(updated),
            },
            "incidents": incidents,
        }
    )


def incident(
    iid: str,
    page: str,
    title: str,
    impact: str,
    started: datetime,
    component: str,
    resolved: datetime | None,
    body: str,
) -> dict[str, Any]:
    status = "resolved" if resolved else "investigating"
    updates = [
        {
            "id": f"{iid}-1",
            "status": "investigating",
            "body": body,
            "incident_id": iid,
            "created_at": iso_z(started),
            "updated_at": iso_z(started),
            "display_at": iso_z(started),
            "affected_components": [
                {
                    "code": f"{iid}-c",
                    "name": component,
                    "old_status": "operational",
                    "new_status": "major_outage" if impact == "major" else "degraded_performance",
                }
            ],
        }
    ]
    if resolved:
        updates.insert(
            0,
            {
                "id": f"{iid}-2",
                "status": "resolved",
                "body": "This incident has been resolved.",
                "incident_id": iid,
                "created_at": iso_z(resolved),
                "updated_at": iso_z(resolved),
                "display_at": iso_z(resolved),
                "affected_components": [],
            },
        )
    return {
        "id": iid,
        "name": title,
        "status": status,
        "created_at": iso_z(started),
        "updated_at": iso_z(resolved or started),
        "monitoring_at": None,
        "resolved_at": iso_z(resolved) if resolved else None,
        "impact": impact,
        "shortlink": f"https://stspg.io/{iid[:8]}",
        "started_at": iso_z(started),
        "page_id": page,
        "incident_updates": updates,
        "components": [
            {
                "id": f"{iid}-c",
                "name": component,
                "status": "operational" if resolved else "major_outage",
                "created_at": "2016-01-01T00:00:00.000Z",
                "updated_at": iso_z(started),
                "position": 1,
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": page,
                "group": False,
                "only_show_if_degraded": False,
            }
        ],
    }


def rss(
    title: str, link: str, items: list[tuple[str, str, str, datetime, str]], lang: str = "en"
) -> Response:
    """items: (guid, title, link, published, description)."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid isPermaLink='false'>{escape(g)}</guid>"
        f"<pubDate>{format_datetime(p)}</pubDate><description>{escape(d)}</description></item>"
        for g, t, u, p, d in items
    )
    xml = (
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        f"<link>{escape(link)}</link><description>{escape(title)}</description><language>{lang}</language>{entries}</channel></rss>"
    )
    return Response(xml.encode(), "application/rss+xml")


def hn(hits: list[tuple[str, str, str, int, int, datetime]]) -> Response:
    """hits: (objectID, title, author, points, comments, created)."""
    out = [
        {
            "_tags": ["story", f"author_{a}", f"story_{oid}"],
            "author": a,
            "children": [],
            "created_at": p.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_at_i": int(p.timestamp()),
            "num_comments": c,
            "objectID": oid,
            "points": pts,
            "story_id": int(oid),
            "title": t,
            "updated_at": p.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": f"https://example.org/hn/{oid}",
        }
        for oid, t, a, pts, c, p in hits
    ]
    return json_response(
        {
            "exhaustive": {"nbHits": True, "typo": True},
            "exhaustiveNbHits": True,
            "exhaustiveTypo": True,
            "hits": out,
            "hitsPerPage": 100,
            "nbHits": len(out),
            "nbPages": 1,
            "page": 0,
            "params": "query=OVH&tags=(story,comment)&hitsPerPage=100",
            "processingTimeMS": 3,
            "query": "OVH",
        }
    )


def trustpilot(score: float, count: int, reviews: list[tuple[str, int, str, str, str, datetime]]) -> Response:
    """reviews: (id, rating, title, text, language, published)."""
    data = {
        "props": {
            "pageProps": {
                "businessUnit": {
                    "id": "4bdc4f3a00006400050a6a2b",
                    "displayName": "OVHcloud",
                    "identifyingName": "ovhcloud.com",
                    "numberOfReviews": count,
                    "trustScore": score,
                    "stars": round(score),
                    "websiteUrl": "https://www.ovhcloud.com",
                    "isClaimed": True,
                    "categories": [],
                },
                "reviews": [
                    {
                        "id": rid,
                        "filtered": False,
                        "pending": False,
                        "text": text,
                        "rating": rating,
                        "title": title,
                        "likes": 0,
                        "dates": {
                            "experiencedDate": iso_z(p),
                            "publishedDate": iso_z(p),
                            "updatedDate": None,
                            "submittedDate": None,
                        },
                        "consumer": {"id": f"c{rid}", "displayName": f"user{rid[-3:]}", "countryCode": "FR"},
                        "reply": None,
                        "language": lang,
                        "location": None,
                    }
                    for rid, rating, title, text, lang, p in reviews
                ],
            }
        }
    }
    html = (
        "<!DOCTYPE html><html lang='en'><head><title>OVHcloud Reviews | Read Customer Service Reviews of ovhcloud.com</title></head>"
        f'<body><main>Reviews</main><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></body></html>'
    )
    return Response(html.encode(), "text/html; charset=utf-8")


def greenhouse(jobs: list[tuple[int, str, str, str, datetime]]) -> Response:
    """jobs: (id, title, department, location, first published)."""
    out: list[dict[str, Any]] = [
        {
            "absolute_url": f"https://job-boards.greenhouse.io/digitalocean98/jobs/{jid}",
            "internal_job_id": jid - 1000,
            "location": {"name": loc},
            "metadata": None,
            "id": jid,
            "updated_at": p.isoformat(),
            "requisition_id": f"R{jid}",
            "title": title,
            "company_name": "DigitalOcean",
            "first_published": p.isoformat(),
            "language": "en",
            "content": f"&lt;p&gt;{escape(title)}&lt;/p&gt;",
            "departments": [{"id": 1, "name": dept, "child_ids": [], "parent_id": None}],
            "offices": [{"id": 2, "name": loc, "location": loc, "child_ids": [], "parent_id": None}],
        }
        for jid, title, dept, loc, p in jobs
    ]
    return json_response({"jobs": out, "meta": {"total": len(out)}})
