"""``veille sources``: list sources and parsers, run a parser on saved bodies, switch sources on and off."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import console, print_json, workspace
from veille.cli.kb import AuthorOption, MessageOption
from veille.cli.main import app
from veille.errors import NotFoundError, ValidationError

# The source registry (every provider's parsers) loads inside each command, not for --help.

group = typer.Typer(
    help="Sources of the watch and their parsers.\n\nLes sources de la veille et leurs parseurs.",
    no_args_is_help=True,
)
app.add_typer(group, name="sources")


def _cadence(seconds: float) -> str:
    """The compact form of the JSON output (10min, 6h, 1d)."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


@group.command("list")
def list_sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array instead of a table.")] = False,
) -> None:
    """Every configured source: id, competitor, kind, url, cadence, enabled, why disabled, last run."""
    from veille.ai.client import latest_calls
    from veille.collect.select import states, why_disabled
    from veille.sources import sources

    ws = workspace(ctx)
    with ws.store.session() as session:
        known = states(session)
        readings = latest_calls(session)
        rows: list[dict[str, Any]] = []
        for spec in sources():
            st = known.get(spec.id)
            reason = why_disabled(spec, ws.settings, st)
            cadence = st.cadence_seconds if st and st.cadence_seconds else spec.cadence.total_seconds()
            rows.append(
                {
                    "id": spec.id,
                    "competitor": spec.competitor,
                    "kind": spec.kind,
                    "parser": spec.parser,
                    "url": spec.url,
                    "cadence": _cadence(cadence),
                    "cadence_seconds": int(cadence),
                    "enabled": reason is None,
                    "why_disabled": reason,
                    "last_run_at": st.last_run_at.isoformat() if st and st.last_run_at else None,
                    "last_status": st.last_status if st else None,
                    "last_error": st.last_error if st else None,
                    "consecutive_failures": st.consecutive_failures if st else 0,
                    "next_run_at": st.next_run_at.isoformat() if st and st.next_run_at else None,
                    "model": readings.get(spec.id),  # the latest model reading: offers kept, rejected and why
                }
            )
    if as_json:
        print_json(rows)
        return
    _print_sources(rows)


def _print_sources(rows: list[dict[str, Any]]) -> None:
    """The sources as a table, cadences in words ("every 10 min", "hourly", "daily")."""
    from veille.cadence import describe

    table = Table("id", "competitor", "kind", "cadence", "enabled", "last run", "status")
    table.columns[0].overflow = "fold"
    table.columns[3].no_wrap, table.columns[3].min_width = True, len("every 10 min")
    for row in rows:
        enabled = "yes" if row["enabled"] else f"no: {row['why_disabled']}"
        status = row["last_status"] or "-"
        if row["last_error"]:
            status += f": {row['last_error'][:60]}"
        if row["model"]:
            status += _model_note(row["model"])
        table.add_row(
            row["id"],
            row["competitor"] or "-",
            row["kind"],
            describe(row["cadence_seconds"]),
            enabled,
            (row["last_run_at"] or "never")[:16],
            status,
        )
    console.print(table)


@group.command("show")
def show(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="A JSON object instead of text.")] = False,
) -> None:
    """One source: what it reads, its state, its recent runs and errors, the model's readings."""
    from sqlalchemy import select

    from veille.ai.client import recent_calls
    from veille.sources import get_source
    from veille.store.models import SourceRun

    store = workspace(ctx).store  # opened first: it installs the workspace's own sources
    spec = get_source(source_id)
    with store.session() as session:
        runs = session.scalars(
            select(SourceRun).where(SourceRun.source_id == spec.id).order_by(SourceRun.id.desc()).limit(10)
        ).all()
        doc: dict[str, Any] = {
            "id": spec.id, "competitor": spec.competitor, "kind": spec.kind, "parser": spec.parser, "url": spec.url,
            "runs": [{"id": r.id, "started_at": r.started_at.isoformat(), "status": r.status,
                      "observations": r.observations, "events": r.events, "error": r.error} for r in runs],
            "model_readings": [{**c, "at": c["at"].isoformat()} for c in recent_calls(session, spec.id)],
        }  # fmt: skip
    if as_json:
        print_json(doc)
        return
    console.print(f"{spec.id} ({spec.competitor or '-'}, {spec.kind}): {spec.url}", highlight=False)
    for run in doc["runs"]:
        error = f": {run['error']}" if run["error"] else ""
        console.print(f"  run {run['id']} {run['started_at'][:16]} {run['status']}{error}", highlight=False)
    for call in doc["model_readings"]:
        console.print(
            f"  model {call['at'][:16]} {call['model']} {call['status']}{_model_note(call)}", highlight=False
        )
        for rejected in call["rejected"]:
            console.print(f"    rejected {rejected['offer']}: {rejected['reason']}", highlight=False)


def _model_note(call: dict[str, Any]) -> str:
    if call["error"]:
        return f" · model: {call['error'][:60]}"
    rejected = call["rejected"] or []
    why = f" ({rejected[0]['reason']}{'...' if len(rejected) > 1 else ''})" if rejected else ""
    return f" · model: {call['accepted'] or 0} kept, {len(rejected)} rejected{why}"


@group.command("parsers")
def list_parsers(
    as_json: Annotated[bool, typer.Option("--json", help="JSON array instead of a table.")] = False,
) -> None:
    """Every parser id with what it reads."""
    from veille.sources import parsers

    rows = [{"id": p.id, "reads": p.reads, "streaming": p.streaming, "module": p.module} for p in parsers()]
    if as_json:
        print_json(rows)
        return
    table = Table("parser", "reads", "streaming")
    for row in rows:
        table.add_row(str(row["id"]), str(row["reads"]), "yes" if row["streaming"] else "")
    console.print(table)


@group.command("parse")
def parse_files(
    parser_id: Annotated[str, typer.Argument(metavar="PARSER", help="Parser id, e.g. hetzner.server_types.")],
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Saved response bodies.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON array of observations.")] = False,
    competitor: Annotated[
        str | None, typer.Option(help="Competitor id to assume (default: the parser's source).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="URL the body came from (default: the parser's source URL).")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="KEY=VALUE: a source option (selectors, field map)."),
    ] = None,
) -> None:
    """Run one parser on saved bodies: no network, no database; prints the observations."""
    from datetime import UTC, datetime

    from veille.sources import ParseContext, get_parser, parse_body, sources

    info = get_parser(parser_id)
    spec = next((s for s in sources() if s.parser == parser_id), None)
    # a parser shared by several competitors' sources (skypilot.vms) gets none unless told
    owners = {s.competitor for s in sources() if s.parser == parser_id}
    default_competitor = owners.pop() if len(owners) == 1 else None
    merge = getattr(info.func, "merge_pages", None)
    bodies: list[tuple[Path, bytes | None]] = [(path, None) for path in files]
    if merge is not None and len(files) > 1 and not info.streaming:  # pages parsed as one (gcp.skus)
        missing = [path for path in files if not path.is_file()]
        if missing:
            raise NotFoundError(f"no such file: {missing[0]}")
        bodies = [(files[0], merge([path.read_bytes() for path in files]))]
    observations: list[Any] = []
    for path, merged in bodies:
        if not path.is_file():
            raise NotFoundError(f"no such file: {path}")
        ctx = ParseContext(
            source_id=spec.id if spec else parser_id,
            competitor=competitor or default_competitor,
            url=url or (spec.url if spec else path.resolve().as_uri()),
            fetched_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
            params=dict(spec.params) if spec else {},
            options=_parse_options(option, spec),
        )
        if info.streaming:
            with path.open("rb") as handle:
                observations.extend(parse_body(parser_id, handle, ctx))
        else:
            observations.extend(
                parse_body(parser_id, merged if merged is not None else path.read_bytes(), ctx)
            )
    if as_json:
        print_json([o.to_dict() for o in observations])
        return
    table = Table("type", "id / sku", "name / title", "details")
    for obs in observations:
        data = obs.to_dict()
        ident = str(data.get("sku") or data.get("id") or data.get("currency") or "")
        if data.get("region"):  # one offer per region: say which
            ident += f" @ {data['region']}"
        if data.get("billing") not in (None, "on_demand"):
            ident += f" ({data['billing']})"
        name = data.get("name") or data.get("title") or ""
        details = {
            k: v
            for k, v in data.items()
            if k not in ("type", "sku", "id", "name", "title", "extra", "region", "billing")
            and v not in (None, "", [])
        }
        table.add_row(
            str(data["type"]),
            str(ident),
            str(name)[:50],
            ", ".join(f"{k}={v}" for k, v in list(details.items())[:8]),
        )
    console.print(table)
    console.print(f"{len(observations)} observation(s)")


def option_pairs(pairs: list[str] | None) -> dict[str, str]:
    """``--option KEY=VALUE`` pairs as a mapping; a pair without ``=`` is refused."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--option {pair!r}: write KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _parse_options(pairs: list[str] | None, spec: Any) -> dict[str, Any]:
    """``--option KEY=VALUE`` given, else the options of the parser's source (if any)."""
    if pairs:
        return option_pairs(pairs)
    return dict(spec.options) if spec else {}


def _switch(
    ctx: typer.Context, source_id: str, enabled: bool, author: str | None, message: str | None
) -> None:
    from veille.cli.kb import _author
    from veille.collect.lease import state
    from veille.source_records import revise
    from veille.sources import get_source

    ws = workspace(ctx)
    ws.store  # noqa: B018 - installs the workspace's own sources
    spec = get_source(source_id)
    if enabled and spec.credential and not ws.settings.credential(spec.credential):
        raise ValidationError(f"source {spec.id} needs VEILLE_{spec.credential.upper()}; set it first")
    action = "enable" if enabled else "disable"
    with ws.store.session() as session:
        state(session, spec.id).enabled = enabled
        revise(session, spec.id, action=action, author=_author(author), message=message or action, entry=None)
    console.print(f"{spec.id}: {'enabled' if enabled else 'disabled'}")


@group.command("enable")
def enable(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Switch a source on (also an unverified or off-by-default one)."""
    _switch(ctx, source_id, True, author, message)


@group.command("disable")
def disable(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(metavar="ID")],
    author: AuthorOption = None,
    message: MessageOption = None,
) -> None:
    """Switch a source off."""
    _switch(ctx, source_id, False, author, message)
