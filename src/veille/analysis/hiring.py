"""Hiring analysis: canonical job functions and open-role counts over time.

``classify`` maps a posting's title and department (English, French, German) to one of
``FUNCTIONS``. Counts over time come from the ``jobs`` table: a posting is open at ``t`` when it was
first seen at or before ``t`` and not closed by then, so no separate snapshot table is needed.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from veille.store.models import JobRow

# The job functions, with their words in French and English (events, reports and dashboard).
FUNCTION_WORDS: dict[str, tuple[str, str]] = {
    "engineering": ("ingénierie", "engineering"),
    "gpu_ai": ("GPU/IA", "GPU/AI"),
    "sales": ("ventes", "sales"),
    "support": ("support", "support"),
    "datacenter_ops": ("exploitation des data centers", "data-centre operations"),
    "marketing": ("marketing", "marketing"),
    "other": ("autres", "other"),
}
FUNCTIONS = tuple(FUNCTION_WORDS)
LONG_OPEN = timedelta(days=60)  # a role still open after this long is hard to fill

# Ordered: the first function whose pattern matches wins, so "Sales Engineer" is sales and
# "ML Engineer" is GPU/AI. Patterns are matched on lower-cased text with word boundaries.
_RULES: tuple[tuple[str, str], ...] = (
    (
        "gpu_ai",
        r"\bgpus?\b|\bcuda\b|\bai\b|\bml\b|\bmlops\b|\bllms?\b|machine learning|deep learning|artificial intelligence"
        r"|intelligence artificielle|apprentissage automatique|\bia\b|\bki\b|künstliche intelligenz"
        r"|maschinelles lernen|inference|inférence|\bhpc\b|research scientist",
    ),
    (
        "datacenter_ops",
        r"data ?cent(?:er|re)|\bdc\b|centre de données|centres de données|datacentre|rechenzentrum"
        r"|critical facilit|facilities|hardware technician|field technician|technicien (?:de )?maintenance"
        r"|site operations|site reliability technician|electrical|électricien|elektriker|mechanical|hvac"
        r"|cabling|câblage|\bracks?\b",
    ),
    (
        "support",
        r"support|customer success|customer care|customer service|service client|relation client"
        r"|helpdesk|help desk|kundenservice|kundenbetreuung|kundensupport|technical account manager|\btam\b",
    ),
    (
        "sales",
        r"\bsales\b|account executive|account manager|business development|\bbdr\b|\bsdr\b|partnerships?"
        r"|channel manager|commercial|ventes?|vertrieb|verkauf|key account|solutions? architect|presales|pre-sales"
        r"|deal desk",
    ),
    (
        "marketing",
        r"marketing|brand|communications?|content|seo\b|growth|public relations|\bpr\b|\bevents?\b|community manager"
        r"|developer relations|devrel|evangelist|kommunikation|marque",
    ),
    (
        "engineering",
        r"engineer|engineering|developer|software|devops|\bsre\b|site reliability|platform|backend|back-end"
        r"|frontend|front-end|full[- ]?stack|architect|security|sécurité|sicherheit|network|réseau|netzwerk"
        r"|infrastructure|cloud|kubernetes|linux|storage|database|ingénieur|développeu|developpeu|entwickler"
        r"|informatiker|systemadministrator|administrateur système|sysadmin|product manager|chef de produit"
        r"|qa\b|quality assurance|test|programmer|data scientist|data engineer|technical writer",
    ),
)
_COMPILED = tuple((name, re.compile(pattern)) for name, pattern in _RULES)
_SPECIFIC = ("gpu_ai", "datacenter_ops", "support", "sales", "marketing")


def _match(text: str) -> str:
    lowered = text.lower()
    for name, pattern in _COMPILED:
        if pattern.search(lowered):
            return name
    return "other"


def classify(title: str, department: str | None = None) -> str:
    """The canonical function of a posting from its title, refined by its department.

    The title decides; when it only says "engineering" (or nothing), a more specific department
    (an "AI Infrastructure" or "Data Center Operations" team) takes over.
    """
    by_title = _match(title or "")
    if department:
        by_department = _match(department)
        if by_title in ("engineering", "other") and by_department in _SPECIFIC:
            return by_department
        if by_title == "other":
            return by_department
    return by_title


def open_counts(session: Session, competitor: str, at: datetime) -> Counter[str]:
    """Open postings of ``competitor`` at time ``at``, by function."""
    rows = session.execute(
        select(JobRow.function, func.count())
        .where(
            JobRow.competitor == competitor,
            JobRow.first_seen_at <= at,
            or_(JobRow.closed_at.is_(None), JobRow.closed_at > at),
        )
        .group_by(JobRow.function)
    ).all()
    return Counter({function: int(count) for function, count in rows})


def first_snapshot(session: Session, competitor: str) -> datetime | None:
    """When the competitor's boards were first seen."""
    return session.scalar(select(func.min(JobRow.first_seen_at)).where(JobRow.competitor == competitor))


def baseline_time(session: Session, competitor: str, now: datetime, window: timedelta) -> datetime | None:
    """The comparison point of a trend: ``now - window``, or the first snapshot if history is shorter."""
    first = first_snapshot(session, competitor)
    if first is None:
        return None
    return max(first, now - window)


def counts_over_time(
    session: Session, competitor: str, start: datetime, end: datetime, step: timedelta = timedelta(days=7)
) -> list[tuple[datetime, dict[str, int]]]:
    """Open roles by function at ``start``, ``start + step``, ... up to ``end`` (for charts)."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    points: list[tuple[datetime, dict[str, int]]] = []
    at = start
    while at <= end:
        counts = open_counts(session, competitor, at)
        points.append((at, {f: counts.get(f, 0) for f in FUNCTIONS}))
        at += step
    return points


def hiring_summary(session: Session, now: datetime, competitor: str | None = None) -> list[dict[str, object]]:
    """Per competitor: open roles by function now and at the 90-day baseline, roles opened and closed
    in 30 days, and roles open for more than 60 days."""
    query = select(JobRow.competitor).distinct().where(JobRow.competitor.is_not(None))
    if competitor:
        query = query.where(JobRow.competitor == competitor)
    out: list[dict[str, object]] = []
    for comp in sorted(c for c in session.scalars(query) if c):
        since = now - timedelta(days=30)
        opened = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp, JobRow.first_seen_at > since, JobRow.first_seen_at <= now
            )
        )
        closed = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp, JobRow.closed_at > since, JobRow.closed_at <= now
            )
        )
        long_open = session.scalar(
            select(func.count()).where(
                JobRow.competitor == comp,
                JobRow.first_seen_at <= now - LONG_OPEN,
                or_(JobRow.closed_at.is_(None), JobRow.closed_at > now),
            )
        )
        current = open_counts(session, comp, now)
        ago90 = baseline_time(session, comp, now, timedelta(days=90))
        out.append(
            {
                "competitor": comp,
                "open": sum(current.values()),
                "by_function": {f: current.get(f, 0) for f in FUNCTIONS},
                "by_function_90d_ago": (
                    {f: n for f, n in open_counts(session, comp, ago90).items()} if ago90 is not None else {}
                ),
                "baseline_at": ago90.isoformat() if ago90 is not None else None,
                "opened_30d": int(opened or 0),
                "closed_30d": int(closed or 0),
                "open_over_60d": int(long_open or 0),  # hard-to-fill roles
            }
        )
    return out
