"""``veille serve``: the web dashboard and REST API (uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from veille.cli._common import console, workspace
from veille.cli.main import app


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            "--forwarded-allow-ips",
            help="Comma-separated proxy addresses trusted for X-Forwarded-Proto/For (TLS in front).",
        ),
    ] = "127.0.0.1",
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the web dashboard and the REST API (/api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from veille.web.app import create_app
    from veille.web.serving import configure, server_options

    ws = workspace(ctx)
    ws.store  # noqa: B018 - fail early, with one clear line, if the workspace is not initialised
    console.print(
        f"veille dashboard on http://{host}:{port}/ (workspace {ws.home.resolve()})", highlight=False
    )
    options = server_options(ws.settings, host, port, forwarded_allow_ips)
    configure(ws.settings)
    if workers == 1:
        uvicorn.run(create_app(ws, warm=True), **options)
        return
    # Several processes: each builds the app from the environment, so pass the workspace on.
    os.environ["VEILLE_HOME"] = str(ws.home.resolve())
    if ws.settings.database_url:
        os.environ["VEILLE_DATABASE_URL"] = ws.settings.database_url
    for name in ("web_header_timeout", "web_connections_per_client"):  # read again by each worker
        os.environ["VEILLE_" + name.upper()] = str(getattr(ws.settings, name))
    if ws.settings.secret_key is None:
        from veille.web.security import secret_key

        os.environ["VEILLE_SECRET_KEY"] = secret_key(ws.store, None)  # the same key in every worker
    uvicorn.run("veille.web.app:create_app_from_env", factory=True, workers=workers, **options)
