"""Lever job boards (generic: for boards configured later) through the public postings API.

``GET https://api.lever.co/v0/postings/{site}?mode=json`` (EU tenants: ``api.eu.lever.co``) answers a
JSON array of postings; ``createdAt`` is in milliseconds. No auth.
"""

from __future__ import annotations

from datetime import timedelta

from veille.analysis.hiring import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "lever.postings"


def board(competitor: str, site: str, *, eu: bool = False, verified: bool = True) -> SourceSpec:
    """The source of one Lever site (``site`` as in ``jobs.lever.co/<site>``); ``eu`` for EU tenants."""
    host = "api.eu.lever.co" if eu else "api.lever.co"
    return SourceSpec(
        id=f"{competitor}.jobs.lever",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=f"https://{host}/v0/postings/{site}",
        params={"mode": "json"},
        cadence=timedelta(days=1),
        description=f"Lever postings of {site!r}: open roles with team and department, daily snapshot.",
        verified=verified,
    )


@parser(PARSER, reads="Lever postings API: GET /v0/postings/{site}?mode=json")
def parse_postings(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every posting of the site, with its canonical function."""
    postings = expect(PARSER, load_json(PARSER, body), list, "document")
    out: list[Observation] = []
    for i, raw in enumerate(postings):
        where = f"[{i}]"
        post = expect(PARSER, raw, dict, where)
        title = field(PARSER, post, "text", str, where).strip()
        categories = post.get("categories") or {}
        expect(PARSER, categories, dict, f"{where}.categories")
        names = [categories.get("department"), categories.get("team")]
        department = (
            " / ".join(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip())) or None
        )
        location = categories.get("location")
        url = post.get("hostedUrl")
        out.append(
            JobPosting(
                id=field(PARSER, post, "id", str, where),
                title=title,
                department=department,
                function=classify(title, department),
                location=location if isinstance(location, str) else None,
                url=url if isinstance(url, str) else None,
                published_at=parse_time(PARSER, post.get("createdAt"), f"{where}.createdAt"),
                competitor=ctx.competitor,
            )
        )
    return out
