"""``veille sources add|edit|remove|export|import|history``: the workspace's own watch list (docs/sources.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from veille.cli._common import console, print_json, workspace
from veille.cli.kb import AuthorOption, MessageOption, _author
from veille.cli.sources import group, option_pairs
from veille.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from veille.sources import SourceSpec
    from veille.workspace import Workspace

CompetitorOption = Annotated[
    str, typer.Option("--competitor", "-c", help="The competitor it watches (id or name).")
]
CadenceOption = Annotated[
    str | None,
    typer.Option("--cadence", help="How often: 10m, 2h, 1d (default: the kind's).", show_default=False),
]
OptionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option", "-o", help="KEY=VALUE, repeatable: platform=, flavour=, lang=, selectors, field map."
    ),
]
CheckOption = Annotated[
    bool, typer.Option("--check", help="Fetch once and parse first; save only if it records something.")
]
KINDS_HELP = "feed, status, jobs, trustpilot, github, news, hn, reddit, bluesky, pricing-page, price-api."
JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of text.")]


def _competitor(name: str) -> str:
    from veille.kb.ids import resolve_competitor

    return resolve_competitor(name)


def _preview(ws: Workspace, specs: list[SourceSpec], as_json: bool) -> bool:
    """Fetch and parse each spec once; print what would be recorded; True when every one records."""
    from veille.collect.preview import preview

    previews = preview(specs, ws.settings)
    if as_json:
        print_json([p.__dict__ | {"ok": p.ok} for p in previews])
    for p in previews if not as_json else ():
        if p.error:
            console.print(f"{p.source_id}: [red]check failed[/red]: {p.error}", highlight=False)
            continue
        console.print(f"{p.source_id}: {p.count} observation(s) would be recorded", highlight=False)
        for obs in p.observations[:10]:
            label = obs.get("name") or obs.get("title") or obs.get("id") or obs.get("sku") or ""
            console.print(f"  {obs['type']}: {str(label)[:90]}", highlight=False)
    return all(p.ok for p in previews)


def _save(ws: Workspace, specs: list[SourceSpec], *, action: str, author: str, message: str) -> None:
    from veille.collect.lease import state
    from veille.source_records import install, save

    with ws.store.session() as session:
        for spec in specs:
            save(session, spec, action=action, author=author, message=message)
            if action == "add" and not (spec.credential and not ws.settings.credential(spec.credential)):
                state(session, spec.id).enabled = True  # asked for by name: on, unless it lacks a credential
        session.flush()
        install(session)


@group.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help="feed, status, jobs, trustpilot, github, news, "
            "hn, reddit, bluesky, pricing-page, price-api.",
        ),
    ],
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="A URL, a slug, OWNER/REPO, a domain or a query.")
    ],
    competitor: CompetitorOption,
    source_id: Annotated[
        str | None, typer.Option("--id", help="The source id (default: made from the target).")
    ] = None,
    cadence: CadenceOption = None,
    option: OptionsOption = None,
    check: CheckOption = False,
    author: AuthorOption = None,
    message: MessageOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a source of a known kind; with --check, fetch and parse it once before saving."""
    from veille.collect.preview import check_address
    from veille.sources import get_source
    from veille.sources.kinds import build
    from veille.sources.watchlist import parse_cadence

    ws = workspace(ctx)
    every = parse_cadence(cadence) if cadence else None
    specs = build(
        kind, _competitor(competitor), target, option_pairs(option), source_id=source_id, cadence=every
    )
    ws.store  # noqa: B018 - opens the workspace (and installs its sources) before the duplicate check
    for spec in specs:
        try:
            get_source(spec.id)
        except NotFoundError:
            continue
        raise ValidationError(f"source {spec.id} exists already: `veille sources edit {spec.id}` changes it")
    if check:
        if not _preview(ws, specs, as_json):
            raise ValidationError("not saved: the check did not record anything (see above)")
    else:
        for spec in specs:
            check_address(spec.url, ws.settings)
    _save(ws, specs, action="add", author=_author(author), message=message or f"add {kind} {target}")
    for spec in specs:
        console.print(f"added {spec.id} ({spec.parser}, every {_every(spec)})", highlight=False)


def _every(spec: SourceSpec) -> str:
    from veille.sources.watchlist import format_cadence

    return format_cadence(spec.cadence)


@group.command("edit")
def edit(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    cadence: CadenceOption = None,
    option: OptionsOption = None,
    url: Annotated[str | None, typer.Option("--url", help="A new URL.")] = None,
    competitor: Annotated[str | None, typer.Option("--competitor", "-c", help="Another competitor.")] = None,
    check: CheckOption = False,
    author: AuthorOption = None,
    message: MessageOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a source's cadence, options, URL or competitor (a shipped one becomes the workspace's)."""
    from veille.collect.preview import check_address
    from veille.sources import get_source
    from veille.sources.watchlist import entry_of, parse_cadence, spec_from_entry

    ws = workspace(ctx)
    ws.store  # noqa: B018 - installs the workspace's sources
    old = get_source(source_id)
    changes: dict[str, Any] = {}
    if cadence:
        changes["cadence"] = parse_cadence(cadence)
    if option:  # KEY=VALUE sets, KEY= removes
        options = dict(old.options)
        for key, value in option_pairs(option).items():
            if value:
                options[key] = value
            else:
                options.pop(key, None)
        changes["options"] = options
    if url:
        changes["url"] = url
    if competitor:
        changes["competitor"] = _competitor(competitor)
    if not changes:
        raise ValidationError("nothing to change: give --cadence, --option, --url or --competitor")
    new = replace(old, **changes, origin="workspace")
    spec_from_entry(entry_of(new))  # the same checks as an import
    if check and not _preview(ws, [new], as_json):
        raise ValidationError("not saved: the check did not record anything (see above)")
    if url and not check:
        check_address(new.url, ws.settings)
    _save(ws, [new], action="edit", author=_author(author), message=message or "edit")
    console.print(f"edited {new.id}: {', '.join(sorted(changes))}", highlight=False)


@group.command("remove")
def remove_source(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Remove a source the workspace added (its runs, captures and events stay)."""
    from veille.source_records import install, remove

    ws = workspace(ctx)
    with ws.store.session() as session:
        remove(session, source_id, author=_author(author), message=message or "remove")
        session.flush()
        install(session)
    console.print(f"removed {source_id}", highlight=False)


@group.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.yaml")],
    everything: Annotated[
        bool, typer.Option("--all", help="Also the shipped sources (default: the workspace's own).")
    ] = False,
) -> None:
    """Write the watch list as YAML, for review and `import`: the workspace's sources (or --all) and the
    competitors it added or changed (or --all)."""
    from veille.kb import competitors as records
    from veille.kb.ids import default_records
    from veille.sources import sources
    from veille.sources.watchlist import dump

    ws = workspace(ctx)
    ws.store  # noqa: B018 - installs the workspace's sources
    specs = [s for s in sources() if everything or s.origin == "workspace"]
    shipped = {r.id: r for r in default_records()}
    with ws.store.session() as session:
        rivals = [r.data() for r in records.records(session) if everything or shipped.get(r.id) != r]
    file.write_text(dump(specs, rivals), encoding="utf-8")
    console.print(f"wrote {len(specs)} source(s) and {len(rivals)} competitor(s) to {file}", highlight=False)


@group.command("import")
def import_sources(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.yaml")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Add the competitors the workspace lacks and add or replace the sources of a YAML watch list, all
    or none (one transaction)."""
    from veille.kb import competitors as records
    from veille.source_records import install, save_all
    from veille.sources.watchlist import read

    if not file.is_file():
        raise ValidationError(f"no such file: {file}")
    listed = read(file.read_text(encoding="utf-8"), str(file), origin="workspace")
    ws = workspace(ctx)
    who, why = _author(author), message or f"import {file.name}"
    with ws.store.session() as session:
        for entry, line in listed.competitors:  # a wrong record is named by its line, as a source is
            try:
                records.validate(entry)
            except ValidationError as exc:
                raise ValidationError(f"{file}, line {line}: {exc}") from None
        added = records.import_records(session, [entry for entry, _ in listed.competitors], who, why)
        save_all(session, [spec for spec, _ in listed.sources], author=who, message=why)
        install(session)
    records.sync(ws.store)
    console.print(
        f"imported {len(listed.sources)} source(s) and {len(added)} new competitor(s) from {file}",
        highlight=False,
    )


@group.command("history")
def history(
    ctx: typer.Context, source_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False
) -> None:
    """The changes to one source: who, when, what, why."""
    from veille.source_records import history as revisions

    with workspace(ctx).store.session() as session:
        rows = [{"at": r.at.isoformat(), "author": r.author, "action": r.action, "message": r.message}
                for r in revisions(session, source_id)]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['at'][:16]} {row['author']} {row['action']}: {row['message']}", highlight=False)
    if not rows:
        console.print(f"no change recorded for {source_id}", highlight=False)
