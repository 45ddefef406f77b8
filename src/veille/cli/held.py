"""``veille held``: the price snapshots held by the plausibility gate, and accepting or rejecting them.

``veille review`` is the same group under its former name, deprecated (kept for one release).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from veille.store.models import EventRow

group = typer.Typer(
    help="Price snapshots held as suspect.\n\nRelevés de prix retenus comme suspects.", no_args_is_help=True
)
app.add_typer(group, name="held")
app.add_typer(
    group,
    name="review",
    deprecated=True,
    help="Deprecated: use `veille held`.\n\nObsolète : utiliser `veille held`.",
    no_args_is_help=True,
)


def _held_dict(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "source_id": row.source_id,
        "run_id": row.data.get("run_id"),
        "competitor": row.competitor,
        "detected_at": row.detected_at.isoformat(),
        "status": row.status,
        "reasons": row.data.get("reasons", []),
        "offers": row.data.get("offers"),
        "previous_offers": row.data.get("previous_offers"),
        "held_events": row.data.get("held_events"),
        "title": row.title,
    }


@group.command("list")
def list_held(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Also the settled ones.")] = False,
) -> None:
    """Held snapshots waiting for a decision (newest first)."""
    from sqlalchemy import select

    from veille.store.models import EventRow

    query = select(EventRow).where(EventRow.kind == "price_review").order_by(EventRow.id.desc())
    if not all_:
        query = query.where(EventRow.status == "open")
    with workspace(ctx).store.session() as session:
        rows = [_held_dict(r) for r in session.scalars(query)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nothing held")
        return
    table = Table("id", "run", "source", "detected", "status", "why held")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["run_id"]),
            row["source_id"] or "-",
            row["detected_at"][:16],
            row["status"],
            "; ".join(row["reasons"]),
        )
    console.print(table)


def _settle(ctx: typer.Context, ident: str, accept: bool) -> None:
    from veille.collect.record import decide_held
    from veille.detect import gate

    now = datetime.now(UTC)
    with workspace(ctx).store.session() as session:
        review = gate.find_review(session, ident)
        if review is None:
            raise NotFoundError(f"no held price snapshot {ident!r}; `veille held list` shows them")
        if review.status != "open":
            raise ValidationError(f"held snapshot {review.id} is already {review.status}")
        note = "accepted by a person" if accept else "rejected by a person"
        events = decide_held(session, review, accept=accept, now=now, note=note)
        if accept:
            message = f"accepted review {review.id} (run {review.data.get('run_id')}): {len(events)} event(s) released"
        else:
            message = (
                f"rejected review {review.id} (run {review.data.get('run_id')}): its figures are discarded"
            )
    console.print(message)


@group.command("accept")
def accept(
    ctx: typer.Context,
    ident: Annotated[
        str, typer.Argument(metavar="RUN_OR_EVENT_ID", help="Review or held event id, or run:N.")
    ],
) -> None:
    """Believe a held snapshot: its prices become current and its events are released."""
    _settle(ctx, ident, True)


@group.command("reject")
def reject(
    ctx: typer.Context,
    ident: Annotated[
        str, typer.Argument(metavar="RUN_OR_EVENT_ID", help="Review or held event id, or run:N.")
    ],
) -> None:
    """Discard a held snapshot: the previous prices stay current and its events are dismissed."""
    _settle(ctx, ident, False)
