"""Reports: the analysis regenerated with live figures, the monthly digest, the quarterly review and
battlecards, in French or English, as Markdown, HTML or PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from veille.ai.grounding import Model
from veille.errors import ValidationError
from veille.kb.schema import Lang
from veille.reports import builders, editions
from veille.reports.document import Document
from veille.reports.render import FORMATS, MEDIA_TYPES, render

KINDS = ("analysis", "digest", "review", "battlecard")

__all__ = ["FORMATS", "KINDS", "MEDIA_TYPES", "Report", "build", "formats_of", "produce", "produce_edition"]


@dataclass(frozen=True)
class Report:
    """A rendered report: a file name, its media type and its bytes."""

    filename: str
    media_type: str
    content: bytes


def build(
    session: Session,
    kind: str,
    lang: Lang,
    now: datetime,
    competitor: str | None = None,
    *,
    model: Model | None = None,
) -> Document:
    """Build the document of report ``kind`` (``battlecard`` needs ``competitor``). With a ``model``, the
    digest and the review open with a summary checked against their events."""
    if kind == "analysis":
        return builders.analysis(session, lang, now)
    if kind == "digest":
        return builders.digest(session, lang, now, model=model)
    if kind == "review":
        return builders.review(session, lang, now, model=model)
    if kind == "battlecard":
        if not competitor:
            raise ValidationError("a battlecard needs --competitor ID")
        return builders.battlecard(session, lang, now, competitor)
    raise ValidationError(f"unknown report {kind!r}; choose one of {', '.join(KINDS)}")


def produce(
    session: Session,
    kind: str,
    lang: Lang,
    fmt: str,
    now: datetime,
    competitor: str | None = None,
    *,
    edition: bool = True,
    model: Model | None = None,
) -> Report:
    """Build and render a report in one format (``produce_edition`` with a single format)."""
    return produce_edition(session, kind, lang, (fmt,), now, competitor, edition=edition, model=model)[0]


def formats_of(requested: Sequence[str]) -> tuple[str, ...]:
    """The formats asked for, in order, without repeats; ``all`` means every format."""
    out: list[str] = []
    for fmt in requested:
        if fmt not in (*FORMATS, "all"):
            raise ValidationError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)} or all")
        for one in FORMATS if fmt == "all" else (fmt,):
            if one not in out:
                out.append(one)
    if not out:
        raise ValidationError(f"no format; choose one of {', '.join(FORMATS)} or all")
    return tuple(out)


def produce_edition(
    session: Session,
    kind: str,
    lang: Lang,
    fmts: Sequence[str],
    now: datetime,
    competitor: str | None = None,
    *,
    edition: bool = True,
    model: Model | None = None,
) -> list[Report]:
    """One edition of a report, rendered into every format of ``fmts``.

    The document is built once, so every format says the same thing (the same baseline for "what
    changed"); with ``edition``, the analysis records this one edition for the next one's diff."""
    wanted = formats_of(fmts)
    doc = build(session, kind, lang, now, competitor, model=model)
    out = [Report(f"{doc.name}.{fmt}", MEDIA_TYPES[fmt], render(doc, fmt)) for fmt in wanted]
    if edition and kind == "analysis":
        editions.record(session, kind, lang, now)
    return out


def write(report: Report, folder: Path) -> Path:
    """Write ``report`` into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / report.filename
    path.write_bytes(report.content)
    return path
