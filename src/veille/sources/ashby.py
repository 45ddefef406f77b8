"""Ashby job boards (Lambda, RunPod) through the public posting API.

``GET https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true``: the whole board,
no paging, no auth. Unlisted postings (``isListed: false``) are skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from veille.analysis.hiring import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "ashby.jobs"
API = "https://api.ashbyhq.com/posting-api/job-board/{board}"


def board(competitor: str, name: str, *, verified: bool = True) -> SourceSpec:
    """The source of one Ashby board (``name`` as in ``jobs.ashbyhq.com/<name>``)."""
    return SourceSpec(
        id=f"{competitor}.jobs.ashby",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=API.format(board=name),
        params={"includeCompensation": "true"},
        cadence=timedelta(days=1),
        description=f"Ashby job board {name!r}: open postings with department and team, daily snapshot.",
        verified=verified,
    )


def _location(job: dict[str, Any]) -> str | None:
    location = job.get("location")
    if isinstance(location, str) and location.strip():
        return location.strip()
    address = job.get("address")
    if isinstance(address, dict):
        postal = address.get("postalAddress")
        if isinstance(postal, dict):
            parts = [postal.get(k) for k in ("addressLocality", "addressRegion", "addressCountry")]
            text = ", ".join(p for p in parts if isinstance(p, str) and p)
            return text or None
    return None


@parser(PARSER, reads="Ashby posting API: GET /posting-api/job-board/{board}")
def parse_jobs(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every listed posting of the board, with its canonical function."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    jobs = field(PARSER, doc, "jobs", list, "document")
    out: list[Observation] = []
    for i, raw in enumerate(jobs):
        where = f"jobs[{i}]"
        job = expect(PARSER, raw, dict, where)
        if job.get("isListed") is False:
            continue
        title = field(PARSER, job, "title", str, where).strip()
        parts = [job.get("department"), job.get("team")]
        names = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
        department = " / ".join(dict.fromkeys(names)) or None
        url = job.get("jobUrl") or job.get("applyUrl")
        out.append(
            JobPosting(
                id=str(field(PARSER, job, "id", str, where)),
                title=title,
                department=department,
                function=classify(title, department),
                location=_location(job),
                url=url if isinstance(url, str) else None,
                published_at=parse_time(PARSER, job.get("publishedAt"), f"{where}.publishedAt"),
                competitor=ctx.competitor,
            )
        )
    return out
