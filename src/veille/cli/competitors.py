"""``veille competitors``: the competitor records (add, edit, retire, list, history, import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import competitor as resolve
from veille.cli._common import console, print_json, workspace
from veille.cli.kb import AuthorOption, MessageOption, _author
from veille.cli.main import app
from veille.errors import ConfigError, ValidationError

competitors_app = typer.Typer(
    help="The competitors veille watches: records people add and change.", no_args_is_help=True
)
app.add_typer(competitors_app, name="competitors")

Id = Annotated[str, typer.Argument(help="The competitor's id (lower case letters, digits, - and _).")]
Who = Annotated[str, typer.Argument(help="The competitor: its id, name or an alias.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Name = Annotated[str | None, typer.Option("--name", help="Display name.", show_default=False)]
Country = Annotated[
    str | None, typer.Option("--country", help="ISO country code (FR, DE, US...).", show_default=False)
]
Website = Annotated[str | None, typer.Option("--website", help="https://... home page.", show_default=False)]
Domains = Annotated[
    list[str] | None, typer.Option("--domain", help="A domain it uses (repeat).", show_default=False)
]
Tier = Annotated[
    str | None,
    typer.Option("--tier", help="self, direct, gpu, hyperscaler, low_cost or other.", show_default=False),
]
Threat = Annotated[str | None, typer.Option("--threat", help="high, medium or low.", show_default=False)]
Segment = Annotated[
    str | None, typer.Option("--segment", help="Market segment (free text).", show_default=False)
]
Aliases = Annotated[
    list[str] | None,
    typer.Option(
        "--alias",
        help="A name texts use for it: matches mentions, news, job titles (repeat).",
        show_default=False,
    ),
]
Identifiers = Annotated[
    list[str] | None,
    typer.Option(
        "--identifier",
        help="PLATFORM=VALUE, e.g. mentions=Nebius, greenhouse=nebius, news=en:Nebius (repeat; PLATFORM= clears).",
        show_default=False,
    ),
]


def _identifiers(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        platform, sep, entry = value.partition("=")
        if not sep or not platform.strip():
            raise typer.BadParameter(f"{value!r}: write PLATFORM=VALUE", param_hint="--identifier")
        entries = out.setdefault(platform.strip(), [])
        if entry.strip():
            entries.append(entry.strip())
    return out


def _fields(**given: Any) -> dict[str, Any]:
    """The options given on the command line, as record fields."""
    out = {k: v for k, v in given.items() if v is not None and k != "identifier"}
    if given.get("identifier") is not None:
        out["identifiers"] = _identifiers(given["identifier"])
    return out


@competitors_app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include retired competitors.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The competitors (watched ones; --all adds the retired)."""
    from veille.kb.competitors import records

    with workspace(ctx).store.session() as session:
        found = [r for r in records(session) if all_ or not r.retired]
    if as_json:
        print_json([r.data() for r in found])
        return
    table = Table("id", "name", "country", "tier", "threat", "aliases", "platforms")
    for r in found:
        name = f"{r.name} (retired)" if r.retired else r.name
        table.add_row(
            r.id,
            name,
            r.country or "",
            r.tier,
            r.threat or "",
            ", ".join(r.aliases),
            ", ".join(r.identifiers),
        )
    console.print(table)


@competitors_app.command("show")
def show(ctx: typer.Context, competitor_id: Who, as_json: JsonOption = False) -> None:
    """One competitor's record and the history of its changes."""
    from veille.kb.competitors import get, history

    competitor_id = resolve(ctx, competitor_id)
    with workspace(ctx).store.session() as session:
        record = get(session, competitor_id)
        revisions = history(session, competitor_id)
    changes = [
        {
            "id": r.id,
            "action": r.action,
            "at": r.created_at.isoformat(),
            "author": r.author,
            "message": r.message,
        }
        for r in revisions
    ]
    if as_json:
        print_json({**record.data(), "history": changes})
        return
    for field, value in record.data().items():
        console.print(f"[bold]{field}[/bold]: {value}", highlight=False, markup=True)
    for change in changes:
        console.print(
            f"{change['at']}  {change['action']:<8} {change['author']}: {change['message']}", highlight=False
        )


@competitors_app.command("add")
def add(
    ctx: typer.Context,
    competitor_id: Id,
    name: Name = None,
    country: Country = None,
    website: Website = None,
    domain: Domains = None,
    tier: Tier = None,
    threat: Threat = None,
    segment: Segment = None,
    alias: Aliases = None,
    identifier: Identifiers = None,
    author: AuthorOption = None,
    message: MessageOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a competitor: from now on its sources run and its names match mentions, news and jobs."""
    from veille.kb.competitors import add as add_record
    from veille.kb.competitors import sync

    fields = _fields(name=name, country=country, website=website, domains=domain, tier=tier, threat=threat,
                     segment=segment, aliases=alias, identifier=identifier)  # fmt: skip
    store = workspace(ctx).store
    with store.session() as session:
        record = add_record(session, {"id": competitor_id, "name": name or competitor_id, **fields},
                            _author(author), message or "")  # fmt: skip
    sync(store)
    if as_json:
        print_json(record.data())
    else:
        console.print(f"added {record.id} ({record.name})", highlight=False)


@competitors_app.command("edit")
def edit(
    ctx: typer.Context,
    competitor_id: Who,
    name: Name = None,
    country: Country = None,
    website: Website = None,
    domain: Domains = None,
    tier: Tier = None,
    threat: Threat = None,
    segment: Segment = None,
    alias: Aliases = None,
    identifier: Identifiers = None,
    restore: Annotated[bool, typer.Option("--restore", help="Watch a retired competitor again.")] = False,
    author: AuthorOption = None,
    message: MessageOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a competitor's fields (--alias and --domain replace the lists; --identifier one platform's)."""
    from veille.kb.competitors import edit as edit_record
    from veille.kb.competitors import get, sync

    fields = _fields(name=name, country=country, website=website, domains=domain, tier=tier, threat=threat,
                     segment=segment, aliases=alias, identifier=identifier)  # fmt: skip
    competitor_id = resolve(ctx, competitor_id)
    store = workspace(ctx).store
    with store.session() as session:
        if "identifiers" in fields:
            fields["identifiers"] = {**get(session, competitor_id).identifiers, **fields["identifiers"]}
        if restore:
            fields["retired"] = False
        changed = edit_record(session, competitor_id, fields, _author(author), message or "")
        record = get(session, competitor_id)
    sync(store)
    if as_json:
        print_json({**record.data(), "changed": changed})
    else:
        console.print(f"{'changed' if changed else 'unchanged'}: {record.id}", highlight=False)


@competitors_app.command("retire")
def retire(
    ctx: typer.Context, competitor_id: Who, author: AuthorOption = None, message: MessageOption = None
) -> None:
    """Stop watching a competitor; its record and history stay (`edit --restore` watches it again)."""
    from veille.kb.competitors import retire as retire_record
    from veille.kb.competitors import sync

    competitor_id = resolve(ctx, competitor_id)
    store = workspace(ctx).store
    with store.session() as session:
        changed = retire_record(session, competitor_id, _author(author), message or "")
    sync(store)
    console.print(
        f"retired {competitor_id}" if changed else f"{competitor_id} was retired already", highlight=False
    )


@competitors_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="YAML or JSON: a `competitors:` list of records.")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Add the records of a file that the workspace lacks (all or none; known ids are left as they are)."""
    import yaml

    from veille.kb.competitors import import_records, sync

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{file}: not YAML: {exc}") from None
    items = data.get("competitors") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValidationError(f"{file}: expected a `competitors:` list")
    store = workspace(ctx).store
    with store.session() as session:
        added = import_records(session, items, _author(author), message or f"import {file.name}")
    sync(store)
    console.print(f"added {len(added)} competitor(s): {', '.join(added) or 'none'}", highlight=False)
