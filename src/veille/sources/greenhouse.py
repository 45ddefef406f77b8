"""Greenhouse job boards (DigitalOcean, Vultr, CoreWeave) through the public Job Board API.

``GET https://boards-api.greenhouse.io/v1/boards/{board}/jobs?content=true``: the whole board in one
document; ``content=true`` is what brings ``departments``. No auth. One request a day is plenty.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from veille.analysis.hiring import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "greenhouse.jobs"
API = "https://boards-api.greenhouse.io/v1/boards/{board}/jobs"


def board(competitor: str, token: str, *, verified: bool = True) -> SourceSpec:
    """The source of one Greenhouse board (``token`` as in ``boards.greenhouse.io/<token>``)."""
    return SourceSpec(
        id=f"{competitor}.jobs.greenhouse",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=API.format(board=token),
        params={"content": "true"},
        cadence=timedelta(days=1),
        description=f"Greenhouse job board {token!r}: open postings with departments, daily snapshot.",
        verified=verified,
    )


def _job(raw: Any, where: str, ctx: ParseContext) -> JobPosting:
    job = expect(PARSER, raw, dict, where)
    job_id = field(PARSER, job, "id", (int, str), where)
    title = field(PARSER, job, "title", str, where).strip()
    departments = job.get("departments") or []
    expect(PARSER, departments, list, f"{where}.departments")
    names = [str(d["name"]) for d in departments if isinstance(d, dict) and isinstance(d.get("name"), str)]
    department = " / ".join(names) or None
    location = job.get("location")
    location_name = location.get("name") if isinstance(location, dict) else None
    published = job.get("first_published") or job.get("updated_at")
    return JobPosting(
        id=str(job_id),
        title=title,
        department=department,
        function=classify(title, department),
        location=location_name if isinstance(location_name, str) else None,
        url=job.get("absolute_url") if isinstance(job.get("absolute_url"), str) else None,
        published_at=parse_time(PARSER, published, f"{where}.first_published"),
        competitor=ctx.competitor,
    )


@parser(PARSER, reads="Greenhouse Job Board API: GET /v1/boards/{board}/jobs?content=true")
def parse_jobs(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every posting of the board, with its canonical function."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    jobs = field(PARSER, doc, "jobs", list, "document")
    return [_job(raw, f"jobs[{i}]", ctx) for i, raw in enumerate(jobs)]
