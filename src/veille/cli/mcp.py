"""``veille mcp``: the assistant interface, an MCP server with read-only tools."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from veille.cli._common import err_console, workspace
from veille.cli.main import app
from veille.errors import ValidationError


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


def _read_token(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"cannot read the token file {path}: not UTF-8 text") from None


@app.command("mcp")
def mcp(
    ctx: typer.Context,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="File holding the API token (else VEILLE_MCP_TOKEN)."),
    ] = None,
    transport: Annotated[
        Transport, typer.Option("--transport", help="stdio (the assistant starts veille) or http.")
    ] = Transport.stdio,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (http).")] = 8765,
) -> None:
    """Serve read-only tools to an AI assistant over MCP: positioning, events, battlecard, search.

    It acts for the owner of an API token (`veille users token NAME`) with a viewer's rights.
    """
    import os

    from veille.web import mcp as server

    token = _read_token(token_file) if token_file is not None else os.environ.get("VEILLE_MCP_TOKEN", "")
    ws = workspace(ctx)
    who = server.principal_for(ws, token)
    if transport is Transport.http:
        err_console.print(
            f"veille MCP server for {who.name} on http://{host}:{port}/mcp (bearer token required)",
            highlight=False,
        )
        server.serve_http(ws, token.strip(), host, port)
        return
    err_console.print(f"veille MCP server for {who.name} on stdio", highlight=False)
    server.serve_stdio(ws, token.strip())
