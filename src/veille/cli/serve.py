"""``veille serve``: the web dashboard and REST API (uvicorn)."""

from __future__ import annotations

import errno
import os
import socket
from typing import Annotated

import typer

from veille.cli._common import console, workspace
from veille.cli.main import app
from veille.errors import VeilleError


def check_address(host: str, port: int) -> None:
    """Fail with one clear line if ``host:port`` cannot be listened on (another server holds it, or
    the address is not this machine's), before anything announces it. The probe binds as uvicorn does
    (SO_REUSEADDR, so a closed connection's TIME_WAIT is no obstacle) and lets go at once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise VeilleError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise VeilleError(
                    f"port {port} on {host} is already in use (another veille serve?): stop it or choose "
                    "another --port"
                ) from None
            raise VeilleError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


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
    check_address(host, port)
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
