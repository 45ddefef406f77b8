"""``veille init``: create or migrate the workspace and load the bundled knowledge base."""

from __future__ import annotations

import typer

from veille.cli._common import console, workspace
from veille.cli.main import app


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or migrate the workspace and load the bundled knowledge base (idempotent)."""
    ws = workspace(ctx)
    store, migrated = ws.init_store()
    console.print(f"workspace {ws.home.resolve()}: schema {'migrated' if migrated else 'up to date'}")
    from veille.act.rules import ensure_defaults

    with store.session() as session:
        if ensure_defaults(session):
            console.print("alerts: created the default rules and channels (`veille alerts rules list`)")
    from veille.kb.store import load_bundled

    revision = load_bundled(store)
    if revision is None:
        console.print("knowledge base: unchanged")
    else:
        console.print(f"knowledge base: loaded the bundled analysis as revision {revision}")
    if store.engine.dialect.name == "postgresql":
        from veille.watch.tasks import ensure_queue_schema

        if ensure_queue_schema(ws):
            console.print("task queue: installed (`veille worker` runs queued sources)")
