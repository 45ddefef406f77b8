"""``veille claims``: the analysis's claims and their verdicts against the live data (docs/claims.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import competitor as competitor_id
from veille.cli._common import console, print_json, workspace
from veille.cli.kb import AuthorOption, _author
from veille.cli.main import app

claims_app = typer.Typer(
    help="The analysis's claims checked against the live data: list, check, accept, dismiss.",
    invoke_without_command=True,
)
app.add_typer(claims_app, name="claims")


class VerdictChoice(StrEnum):
    holds = "holds"
    contradicted = "contradicted"
    weakened = "weakened"
    unverifiable = "unverifiable"
    stale = "stale"


_COLOURS = {"holds": "green", "contradicted": "red", "weakened": "yellow", "stale": "magenta"}


@claims_app.callback()
def list_claims(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="An array of claims (docs/claims.md).")] = False,
    competitor: Annotated[
        str | None, typer.Option("--competitor", help="One competitor (id or name).")
    ] = None,
    verdict: Annotated[VerdictChoice | None, typer.Option("--verdict", help="One verdict.")] = None,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            help="price_table, segmentation, matrix, strengths, weaknesses, our_advantages, threats.",
        ),
    ] = None,
) -> None:
    """List the claims with their latest verdict (as the last check after a collection left them)."""
    if ctx.invoked_subcommand is not None:
        return
    from veille.analysis.claims import stored

    who = competitor_id(ctx, competitor) if competitor else None
    with workspace(ctx).store.session() as session:
        found = stored(session, competitor=who, verdict=verdict.value if verdict else None, section=section)
    if as_json:
        print_json(found)
        return
    _table(found)


def _table(found: list[dict[str, Any]]) -> None:
    table = Table("verdict", "says", "because")
    table.add_column("id", overflow="fold")
    for claim in found:
        colour = _COLOURS.get(claim["verdict"], "white")
        mark = " (dismissed)" if claim["status"] == "dismissed" else ""
        table.add_row(
            f"[{colour}]{claim['verdict']}[/]{mark}", claim["text"]["en"], claim["reason"]["en"], claim["id"]
        )
    console.print(table)
    console.print(f"{len(found)} claim(s)")


@claims_app.command("check")
def check(ctx: typer.Context) -> None:
    """Check the claims now (the watch, replay and `prices add` do it after each collection)."""
    from veille.analysis.claims import refresh

    with workspace(ctx).store.session() as session:
        done = refresh(session, datetime.now(UTC))
    console.print(
        f"{done.claims} claim(s); {len(done.rechecked)} re-checked; {len(done.events)} newly contradicted"
    )


@claims_app.command("accept")
def accept(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="The claim's id (`veille claims`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the KB history).")] = "",
    author: AuthorOption = None,
) -> None:
    """Apply a contradicted claim's proposed revision to the knowledge base (a new revision)."""
    from veille.analysis.claims.decide import accept as accept_claim

    with workspace(ctx).store.session() as session:
        revision = accept_claim(
            session, claim_id, author=_author(author), reason=reason, now=datetime.now(UTC)
        )
    console.print(f"accepted {claim_id}: knowledge base revision {revision}")


@claims_app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="The claim's id (`veille claims`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it does not need a revision.")],
    author: AuthorOption = None,
) -> None:
    """Silence a claim until its data moves."""
    from veille.analysis.claims.decide import dismiss as dismiss_claim

    with workspace(ctx).store.session() as session:
        dismiss_claim(session, claim_id, author=_author(author), reason=reason)
    console.print(f"dismissed {claim_id} until its data moves")


@claims_app.command("tags")
def list_tags(
    ctx: typer.Context,
    competitor: Annotated[
        str | None, typer.Option("--competitor", help="One competitor (id or name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="An array of sentences (docs/claims.md).")] = False,
) -> None:
    """The analysis's sentences with their proposed and chosen tags (price, incidents, support, reviews)."""
    from veille.analysis.claims.tagging import listing
    from veille.kb.ids import resolve_competitor

    who = resolve_competitor(competitor) if competitor else None
    with workspace(ctx).store.session() as session:
        found = listing(session, who)
    if as_json:
        print_json(found)
        return
    table = Table("key", "sentence", "proposed", "chosen")
    for s in found:
        chosen = "-" if s["chosen"] is None else ",".join(s["chosen"]) or "none"
        table.add_row(s["key"], s["text"]["en"] or s["text"]["fr"], ",".join(s["proposed"]) or "-", chosen)
    console.print(table)


@claims_app.command("tag")
def tag(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="COMPETITOR:FIELD:HASH (`veille claims tags`).")],
    tags: Annotated[
        list[str], typer.Option("--as", help="price, incidents, support, reviews; or none. Repeatable.")
    ],
    author: AuthorOption = None,
) -> None:
    """Tag a sentence as a price, incident, support or review claim (replaces the proposed tags)."""
    from veille.analysis.claims.tagging import set_tags

    wanted = [t.strip() for item in tags for t in item.split(",") if t.strip() and t.strip() != "none"]
    with workspace(ctx).store.session() as session:
        done = set_tags(session, key, wanted, author=_author(author), now=datetime.now(UTC))
    console.print(
        f"{key}: {', '.join(done['chosen']) or 'none'} (checked at the next check: `veille claims check`)"
    )


@claims_app.command("untag")
def untag(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="COMPETITOR:FIELD:HASH (`veille claims tags`).")],
) -> None:
    """Go back to the tags the word lists propose for a sentence."""
    from veille.analysis.claims.tagging import clear_tags

    with workspace(ctx).store.session() as session:
        done = clear_tags(session, key)
    console.print(f"{key}: back to the proposed tags ({', '.join(done['proposed']) or 'none'})")
