"""``veille report KIND``: the analysis, the digest, the quarterly review or a battlecard."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from veille.cli._common import err_console, workspace
from veille.cli.main import app
from veille.errors import ValidationError
from veille.normalise.dates import parse_when

if TYPE_CHECKING:
    from veille.reports import Report


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
    all = "all"


@app.command()
def report(
    ctx: typer.Context,
    kind: Annotated[ReportKind, typer.Argument(help="analysis, digest, review or battlecard.")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report.")] = Lang.fr,
    fmt: Annotated[
        list[Format] | None,
        typer.Option(
            "--format",
            metavar="<md|html|pdf|all>",
            help="md, html, pdf, or all; repeat it for several formats of one edition (md by default).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write; with several formats, its name with each format's suffix (stdout without "
            "it for one md or html; otherwise the workspace's reports/).",
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
    formats = reports.formats_of([f.value for f in fmt or [Format.md]])
    model = None
    if kind in (ReportKind.digest, ReportKind.review):  # they open with a checked summary when AI is on
        from veille.ai.grounding import workspace_model

        model = workspace_model(ws.settings, ws.store)
    with ws.store.session() as session:
        results = reports.produce_edition(
            session, kind.value, lang.value, formats, now, competitor_id, edition=at is None, model=model
        )
    if output is None and len(results) == 1 and formats[0] != "pdf":
        sys.stdout.buffer.write(results[0].content)
        sys.stdout.flush()
        return
    for result in results:
        _write(result, _target(output, result, len(results) > 1, ws.settings.reports_dir))


def _target(output: Path | None, result: Report, several: bool, reports_dir: Path) -> Path:
    """Where ``result`` goes: ``-o`` (with the format's suffix when several), else the reports folder."""
    if output is None:
        return reports_dir / result.filename
    return output.with_suffix(Path(result.filename).suffix) if several else output


def _write(result: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.content)
    err_console.print(f"wrote {path} ({len(result.content):,} bytes)", highlight=False)
