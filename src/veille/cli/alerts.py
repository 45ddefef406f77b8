"""``veille alerts`` (rules, channels, the outbox) and ``veille actions`` (what the watch turned events into)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from veille.cli._common import console, language, print_json, workspace
from veille.cli.main import app
from veille.errors import NotFoundError, ValidationError
from veille.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from veille.store.models import Action, AlertRule

# veille.act (SQLAlchemy, Apprise) loads inside each command, not for --help.
MODES = ("immediate", "daily", "weekly", "monthly")
"""The rule modes of ``veille.act.rules.MODES`` (the last three are digests), for the help text."""

alerts = typer.Typer(
    help="Alert rules, channels and the outbox.\n\nRègles d'alerte, canaux et file d'envoi.",
    no_args_is_help=True,
)
rules = typer.Typer(
    help="Which events alert, where, and when.\n\nQuels événements alertent, où et quand.",
    no_args_is_help=True,
)
channels = typer.Typer(
    help="Where alerts go (file, Apprise).\n\nOù partent les alertes.", no_args_is_help=True
)
actions = typer.Typer(
    help="Actions from events: price reviews, roadmap candidates, comms drafts, strategy notes.\n\nActions issues des événements.",
    no_args_is_help=True,
)
alerts.add_typer(rules, name="rules")
alerts.add_typer(channels, name="channels")
app.add_typer(alerts, name="alerts")
app.add_typer(actions, name="actions")


def _ready(ctx: typer.Context) -> Workspace:
    from veille.act.rules import ensure_defaults

    ws = workspace(ctx)
    with ws.store.session() as session:
        ensure_defaults(session)
    return ws


def mask(target: str) -> str:
    """An Apprise URL with its credentials hidden (they often sit in the path)."""
    match = re.match(r"^([a-z0-9+]+)://(.*)$", target, re.IGNORECASE)
    if not match:
        return target
    scheme, rest = match.groups()
    host = rest.split("@")[-1].split("/")[0].split("?")[0]
    if "@" in rest or "/" in rest or "?" in rest:
        return f"{scheme}://***@{host}/***" if "@" in rest else f"{scheme}://{host}/***"
    return f"{scheme}://{host}"


# --- rules ------------------------------------------------------------------------------------------------


def _rule_json(r: AlertRule) -> dict[str, Any]:
    return {
        "name": r.name,
        "kinds": r.kinds,
        "competitors": r.competitors,
        "min_importance": r.min_importance,
        "conditions": r.conditions,
        "channels": r.channels,
        "mode": r.mode,
        "enabled": r.enabled,
        "last_error": r.last_error,
        "last_error_at": r.last_error_at.isoformat() if r.last_error_at else None,
    }


@rules.command("list")
def rules_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every alert rule: what it matches, its channels and whether it alerts at once or in a digest."""
    from sqlalchemy import select

    from veille.store.models import AlertRule

    ws = _ready(ctx)
    with ws.store.session() as session:
        rows = [_rule_json(r) for r in session.scalars(select(AlertRule).order_by(AlertRule.name))]
    if as_json:
        print_json(rows)
        return
    table = Table("rule", "kinds", "competitors", "min importance", "conditions", "channels", "mode")
    broken = [r for r in rows if r["last_error"]]
    for r in rows:
        conditions = ", ".join(f"{k}={v}" for k, v in (r["conditions"] or {}).items())
        table.add_row(
            r["name"],
            ", ".join(r["kinds"]) or "any",
            ", ".join(r["competitors"]) or "any",
            r["min_importance"],
            conditions,
            ", ".join(r["channels"]),
            r["mode"],
        )
    console.print(table)
    for r in broken:
        line = f"rule {r['name']} skipped when routing ({r['last_error_at']}): {r['last_error']}"
        console.print(Text(line, style="yellow"), highlight=False)


@rules.command("add")
def rules_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name (an existing rule of that name is replaced).")],
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Event kind (repeatable; none: any).")
    ] = None,
    competitor: Annotated[
        list[str] | None, typer.Option("--competitor", help="Competitor id (repeatable).")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Channel name (repeatable; default file).")
    ] = None,
    min_importance: Annotated[str, typer.Option("--min-importance", help="low, medium or high.")] = "low",
    min_change_pct: Annotated[
        str | None, typer.Option("--min-change-pct", help="Price changes of at least N %.")
    ] = None,
    min_impact: Annotated[
        str | None, typer.Option("--min-impact", help="Incidents of at least minor, major, critical.")
    ] = None,
    min_failures: Annotated[
        int | None, typer.Option("--min-failures", help="Source failures N runs in a row.")
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help=f"{', '.join(MODES)} (the last three are digests).")
    ] = "immediate",
) -> None:
    """Add (or replace) an alert rule."""
    from veille.act.rules import RuleSpec, add_rule

    conditions: dict[str, Any] = {}
    if min_change_pct is not None:
        conditions["min_change_pct"] = min_change_pct
    if min_impact is not None:
        conditions["min_impact"] = min_impact
    if min_failures is not None:
        conditions["min_consecutive_failures"] = min_failures
    spec = RuleSpec(
        name,
        tuple(kind or ()),
        tuple(competitor or ()),
        min_importance,
        conditions,
        tuple(channel or ("file",)),
        mode,
    )
    ws = _ready(ctx)
    with ws.store.session() as session:
        add_rule(session, spec)
    console.print(f"rule {name}: saved")


@rules.command("remove")
def rules_remove(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Remove an alert rule (a removed default rule stays removed)."""
    from veille.act.rules import remove_rule

    ws = _ready(ctx)
    with ws.store.session() as session:
        remove_rule(session, name)
    console.print(f"rule {name}: removed")


# --- channels ------------------------------------------------------------------------------------------------


@channels.command("list")
def channels_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every channel; Apprise URLs are shown with their secrets hidden."""
    from sqlalchemy import select

    from veille.store.models import Channel

    ws = _ready(ctx)
    with ws.store.session() as session:
        rows = [
            {"name": c.name, "kind": c.kind, "target": c.target if c.kind == "file" else mask(c.target)}
            for c in session.scalars(select(Channel).order_by(Channel.name))
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("channel", "kind", "target")
    for r in rows:
        table.add_row(r["name"], r["kind"], r["target"])
    console.print(table)


@channels.command("add")
def channels_add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Channel name, used by rules (replaces a channel of that name).")
    ],
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help="A JSON-lines file in the workspace (relative paths) or in a folder of VEILLE_ALERT_FILE_DIRS.",
        ),
    ] = None,
    apprise: Annotated[
        str | None,
        typer.Option(
            "--apprise",
            help="Any Apprise URL: mailto://, slack://, msteams://, matrix://, ntfy://, json://...",
        ),
    ] = None,
) -> None:
    """Add (or replace) a channel: a local JSON-lines file, or anything Apprise can notify."""
    from sqlalchemy import select

    from veille.act.channels import ChannelError, validate_target
    from veille.store.models import Channel

    if (file is None) == (apprise is None):
        raise typer.BadParameter("give exactly one of --file PATH or --apprise URL")
    kind, target = ("file", file) if file is not None else ("apprise", apprise)
    assert target is not None
    try:
        validate_target(kind, target, workspace(ctx).settings)
    except ChannelError as exc:
        raise ValidationError(str(exc)) from None
    ws = _ready(ctx)
    with ws.store.session() as session:
        row = session.scalars(select(Channel).where(Channel.name == name)).first()
        if row is None:
            session.add(Channel(name=name, kind=kind, target=target))
        else:
            row.kind, row.target = kind, target
    console.print(f"channel {name}: {kind}")


@channels.command("remove")
def channels_remove(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Remove a channel no rule uses."""
    from sqlalchemy import select

    from veille.store.models import AlertRule, Channel

    ws = _ready(ctx)
    with ws.store.session() as session:
        row = session.scalars(select(Channel).where(Channel.name == name)).first()
        if row is None:
            raise NotFoundError(f"no channel {name!r}")
        users = [r.name for r in session.scalars(select(AlertRule)) if name in (r.channels or [])]
        if users:
            raise ValidationError(f"channel {name} is used by rule(s) {', '.join(users)}")
        session.delete(row)
    console.print(f"channel {name}: removed")


# --- the outbox -----------------------------------------------------------------------------------------------


@alerts.command("list")
def alerts_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, digest, sending, sent or failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The outbox, newest first: every alert with its rule, event, channel, status and attempts."""
    from sqlalchemy import select

    from veille.store.models import Alert

    ws = _ready(ctx)
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        query = query.where(Alert.status == status)
    with ws.store.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "id": a.id,
                "rule": a.rule,
                "event_id": a.event_id,
                "channel": a.channel,
                "status": a.status,
                "attempts": a.attempts,
                "created_at": a.created_at.isoformat(),
                "next_attempt_at": a.next_attempt_at.isoformat() if a.next_attempt_at else None,
                "sent_at": a.sent_at.isoformat() if a.sent_at else None,
                "last_error": a.last_error,
                "kind": a.payload.get("kind"),
                "competitor": a.payload.get("competitor"),
                "title": a.payload.get("title"),
            }
            for a in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "rule", "channel", "status", "tries", "kind", "competitor", "title", "sent / next")
    for r in rows:
        when = r["sent_at"] or r["next_attempt_at"] or ""
        table.add_row(
            str(r["id"]), r["rule"], r["channel"], r["status"], str(r["attempts"]),
            r["kind"] or "", r["competitor"] or "", (r["title"] or "")[:70], when[:19],
        )  # fmt: skip
    console.print(table)


@alerts.command("send")
def alerts_send(
    ctx: typer.Context,
    digests: Annotated[
        bool, typer.Option("--digests", help="Also send the digests now, before their date.")
    ] = False,
) -> None:
    """Send the due alerts of the outbox now (the watch does this after every cycle)."""
    from veille.act.outbox import dispatch

    ws = _ready(ctx)
    summary = dispatch(ws.store, ws.home, datetime.now(UTC), include_digests=digests, settings=ws.settings)
    for error in summary.errors:
        console.print(f"[yellow]{error}[/yellow]", highlight=False)
    console.print(f"{summary.sent} sent, {summary.retried} to retry, {summary.failed} failed")


# --- actions --------------------------------------------------------------------------------------------------


@actions.command("list")
def actions_list(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option("--kind", help="price_review, roadmap_candidate, comms_draft...")
    ] = None,
    competitor: Annotated[str | None, typer.Option("--competitor")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, done or dismissed.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Actions the watch created from events, newest first."""
    from sqlalchemy import select

    from veille.store.models import Action

    ws = workspace(ctx)
    query = select(Action).order_by(Action.id.desc())
    for column, value in ((Action.kind, kind), (Action.competitor, competitor), (Action.status, status)):
        if value:
            query = query.where(column == value)
    with ws.store.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "id": a.id,
                "kind": a.kind,
                "competitor": a.competitor,
                "status": a.status,
                "event_id": a.event_id,
                "created_at": a.created_at.isoformat(),
                "title": a.title,
                "body": a.body,
            }
            for a in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "kind", "competitor", "status", "created", "title")
    table.columns[1].no_wrap = True
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["competitor"] or "",
            r["status"],
            r["created_at"][:10],
            r["title"][:100],
        )
    console.print(table)


def _action(session: Session, action_id: int) -> Action:
    from veille.store.models import Action

    action = session.get(Action, action_id)
    if action is None:
        raise NotFoundError(f"no action {action_id}; `veille actions list` lists them")
    return action


@actions.command("show")
def actions_show(
    ctx: typer.Context,
    action_id: Annotated[int, typer.Argument(metavar="ID")],
    lang: Annotated[str, typer.Option("--lang", help="fr or en.", callback=language)] = "fr",
) -> None:
    """One action in full; for a communication opportunity, its drafted message."""
    ws = workspace(ctx)
    with ws.store.session() as session:
        action = _action(session, action_id)
        console.print(
            f"[bold]#{action.id} {action.kind}[/bold] · {action.competitor or ''} · {action.status}",
            highlight=False,
        )
        console.print(action.title, highlight=False, markup=False)
        draft = (action.body or {}).get("draft")
        if isinstance(draft, dict):
            console.print("")
            console.print(
                draft.get(lang) or draft.get("fr", ""), highlight=False, markup=False, soft_wrap=True
            )
            guidance = (action.body or {}).get("guidance") or {}
            console.print(f"\n[dim]{guidance.get(lang, '')}[/dim]", highlight=False)


@actions.command("done")
def actions_done(
    ctx: typer.Context,
    action_id: Annotated[int, typer.Argument(metavar="ID")],
    dismiss: Annotated[bool, typer.Option("--dismiss", help="Mark it dismissed instead of done.")] = False,
) -> None:
    """Mark an action done (or dismissed)."""
    ws = workspace(ctx)
    with ws.store.session() as session:
        action = _action(session, action_id)
        action.status = "dismissed" if dismiss else "done"
    console.print(f"action {action_id}: {'dismissed' if dismiss else 'done'}")
