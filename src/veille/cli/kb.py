"""``veille kb``: import, export, history, diff and edits of the knowledge base."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import console, print_json, warn, workspace
from veille.cli.main import app
from veille.errors import ConfigError

if TYPE_CHECKING:
    from veille.kb.schema import KnowledgeBase

# The knowledge base (pydantic, SQLAlchemy, ftfy...) loads inside each command, not for --help.

kb_app = typer.Typer(help="The knowledge base: VMCloud's analysis as versioned data.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


class ExportFormat(StrEnum):
    json = "json"
    yaml = "yaml"
    md = "md"


class ImportFormat(StrEnum):
    md = "md"
    json = "json"
    yaml = "yaml"


class Language(StrEnum):
    fr = "fr"
    en = "en"


class ExportLanguage(StrEnum):
    fr = "fr"
    en = "en"
    both = "both"


class ThreatLevel(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"
    none = "none"


AuthorOption = Annotated[
    str | None, typer.Option("--author", help="Who makes the change (default: $USER).", show_default=False)
]
MessageOption = Annotated[str | None, typer.Option("--message", "-m", help="Why (kept in the history).")]
LangOption = Annotated[Language, typer.Option("--lang", help="Language of the text given.")]
TranslationOption = Annotated[
    str | None, typer.Option("--translation", help="The same text in the other language.", show_default=False)
]


def _author(author: str | None) -> str:
    if author:
        return author
    user = os.environ.get("USER") or os.environ.get("USERNAME")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _apply(
    ctx: typer.Context, change: Callable[[KnowledgeBase], KnowledgeBase], author: str | None, message: str
) -> None:
    """Apply an edit to the current knowledge base and save it as a revision."""
    from veille.kb.diff import diff, format_changes
    from veille.kb.store import current, save

    store = workspace(ctx).store
    with store.session() as session:
        before = current(session)
        after = change(before)
        changes = diff(before, after)
        if not changes:
            console.print("no change", highlight=False)
            return
        rev = save(session, after, _author(author), message)
    for line in format_changes(changes):
        typer.echo(line)
    console.print(f"revision {rev}", highlight=False)


# --- import / export ---------------------------------------------------------------------------------


def _import_into(
    store: Any, data: bytes, name: str, fmt: Any, dry_run: bool, author: str | None, message: str | None
) -> tuple[Any, Any, int | None]:
    """Import ``data`` into the workspace (competitors it describes first): (result, changes, revision)."""
    from veille.kb.competitors import sync
    from veille.kb.diff import diff
    from veille.kb.importing import import_document
    from veille.kb.store import current, save

    try:
        with store.session() as session:
            base = current(session)
            newcomers = _newcomers(session, data, name, fmt, dry_run, _author(author))
            result = import_document(data, name, base, fmt.value if fmt else None)
            changes = diff(base, result.kb)
            rev = None
            if not dry_run and changes:
                rev = save(session, result.kb, _author(author), message or f"import {name}")
    finally:
        sync(store)  # the workspace's records again (a dry run or a refused file added none)
    if newcomers:
        verb = "would add" if dry_run else "added"
        console.print(f"{verb} competitor record(s): {', '.join(newcomers)}", highlight=False)
    return result, changes, rev


def _newcomers(session: Any, data: bytes, name: str, fmt: Any, dry_run: bool, author: str) -> list[str]:
    """Competitors a JSON/YAML knowledge base describes that the workspace has no record of: recorded
    (unless ``dry_run``) and known for the import's checks; their ids."""
    from veille.kb import ids
    from veille.kb.competitors import add, kb_newcomers, records
    from veille.kb.importing import decode, guess_format, parse_data_file

    kind = fmt.value if fmt else guess_format(name, decode(data, name))
    if kind == "md":
        return []
    found = kb_newcomers(session, parse_data_file(decode(data, name), kind))
    if not dry_run:
        for record in found:
            add(session, record.data(), author, f"from the knowledge base {name}", action="import")
    ids.install([*records(session), *([] if not dry_run else found)])
    return [r.id for r in found]


@kb_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Markdown in the seed's format, or a JSON/YAML export.")],
    fmt: Annotated[
        ImportFormat | None, typer.Option("--format", help="Force the format (default: from the file).")
    ] = None,
    author: AuthorOption = None,
    message: MessageOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report, store nothing.")] = False,
) -> None:
    """Import an analysis document; repairs broken encodings; warnings go to stderr."""
    from veille.kb.diff import summarise
    from veille.kb.importing import read_document

    try:
        data = read_document(file)
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    result, changes, rev = _import_into(workspace(ctx).store, data, file.name, fmt, dry_run, author, message)
    for warning in result.warnings:
        warn(warning)
    if result.untranslated:
        other = "English" if result.lang == "fr" else "French"
        warn(
            f"{result.untranslated} text(s) have no {other} translation yet; they show in {result.lang} until translated"
        )
    kind = {"md": "Markdown", "json": "JSON", "yaml": "YAML"}[fmt.value if fmt else _kind(file)]
    console.print(f"imported {file.name} ({kind}, {result.lang})", highlight=False)
    if result.repaired:
        console.print(f"  encoding repaired: {result.repaired} characters rebuilt", highlight=False)
    for section in result.sections:
        typer.echo(f"  {section}")
    kb = result.kb
    scores = sum(len(row) for row in kb.matrix.scores.values())
    cells = sum(len(row) for row in kb.price_table.prices.values())
    aspects = sum(len(t.aspects) for t in kb.threats)
    typer.echo(
        f"  {len(kb.competitors)} competitors, {scores} matrix scores, {cells} price cells, "
        f"{len(kb.threats)} threat scenarios ({aspects} aspects), {len(kb.watch_items)} watch items"
    )
    if dry_run:
        console.print(f"dry run: {summarise(changes)}; nothing stored", highlight=False)
    elif rev is None:
        console.print("no change: the knowledge base already holds this", highlight=False)
    else:
        typer.echo(f"revision {rev}: {summarise(changes)}")


def _kind(file: Path) -> str:
    suffix = file.suffix.lower()
    return "json" if suffix == ".json" else "yaml" if suffix in (".yaml", ".yml") else "md"


@kb_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json, yaml or md.")] = ExportFormat.json,
    lang: Annotated[
        ExportLanguage,
        typer.Option("--lang", help="Language of the texts; 'both' (JSON/YAML): every text in both."),
    ] = ExportLanguage.fr,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to FILE (default: stdout).")
    ] = None,
    rev: Annotated[int | None, typer.Option("--revision", help="Export an older revision.")] = None,
) -> None:
    """Export the knowledge base as JSON, YAML or Markdown, in French or English."""
    from veille.kb.export import export_text
    from veille.kb.store import current, revision

    store = workspace(ctx).store
    with store.session() as session:
        kb = revision(session, rev) if rev is not None else current(session)
    if lang is ExportLanguage.both and fmt is ExportFormat.md:
        raise typer.BadParameter(
            "a Markdown document is in one language: --lang fr or en", param_hint="--lang"
        )
    text = export_text(kb, fmt.value, lang.value)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(f"wrote {output} ({fmt.value}, {lang.value})", highlight=False)


# --- history -----------------------------------------------------------------------------------------


@kb_app.command("history")
def history_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many revisions.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Revisions of the knowledge base, newest first: who, when, why."""
    from veille.kb.store import history

    with workspace(ctx).store.session() as session:
        revisions = history(session, limit)
    if as_json:
        print_json([
            {"id": r.id, "created_at": r.created_at.isoformat(), "author": r.author, "message": r.message,
             "digest": r.digest}
            for r in revisions
        ])  # fmt: skip
        return
    if not revisions:
        console.print("no revision yet: run `veille init`", highlight=False)
        return
    grid = Table("rev", "when (UTC)", "author", "message")
    for r in revisions:
        grid.add_row(str(r.id), r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.author, r.message)
    console.print(grid)


@kb_app.command("diff")
def diff_(
    ctx: typer.Context,
    rev1: Annotated[int, typer.Argument(help="Older revision.")],
    rev2: Annotated[int, typer.Argument(help="Newer revision.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """What changed between two revisions, path by path."""
    from veille.kb.diff import diff, format_changes
    from veille.kb.store import revision

    with workspace(ctx).store.session() as session:
        changes = diff(revision(session, rev1), revision(session, rev2))
    if as_json:
        print_json([c.as_dict() for c in changes])
        return
    if not changes:
        console.print(f"revisions {rev1} and {rev2} hold the same knowledge base", highlight=False)
        return
    for line in format_changes(changes):
        typer.echo(line)


# --- edits -------------------------------------------------------------------------------------------


@kb_app.command("set-score")
def set_score(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name (OVH, DO...).")],
    criterion: Annotated[str, typer.Argument(help="Criterion id or label (price, support, ux...).")],
    score: Annotated[int, typer.Argument(help="0 to 5.")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Set one score of the comparison matrix."""
    from veille.kb import edit

    _apply(ctx, lambda kb: edit.set_score(kb, competitor, criterion, score), author,
           message or f"set-score {competitor} {criterion} {score}")  # fmt: skip


@kb_app.command("set-threat")
def set_threat(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    level: Annotated[ThreatLevel, typer.Argument(help="high, medium, low or none.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (replaces the current reason).")] = None,
    lang: LangOption = Language.fr,
    translation: TranslationOption = None,
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Set a competitor's threat level."""
    from veille.kb import edit

    value = None if level is ThreatLevel.none else level.value
    _apply(ctx, lambda kb: edit.set_threat(kb, competitor, value, reason, lang.value, translation), author,
           message or f"set-threat {competitor} {level.value}")  # fmt: skip


@kb_app.command("set-price")
def set_price(
    ctx: typer.Context,
    product: Annotated[
        str, typer.Argument(help="Product id (vps-entry, vps-pro, gpu-t4, gpu-a100, storage-tb).")
    ],
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    amount: Annotated[
        str, typer.Argument(help="Monthly amount (49, 2319, 4.50) or 'na' when there is no offer.")
    ],
    currency: Annotated[str, typer.Argument(help="EUR, USD... (ignored with 'na').")] = "EUR",
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Set one cell of the price positioning table."""
    from veille.kb import edit

    _apply(ctx, lambda kb: edit.set_price(kb, product, competitor, amount, currency), author,
           message or f"set-price {product} {competitor} {amount} {currency}")  # fmt: skip


@kb_app.command("add-strength")
def add_strength(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    text: Annotated[str, typer.Argument(help="The strength.")],
    lang: LangOption = Language.fr,
    translation: TranslationOption = None,
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Add a strength to a competitor's sheet."""
    from veille.kb import edit

    _apply(ctx, lambda kb: edit.add_strength(kb, competitor, text, lang.value, translation), author,
           message or f"add-strength {competitor}")  # fmt: skip


@kb_app.command("add-weakness")
def add_weakness(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    text: Annotated[str, typer.Argument(help="The weakness.")],
    lang: LangOption = Language.fr,
    translation: TranslationOption = None,
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Add a weakness to a competitor's sheet."""
    from veille.kb import edit

    _apply(ctx, lambda kb: edit.add_weakness(kb, competitor, text, lang.value, translation), author,
           message or f"add-weakness {competitor}")  # fmt: skip


@kb_app.command("set-key-message")
def set_key_message(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(help="Competitor id or name.")],
    text: Annotated[str, typer.Argument(help="The key message (section 11).")],
    lang: LangOption = Language.fr,
    translation: TranslationOption = None,
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Set the key message used against a competitor."""
    from veille.kb import edit

    _apply(ctx, lambda kb: edit.set_key_message(kb, competitor, text, lang.value, translation), author,
           message or f"set-key-message {competitor}")  # fmt: skip
