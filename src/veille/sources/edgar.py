"""SEC EDGAR filings of the listed competitors (DigitalOcean, CoreWeave).

``GET https://data.sec.gov/submissions/CIK##########.json`` (ten digits, zero padded) answers the
company's recent filings as parallel arrays under ``filings.recent`` (``accessionNumber``, ``form``,
``filingDate``, ``acceptanceDateTime``, ``items``, ``primaryDocument``, ``primaryDocDescription``...).
EDGAR needs a descriptive User-Agent with contact details (veille sends one on every request) and
fewer than ten requests a second; one request per company a few times a day is plenty.

``acceptanceDateTime`` ("2022-08-03T19:01:08.000Z") is EDGAR's clock in US Eastern time despite its
``Z``: it is read as America/New_York wall time (daylight saving included) and converted to UTC. Its
Eastern date is ``filingDate``, except for filings accepted at or after 17:30, which EDGAR dates on
the next business day. A filing without it is placed at the start of its ``filingDate`` in New York.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.errors import ParseError
from veille.observations import Filing, Observation
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources._signals import expect, field, load_json, parse_time

PARSER = "edgar.submissions"
API = "https://data.sec.gov/submissions/CIK{cik}.json"
ARCHIVE = "https://www.sec.gov/Archives/edgar/data/{cik}/{accession}/{document}"
FORMS = ("8-K", "8-K/A", "10-Q", "10-Q/A", "10-K", "10-K/A", "S-1", "S-1/A")
MAX_FILINGS = 400  # the newest ones; "recent" holds up to 1,000
EDGAR_ZONE = ZoneInfo("America/New_York")  # the zone of acceptanceDateTime and filingDate
# EDGAR's own shapes, "2022-08-03T19:01:08.000Z" and "2022-08-04": Eastern wall clock
_WALL_CLOCK = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)?")

# CIKs: DigitalOcean Holdings (NYSE: DOCN) and CoreWeave, Inc. (Nasdaq: CRWV, listed March 2025).
COMPANIES: dict[str, str] = {"digitalocean": "0001582961", "coreweave": "0001769628"}

FORM_TITLES = {
    "8-K": "current report",
    "10-Q": "quarterly report",
    "10-K": "annual report",
    "S-1": "registration statement (IPO or offering)",
}
# The 8-K items worth naming in a title (9.01, exhibits, says nothing by itself).
ITEM_NAMES = {
    "1.01": "material definitive agreement",
    "1.02": "termination of a material agreement",
    "2.01": "completed acquisition or disposition",
    "2.02": "results of operations",
    "2.03": "direct financial obligation",
    "2.05": "exit or restructuring costs",
    "3.02": "unregistered sale of equity",
    "5.02": "directors or officers change",
    "5.07": "shareholder vote",
    "7.01": "Regulation FD disclosure",
    "8.01": "other events",
}


def filing_title(form: str, description: str, items: tuple[str, ...]) -> str:
    """``"8-K current report: direct financial obligation; material definitive agreement"``."""
    base = form.split("/")[0]
    if not description or description.upper() in (form.upper(), base.upper(), f"FORM {base}".upper()):
        description = FORM_TITLES.get(base, "filing")
    named = [
        ITEM_NAMES[i]
        for i in sorted(items, key=lambda i: (i not in ("2.03", "3.02", "2.01"), i))
        if i in ITEM_NAMES
    ]
    return f"{form} {description}" + (f": {'; '.join(named)}" if named else "")


def company(competitor: str, cik: str) -> SourceSpec:
    """The EDGAR submissions source of one listed competitor."""
    return SourceSpec(
        id=f"{competitor}.filings.edgar",
        competitor=competitor,
        kind="funding",
        parser=PARSER,
        url=API.format(cik=cik.zfill(10)),
        cadence=timedelta(hours=6),
        description=f"SEC EDGAR filings of CIK {cik} (8-K, 10-Q, 10-K, S-1).",
    )


def eastern_to_utc(value: Any, where: str) -> datetime | None:
    """An EDGAR time or date (Eastern wall clock, even with a ``Z``) as an aware UTC datetime; a time
    with a numeric offset ("-04:00") or an epoch is taken at its word."""
    parsed = parse_time(PARSER, value, where)
    if parsed is None or not isinstance(value, str) or not _WALL_CLOCK.fullmatch(value.strip()):
        return parsed
    return parsed.replace(tzinfo=None).replace(tzinfo=EDGAR_ZONE).astimezone(UTC)


def _column(recent: dict[str, Any], name: str, size: int) -> list[Any]:
    values = recent.get(name)
    if values is None:
        return [None] * size
    values = expect(PARSER, values, list, f"filings.recent.{name}")
    if len(values) != size:
        raise ParseError(
            PARSER, f"filings.recent.{name} has {len(values)} values, accessionNumber has {size}"
        )
    return values


@parser(PARSER, reads="SEC EDGAR submissions JSON: GET https://data.sec.gov/submissions/CIK##########.json")
def parse_submissions(body: bytes, ctx: ParseContext) -> list[Observation]:
    """The newest 8-K, 10-Q, 10-K and S-1 filings (and amendments) of the company."""
    doc = expect(PARSER, load_json(PARSER, body), dict, "document")
    cik = str(int(field(PARSER, doc, "cik", (str, int), "document")))
    filings = field(PARSER, doc, "filings", dict, "document")
    recent = field(PARSER, filings, "recent", dict, "filings")
    accessions = field(PARSER, recent, "accessionNumber", list, "filings.recent")
    size = len(accessions)
    forms = _column(recent, "form", size)
    dates = _column(recent, "filingDate", size)
    accepted = _column(recent, "acceptanceDateTime", size)
    items = _column(recent, "items", size)
    documents = _column(recent, "primaryDocument", size)
    descriptions = _column(recent, "primaryDocDescription", size)
    out: list[Observation] = []
    for i in range(size):
        form = forms[i]
        if not isinstance(form, str) or form not in FORMS:
            continue
        accession = expect(PARSER, accessions[i], str, f"accessionNumber[{i}]")
        filed = eastern_to_utc(accepted[i] or dates[i], f"filings.recent[{i}].acceptanceDateTime")
        item_list = tuple(x.strip() for x in (items[i] or "").split(",") if x.strip())
        description = descriptions[i] if isinstance(descriptions[i], str) and descriptions[i] else ""
        title = filing_title(form, description, item_list)
        document = documents[i] if isinstance(documents[i], str) and documents[i] else ""
        out.append(
            Filing(
                competitor=ctx.competitor,
                id=accession,
                form=form,
                title=title,
                url=ARCHIVE.format(cik=cik, accession=accession.replace("-", ""), document=document).rstrip(
                    "/"
                ),
                filed_at=filed,
                items=item_list,
            )
        )
        if len(out) >= MAX_FILINGS:
            break
    return out
