"""Signal commands: ``veille ratings``, ``veille mentions``, ``veille hiring``, ``veille filings``, ``veille purge``.

``ratings add`` records a G2 / Capterra aggregate read by hand (those sites forbid scraping);
``ratings list`` and ``ratings evidence`` show the aggregates and the review evidence behind the
matrix's Support and UX scores. ``purge`` applies the personal-data retention (``retention_days``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import competitor as competitor_id
from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.errors import ValidationError
from veille.normalise.dates import parse_when

if TYPE_CHECKING:
    from veille.store.models import RatingRow

# The analyses and the store (SQLAlchemy) load inside each command, not for --help.
MANUAL_PLATFORMS = ("g2", "capterra", "trustpilot", "gartner", "other")
"""``veille.collect.manual.MANUAL_PLATFORMS``, for the help text."""

ratings_app = typer.Typer(
    help="Review-site ratings: manual G2/Capterra entries and evidence.\n\nNotes des sites d'avis.",
    no_args_is_help=True,
)
app.add_typer(ratings_app, name="ratings")


def _when(text: str | None) -> datetime:
    """``parse_when(text)``, or now when no date is given."""
    return datetime.now(UTC) if text is None else parse_when(text)


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"{what} is not a number: {text!r}") from None
    if not value.is_finite():
        raise ValidationError(f"{what} is not a finite number: {text!r}")
    return value


def _rating_dict(row: RatingRow) -> dict[str, Any]:
    from veille.normalise.reviews import plain

    return {
        "competitor": row.competitor,
        "platform": row.platform,
        "score": plain(row.score),
        "scale": plain(row.scale),
        "count": row.count,
        "as_of": row.as_of.isoformat(),
        "url": row.url,
        "source": row.source_id,
        "entered_by": row.entered_by,
    }


@ratings_app.command("add")
def ratings_add(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name (digitalocean, OVH...).")],
    platform: Annotated[str, typer.Argument(help=f"One of {', '.join(MANUAL_PLATFORMS)}.")],
    score: Annotated[str, typer.Argument(help="The aggregate score as shown (e.g. 4.5).")],
    count: Annotated[int | None, typer.Option("--count", help="Number of reviews shown.")] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="When it was read (default now), e.g. 2026-11-26.")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="The page the figure was read on.")] = None,
    scale: Annotated[str, typer.Option("--scale", help="Best possible score.")] = "5",
    by: Annotated[str, typer.Option("--by", help="Who entered it.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored entry as JSON.")] = False,
) -> None:
    """Record a rating read by hand on G2, Capterra...

    Saisir une note relevée à la main."""
    from veille.collect.manual import enter_manual_rating

    ws = workspace(ctx)
    with ws.store.session() as session:
        row, events = enter_manual_rating(
            session,
            datetime.now(UTC),
            competitor=competitor_id(ctx, competitor),
            platform=platform,
            score=_decimal(score, "score"),
            scale=_decimal(scale, "scale"),
            count=count,
            as_of=_when(date),
            url=url,
            entered_by=by,
        )
        out = _rating_dict(row)
    if as_json:
        print_json({**out, "events": [e.title for e in events]})
        return
    console.print(
        f"recorded {out['competitor']} {out['platform']} {out['score']}/{out['scale']} ({out['as_of']})"
    )
    for event in events:
        console.print(f"event: {event.title}")


@ratings_app.command("list")
def ratings_list(
    ctx: typer.Context,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", help="Only this platform.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
) -> None:
    """Every recorded rating, newest first.

    Les notes enregistrées, de la plus récente."""
    from sqlalchemy import select

    from veille.store.models import RatingRow

    query = select(RatingRow).order_by(RatingRow.as_of.desc(), RatingRow.id.desc())
    if competitor:
        query = query.where(RatingRow.competitor == competitor_id(ctx, competitor))
    if platform:
        query = query.where(RatingRow.platform == platform.lower())
    with workspace(ctx).store.session() as session:
        rows = [_rating_dict(r) for r in session.scalars(query)]
    if as_json:
        print_json(rows)
        return
    table = Table("competitor", "platform", "score", "count", "as of", "entered by")
    for r in rows:
        table.add_row(
            r["competitor"], r["platform"], f"{r['score']}/{r['scale']}", str(r["count"] or ""), r["as_of"][:10],
            r["entered_by"] or r["source"] or "",
        )  # fmt: skip
    console.print(table)


@ratings_app.command("evidence")
def ratings_evidence(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON object.")] = False,
) -> None:
    """Review evidence for the matrix's Support and UX scores.

    Les preuves des notes Support et UX."""
    from veille.analysis.reviews import matrix_evidence

    with workspace(ctx).store.session() as session:
        evidence = matrix_evidence(session, competitor_id(ctx, competitor))
    if as_json:
        print_json(evidence)
        return
    console.print(f"{evidence['competitor']}: {evidence['reviews']} reviews analysed")
    for criterion, data in evidence["criteria"].items():
        console.print(
            f"  {criterion}: {data['reviews']} reviews, mean sentiment {data['mean_sentiment']}, "
            f"negative share {data['negative_share']}"
        )
    for rating in evidence["ratings"]:
        console.print(
            f"  {rating['platform']}: {rating['score']}/{rating['scale']} ({rating['count']} reviews)"
        )


@app.command("hiring")
def hiring(
    ctx: typer.Context,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
) -> None:
    """Open roles by function, against 90 days ago.

    Les postes ouverts par fonction, face à il y a 90 jours."""
    from veille.analysis.hiring import hiring_summary
    from veille.normalise.jobs import FUNCTIONS

    with workspace(ctx).store.session() as session:
        rows = hiring_summary(
            session, datetime.now(UTC), competitor_id(ctx, competitor) if competitor else None
        )
    if as_json:
        print_json(rows)
        return
    short = {
        "engineering": "eng",
        "gpu_ai": "ai",
        "support": "supp",
        "datacenter_ops": "dc",
        "marketing": "mkt",
    }
    short.update(other="oth", sales="sale")
    table = Table(title="open roles (vs 90 days ago), new and gone in 30 days / postes ouverts")
    table.add_column("competitor", no_wrap=True)
    for header in ("open", *(short.get(f, f) for f in FUNCTIONS), "new", "gone"):
        table.add_column(header, justify="right")
    for row in rows:
        by_function: dict[str, int] = row["by_function"]  # type: ignore[assignment]
        before: dict[str, int] = row["by_function_90d_ago"]  # type: ignore[assignment]
        cells = [f"{by_function.get(f, 0)}{by_function.get(f, 0) - before.get(f, 0):+d}" for f in FUNCTIONS]
        table.add_row(
            str(row["competitor"]), str(row["open"]), *cells, str(row["opened_30d"]), str(row["closed_30d"])
        )
    console.print(table)


@app.command("mentions")
def mentions(
    ctx: typer.Context,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", help="hn, reddit or bluesky.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Created on or after this date.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array (see docs/contract.md).")] = False,
) -> None:
    """Mentions on Hacker News, Reddit and Bluesky, newest first.

    Les mentions des concurrents."""
    from sqlalchemy import select

    from veille.store.models import MentionRow

    query = (
        select(MentionRow).order_by(MentionRow.created_at.desc(), MentionRow.id.desc()).limit(max(1, limit))
    )
    if competitor:
        query = query.where(MentionRow.competitor == competitor_id(ctx, competitor))
    if platform:
        query = query.where(MentionRow.platform == platform.lower())
    if since:
        query = query.where(MentionRow.created_at >= _when(since))
    with workspace(ctx).store.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "platform": m.platform,
                "id": m.mention_id,
                "competitor": m.competitor,
                "title": m.title,
                "url": m.url,
                "author": m.author,
                "score": m.score,
                "comments": m.comments,
                "created_at": m.created_at.isoformat() if m.created_at else None,
            }
            for m in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("created", "platform", "competitor", "score", "comments", "title")
    for r in rows:
        table.add_row(
            (r["created_at"] or "")[:16], r["platform"], r["competitor"] or "", str(r["score"] or ""),
            str(r["comments"] or ""), r["title"][:80],
        )  # fmt: skip
    console.print(table)


@app.command("filings")
def filings(
    ctx: typer.Context,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
) -> None:
    """SEC filings (8-K, 10-Q, 10-K, S-1), newest first.

    Les dépôts SEC des concurrents cotés."""
    from sqlalchemy import select

    from veille.store.models import FilingRow

    query = select(FilingRow).order_by(FilingRow.filed_at.desc(), FilingRow.id.desc()).limit(200)
    if competitor:
        query = query.where(FilingRow.competitor == competitor_id(ctx, competitor))
    with workspace(ctx).store.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "competitor": f.competitor,
                "accession": f.accession,
                "form": f.form,
                "title": f.title,
                "items": f.items,
                "filed_at": f.filed_at.isoformat() if f.filed_at else None,
                "url": f.url,
            }
            for f in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("filed", "competitor", "form", "title")
    for r in rows:
        table.add_row((r["filed_at"] or "")[:10], r["competitor"] or "", r["form"], r["title"][:90])
    console.print(table)


@app.command("purge")
def purge(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option("--days", help="Override retention_days (VEILLE_RETENTION_DAYS) for this run."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON object.")] = False,
) -> None:
    """Erase personal data older than the retention.

    Effacer les données personnelles trop anciennes."""
    from veille.store import retention

    ws = workspace(ctx)
    settings = ws.settings if days is None else ws.settings.model_copy(update={"retention_days": days})
    if settings.retention_days < 1:
        raise ValidationError("the retention must be at least one day")
    now = datetime.now(UTC)
    with ws.store.session() as session:
        result = retention.apply(session, now, settings)
    out = {
        "retention_days": settings.retention_days,
        "cutoff": result.cutoff.isoformat(),
        "mentions": result.mentions,
        "reviews": result.reviews,
    }
    if as_json:
        print_json(out)
        return
    console.print(
        f"retention {settings.retention_days} days (before {(now - timedelta(days=settings.retention_days)).date()}): "
        f"erased personal data of {result.mentions} mentions and {result.reviews} reviews"
    )
