"""Shared helpers of the CLI: the workspace in force, console output, JSON printing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import orjson
import typer
from rich.console import Console

from veille.workspace import Workspace

console = Console()
err_console = Console(stderr=True)


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace chosen by ``--home`` / ``VEILLE_HOME`` (kept on the root context)."""
    root = ctx.find_root()
    ws = root.obj
    if not isinstance(ws, Workspace):
        ws = Workspace()
        root.obj = ws
    ws.load_competitors()  # names given on the command line resolve against this workspace's records
    return ws


def competitor(ctx: typer.Context, name: str) -> str:
    """The id of the competitor ``name`` names, among the workspace's records."""
    from veille.kb.ids import resolve_competitor

    workspace(ctx)
    return resolve_competitor(name)


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout (decimals and dates must already be strings)."""
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


def check_claims(ws: Workspace, now: Any, statuses: Sequence[str]) -> None:
    """Re-check the analysis's claims after a collection that stored data (docs/claims.md); says on
    stderr how many were re-checked and how many turned contradicted. A failure is one warning: the
    collection itself is stored."""
    from veille.analysis.claims.check import after_collection

    try:
        done = after_collection(ws.store, now, statuses)
    except Exception as exc:  # what was collected is stored; the next collection checks again
        warn(f"the analysis's claims were not checked: {type(exc).__name__}: {exc}")
        return
    if done is not None and done.rechecked:
        err_console.print(
            f"claims: {len(done.rechecked)} re-checked, {len(done.events)} newly contradicted "
            "(`veille claims --verdict contradicted`)",
            highlight=False,
        )
