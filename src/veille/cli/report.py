"""``veille report KIND``: the analysis, the digest, the quarterly review or a battlecard."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from veille.cli._common import err_console, workspace
from veille.cli.events import parse_when
from veille.cli.main import app
from veille.errors import ValidationError


class ReportKind(StrEnum):
    analysis = "analysis"
    digest = "digest"
    review = "review"
    battlecard = "battlecard"


class Lang(StrEnum):
    fr = "fr"
    en = "en"


class Format(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


@app.command()
def report(
    ctx: typer.Context,
    kind: Annotated[ReportKind, typer.Argument(help="analysis, digest, review or battlecard.")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report.")] = Lang.fr,
    fmt: Annotated[Format, typer.Option("--format", help="md, html or pdf.")] = Format.md,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="File to write (stdout without it; PDF goes to the workspace's reports/)."
        ),
    ] = None,
    competitor: Annotated[
        str | None, typer.Option("--competitor", help="Competitor id (battlecards).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="As of this date (e.g. 2026-10-31): the period ends there. An analysis produced so is not "
            "recorded as an edition.",
        ),
    ] = None,
) -> None:
    """Produce a report with live figures, in French or English."""
    from veille import reports
    from veille.kb.ids import resolve_competitor

    if output is not None and not output.parent.is_dir():
        raise ValidationError(f"folder {output.parent} does not exist: create it first or choose another -o")
    ws = workspace(ctx)
    now = datetime.now(UTC) if at is None else parse_when(at)
    competitor_id = resolve_competitor(competitor) if competitor else None
    model = None
    if kind in (ReportKind.digest, ReportKind.review):  # they open with a checked summary when AI is on
        from veille.analysis.grounding import workspace_model

        model = workspace_model(ws.settings, ws.store)
    with ws.store.session() as session:
        result = reports.produce(
            session, kind.value, lang.value, fmt.value, now, competitor_id, edition=at is None, model=model
        )
    if output is None and fmt is not Format.pdf:
        sys.stdout.buffer.write(result.content)
        sys.stdout.flush()
        return
    path = output if output is not None else ws.settings.reports_dir / result.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.content)
    err_console.print(f"wrote {path} ({len(result.content):,} bytes)", highlight=False)
