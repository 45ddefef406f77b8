"""Personio job boards (Contabo) through the public XML feed.

``GET https://{company}.jobs.personio.de/xml?language=en`` answers ``<workzag-jobs><position>…``. An empty
board is ``<workzag-jobs></workzag-jobs>``: a valid, empty snapshot, not an outage. Parsed by the shared
``_feedparse.parse_xml`` (defusedxml, no DTD or entities, size cap, mis-declared encodings repaired).
"""

from __future__ import annotations

from datetime import timedelta

from veille.analysis.hiring import classify
from veille.errors import ParseError
from veille.observations import JobPosting, Observation
from veille.sources._feedparse import parse_xml
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import parse_time, xml_text

PARSER = "personio.xml"
FEED = "https://{company}.jobs.personio.de/xml"


def board(competitor: str, company: str, *, language: str = "en", verified: bool = True) -> SourceSpec:
    """The source of one Personio board (``company`` as in ``<company>.jobs.personio.de``)."""
    return SourceSpec(
        id=f"{competitor}.jobs.personio",
        competitor=competitor,
        kind="jobs",
        parser=PARSER,
        url=FEED.format(company=company),
        params={"language": language},
        cadence=timedelta(days=1),
        description=f"Personio XML feed of {company!r}: open positions with department, daily snapshot.",
        verified=verified,
    )


@parser(PARSER, reads="Personio XML feed: GET https://{company}.jobs.personio.de/xml")
def parse_positions(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every ``<position>`` of the feed, with its canonical function."""
    root = parse_xml(body, PARSER)
    if root.tag != "workzag-jobs":
        raise ParseError(PARSER, f"root element is <{root.tag}>, expected <workzag-jobs>")
    base = ctx.url.split("/xml", 1)[0] if "/xml" in ctx.url else ""
    out: list[Observation] = []
    for i, position in enumerate(root.findall("position")):
        job_id = xml_text(position, "id")
        title = xml_text(position, "name")
        if not job_id or not title:
            raise ParseError(PARSER, f"position[{i}]: missing <id> or <name>")
        department = xml_text(position, "department") or xml_text(position, "recruitingCategory") or None
        offices = [xml_text(position, "office")]
        extra = position.find("additionalOffices")
        if extra is not None:
            offices += [(o.text or "").strip() for o in extra.findall("office")]
        location = ", ".join(o for o in offices if o) or None
        out.append(
            JobPosting(
                id=job_id,
                title=title,
                department=department,
                function=classify(title, department),
                location=location,
                url=f"{base}/job/{job_id}" if base else None,
                published_at=parse_time(PARSER, xml_text(position, "createdAt"), f"position[{i}].createdAt"),
                competitor=ctx.competitor,
            )
        )
    return out
