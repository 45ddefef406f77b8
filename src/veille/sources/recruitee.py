"""Recruitee career sites (generic: for boards configured later) through the public offers API.

``GET https://{company}.recruitee.com/api/offers/`` answers ``{"offers": [...]}``; times look like
``2021-03-02 10:00:00 UTC``. No auth.
"""

from __future__ import annotations

from datetime import timedelta

from veille.analysis.hiring import classify
from veille.observations import JobPosting, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "recruitee.offers"


def board(competitor: str, company: str, *, verified: bool = False) -> SourceSpec:
    """The source of one Recruitee site (``company`` as in ``<company>.recruitee.com``).

    Unverified by default: its field list comes from third-party docs, not a live answer (check it).
    """
    return SourceSpec(
        id=f"{competitor}.jobs.recruitee",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=f"https://{company}.recruitee.com/api/offers/",
        cadence=timedelta(days=1),
        description=f"Recruitee offers of {company!r}: open roles with department, daily snapshot.",
        verified=verified,
    )


@parser(PARSER, reads="Recruitee offers API: GET https://{company}.recruitee.com/api/offers/")
def parse_offers(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every offer of the site, with its canonical function."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    offers = field(PARSER, doc, "offers", list, "document")
    out: list[Observation] = []
    for i, raw in enumerate(offers):
        where = f"offers[{i}]"
        offer = expect(PARSER, raw, dict, where)
        title = field(PARSER, offer, "title", str, where).strip()
        department = offer.get("department") if isinstance(offer.get("department"), str) else None
        location = offer.get("location")
        if not (isinstance(location, str) and location):
            parts = [offer.get("city"), offer.get("country")]
            location = ", ".join(p for p in parts if isinstance(p, str) and p) or None
        url = offer.get("careers_url")
        out.append(
            JobPosting(
                id=str(field(PARSER, offer, "id", (int, str), where)),
                title=title,
                department=department or None,
                function=classify(title, department),
                location=location,
                url=url if isinstance(url, str) else None,
                published_at=parse_time(
                    PARSER, offer.get("published_at") or offer.get("created_at"), f"{where}.published_at"
                ),
                competitor=ctx.competitor,
            )
        )
    return out
