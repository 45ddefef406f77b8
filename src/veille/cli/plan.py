"""``veille plan``: the watch plan (what is watched, how often, what a change triggers) and its overrides."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import console, language, print_json, warn, workspace
from veille.cli.main import app
from veille.errors import ValidationError

group = typer.Typer(
    help="The watch plan: cadences and actions.\n\nLe plan de veille : fréquences et actions.",
    no_args_is_help=True,
)
app.add_typer(group, name="plan")


@group.command("show")
def show(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option("--lang", help="fr or en.", callback=language)] = "fr",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The plan's elements (from the knowledge base and the seed) and every source's cadence."""
    from sqlalchemy import select

    from veille import plan
    from veille.sources import sources
    from veille.store.models import SourceState

    ws = workspace(ctx)
    with ws.store.session() as session:
        rows = plan.plan_rows(plan.kb_watch_items(session))
        overrides = plan.load_overrides(session)
        states = {s.source_id: s for s in session.scalars(select(SourceState))}
    elements: list[dict[str, Any]] = [
        {
            "element": r.element.id,
            "label": r.element.label(lang),
            "kinds": list(r.element.kinds),
            "every": plan.format_every(r.element.every),
            "report": r.report,
            "action": r.action_en if lang == "en" else r.action_fr,
            "from_kb": r.from_kb,
        }
        for r in rows
    ]
    per_source: list[dict[str, Any]] = []
    for spec in sources():
        cad = plan.cadence(spec, overrides)
        st = states.get(spec.id)
        per_source.append(
            {
                "source": spec.id,
                "competitor": spec.competitor,
                "kind": spec.kind,
                "element": plan.element_of(spec.kind).id,
                "every": plan.format_every(cad.every),
                "every_seconds": int(cad.every.total_seconds()),
                "origin": cad.origin,
                "next_run_at": st.next_run_at.isoformat() if st and st.next_run_at else None,
            }
        )
    if as_json:
        print_json(
            {
                "elements": elements,
                "sources": per_source,
                "overrides": {"competitors": dict(overrides.competitors), "kinds": dict(overrides.kinds)},
            }
        )
        return
    from veille.cadence import describe

    table = Table(
        "element",
        "label",
        "source kinds",
        "every",
        "report",
        "action",
        title="plan de veille" if lang != "en" else "watch plan",
    )
    table.columns[3].no_wrap = True  # "toutes les heures" on one line
    for r, e in zip(rows, elements, strict=True):
        table.add_row(
            e["element"],
            e["label"],
            ", ".join(e["kinds"]) or "(manual)",
            describe(r.element.every.total_seconds(), lang) if r.element.every else "-",
            e["report"],
            e["action"],
        )
    console.print(table)
    src = Table("source", "competitor", "element", "every", "set by", "next run")
    src.columns[3].no_wrap = True
    for s in per_source:
        src.add_row(
            s["source"],
            s["competitor"] or "",
            s["element"],
            describe(s["every_seconds"], lang),
            s["origin"],
            (s["next_run_at"] or "due")[:16],
        )
    console.print(src)


@group.command("set")
def set_cadence(
    ctx: typer.Context,
    every: Annotated[str | None, typer.Option("--every", help="Interval: 5m, 2h, 1d, 1w.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="One source id.")] = None,
    competitor: Annotated[
        str | None, typer.Option("--competitor", help="Every source of a competitor.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Every source of a kind (prices, incidents...).")
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Remove the override: back to the plan's default.")
    ] = False,
) -> None:
    """Change how often a source, a competitor's sources or a kind of source run."""
    from veille import plan
    from veille.sources import get_source, sources

    scopes = [(n, v) for n, v in (("source", source), ("competitor", competitor), ("kind", kind)) if v]
    if len(scopes) != 1:
        raise typer.BadParameter("give exactly one of --source, --competitor or --kind")
    if reset == (every is not None):
        raise typer.BadParameter("give --every INTERVAL or --reset")
    scope, key = scopes[0]
    if scope == "source":
        get_source(key)
    elif (
        scope == "kind"
        and key not in {s.kind for s in sources()}
        and key not in {k for e in plan.ELEMENTS for k in e.kinds}
    ):
        raise ValidationError(f"no source kind {key!r}")
    interval = plan.parse_every(every) if every is not None else None
    ws = workspace(ctx)
    with ws.store.session() as session:
        plan.set_override(session, scope=scope, key=key, every=interval)
    console.print(
        f"{scope} {key}: {'back to the plan' if interval is None else 'every ' + plan.format_every(interval)}"
    )
    if interval is not None:
        kinds = (
            {get_source(key).kind}
            if scope == "source"
            else {key}
            if scope == "kind"
            else {s.kind for s in sources() if s.competitor == key}
        )
        for kind_name in sorted(kinds):
            floor = plan.element_of(kind_name).floor
            if interval < floor:
                warn(f"{kind_name} sources never run more often than every {plan.format_every(floor)}")
