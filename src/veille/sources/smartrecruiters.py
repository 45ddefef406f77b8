"""SmartRecruiters company boards (generic: for boards configured later) through the public Posting API.

``GET https://api.smartrecruiters.com/v1/companies/{company}/postings?limit=100&offset=N`` answers
``{offset, limit, totalFound, content[]}``; the paginator walks ``offset`` until ``totalFound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from veille.kb.ids import CompetitorRecord
from veille.normalise.jobs import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, Request, SourceSpec, paginator, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "smartrecruiters.postings"
PAGE = 100


@paginator("smartrecruiters.next_page")
def next_page(request: Request, headers: Mapping[str, str], body: bytes) -> Request | None:
    """The next ``offset`` while fewer than ``totalFound`` postings have been read."""
    try:
        doc = orjson.loads(body)
        total, offset, count = int(doc["totalFound"]), int(doc.get("offset", 0)), len(doc["content"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # the parser reports the bad page
    if count == 0 or offset + count >= total:
        return None
    params = dict(request.params)
    params["offset"] = str(offset + count)
    return Request(request.url, request.method, params, dict(request.headers))


def board(competitor: str, company: str, *, verified: bool = True) -> SourceSpec:
    """The source of one SmartRecruiters company (its ``companyIdentifier``)."""
    return SourceSpec(
        id=f"{competitor}.jobs.smartrecruiters",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=f"https://api.smartrecruiters.com/v1/companies/{company}/postings",
        params={"limit": str(PAGE), "offset": "0"},
        cadence=timedelta(days=1),
        description=f"SmartRecruiters postings of {company!r}: open roles with department, daily snapshot.",
        paginate=next_page,
        max_pages=50,
        verified=verified,
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The Smartrecruiters board of a competitor's record (identifier ``smartrecruiters``: its slug)."""
    slug = record.identifier("smartrecruiters")
    return [board(record.id, slug)] if slug else []


def _label(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("label"), str) and value["label"].strip():
        return str(value["label"]).strip()
    return None


@parser(PARSER, reads="SmartRecruiters Posting API: GET /v1/companies/{company}/postings (one page)")
def parse_postings(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every posting of one page, with its canonical function."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    field(PARSER, doc, "totalFound", int, "document")
    content = field(PARSER, doc, "content", list, "document")
    out: list[Observation] = []
    for i, raw in enumerate(content):
        where = f"content[{i}]"
        post = expect(PARSER, raw, dict, where)
        title = field(PARSER, post, "name", str, where).strip()
        names = [_label(post.get("department")), _label(post.get("function"))]
        department = " / ".join(dict.fromkeys(n for n in names if n)) or None
        place = post.get("location") if isinstance(post.get("location"), dict) else {}
        parts = [place.get("city"), place.get("region"), place.get("country")]
        location = ", ".join(p for p in parts if isinstance(p, str) and p) or None
        company = post.get("company") if isinstance(post.get("company"), dict) else {}
        ident = company.get("identifier")
        post_id = str(field(PARSER, post, "id", (str, int), where))
        out.append(
            JobPosting(
                id=post_id,
                title=title,
                department=department,
                function=classify(title, department),
                location=location,
                url=f"https://jobs.smartrecruiters.com/{ident}/{post_id}" if isinstance(ident, str) else None,
                published_at=parse_time(PARSER, post.get("releasedDate"), f"{where}.releasedDate"),
                competitor=ctx.competitor,
            )
        )
    return out
