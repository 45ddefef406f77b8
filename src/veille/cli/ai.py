"""``veille ai status``: is the model client on, where does it send, what was sent this month."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli._common import console, print_json, workspace
from veille.cli.main import app

group = typer.Typer(
    help="The model client (off by default).\n\nLe client du modèle (désactivé par défaut).",
    no_args_is_help=True,
)
app.add_typer(group, name="ai")


@group.command("status")
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON object instead of text.")] = False,
) -> None:
    """On or off, endpoint and model; calls, tokens and cost this month; the budget left."""
    from veille.ai.client import usage

    ws = workspace(ctx)
    with ws.store.session() as session:
        doc = usage(session, ws.settings)
    if as_json:
        print_json(doc)
        return
    state = "on" if doc["enabled"] else "off (VEILLE_AI_ENABLED=false: nothing is sent to any model)"
    console.print(f"AI: {state}", highlight=False)
    console.print(f"endpoint: {doc['endpoint'] or '-'}  model: {doc['model'] or '-'}", highlight=False)
    console.print(
        f"{doc['month']}: {doc['calls']} call(s) sent, {doc['cached_calls']} answered from the cache, "
        f"{doc['tokens']} token(s), about {doc['cost_eur']} EUR; "
        f"budget left {doc['budget_left']} of {doc['budget_tokens']} tokens",
        highlight=False,
    )
    for p in doc["by_purpose"]:
        console.print(
            f"  {p['purpose']}: {p['calls']} sent ({p['sent_chars']} characters), {p['cached']} cached, "
            f"{p['tokens']} tokens, {p['failed']} failed or refused",
            highlight=False,
        )
