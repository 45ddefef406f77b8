"""Workable job boards (generic: for boards configured later) through the public widget API.

``GET https://apply.workable.com/api/v1/widget/accounts/{slug}?details=true`` (where
``www.workable.com/api/accounts/{slug}`` redirects) answers ``{name, description, jobs[]}``. No auth.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from veille.analysis.hiring import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "workable.jobs"


def board(competitor: str, slug: str, *, verified: bool = True) -> SourceSpec:
    """The source of one Workable account (``slug`` as in ``apply.workable.com/<slug>``)."""
    return SourceSpec(
        id=f"{competitor}.jobs.workable",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=f"https://apply.workable.com/api/v1/widget/accounts/{slug}",
        params={"details": "true"},
        cadence=timedelta(days=1),
        description=f"Workable account {slug!r}: open jobs with department, daily snapshot.",
        verified=verified,
    )


def _location(job: dict[str, Any]) -> str | None:
    places = job.get("locations")
    first = places[0] if isinstance(places, list) and places and isinstance(places[0], dict) else job
    parts = [first.get("city"), first.get("region") or first.get("state"), first.get("country")]
    text = ", ".join(p for p in parts if isinstance(p, str) and p)
    return text or None


@parser(PARSER, reads="Workable widget API: GET /api/v1/widget/accounts/{slug}?details=true")
def parse_jobs(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every job of the account, with its canonical function."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    jobs = field(PARSER, doc, "jobs", list, "document")
    out: list[Observation] = []
    for i, raw in enumerate(jobs):
        where = f"jobs[{i}]"
        job = expect(PARSER, raw, dict, where)
        title = field(PARSER, job, "title", str, where).strip()
        department = job.get("department") if isinstance(job.get("department"), str) else None
        department = department.strip() or None if department else None
        url = job.get("url") or job.get("shortlink")
        out.append(
            JobPosting(
                id=field(PARSER, job, "shortcode", str, where),
                title=title,
                department=department,
                function=classify(title, department),
                location=_location(job),
                url=url if isinstance(url, str) else None,
                published_at=parse_time(
                    PARSER, job.get("published_on") or job.get("created_at"), f"{where}.published_on"
                ),
                competitor=ctx.competitor,
            )
        )
    return out
