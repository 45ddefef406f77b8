"""``veille worker``: run queued sources (PostgreSQL workspaces), on this machine or any other."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli._common import err_console, workspace
from veille.cli.main import app


@app.command("worker")
def worker(
    ctx: typer.Context,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            "--queue", help="Serve only this queue (repeatable): sources, catalogues. Default: both."
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=256, help="Sources run at once by this worker.")
    ] = 4,
) -> None:
    """Run the sources that `veille watch` queues, until SIGTERM (PostgreSQL workspaces).

    Exécute les sources mises en file par `veille watch` (espaces PostgreSQL)."""
    from veille.errors import ValidationError
    from veille.watch.tasks import QUEUES, ensure_queue_schema, make_app, worker_options

    ws = workspace(ctx)
    unknown = [q for q in queue or () if q not in QUEUES]
    if unknown:
        raise ValidationError(f"unknown queue {unknown[0]!r} (queues: {', '.join(QUEUES)})")
    engine = make_app(ws)
    ensure_queue_schema(ws)
    served = ", ".join(queue or QUEUES)
    err_console.print(
        f"worker: serving {served} with {concurrency} at once; SIGTERM stops it", highlight=False
    )
    engine.run_worker(**worker_options(ws, queue, concurrency))
    err_console.print("worker: stopped", highlight=False)
