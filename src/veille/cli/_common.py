"""Shared helpers of the CLI: the workspace in force, console output, JSON printing."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
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


def walk_commands(command: Any, path: tuple[str, ...] = ("veille",)) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (itself first), with its path of names."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk_commands(sub, (*path, name))


def tidy_help(root: Any) -> Any:
    """``root`` with flags (``--json``, ``--help``...) shown without a type placeholder: a flag takes no
    value, so typer's ``<bool>`` in the help only misleads."""
    from typer._click import Context

    for _, command in walk_commands(root):
        help_option = command.get_help_option(Context(command))
        for param in [*command.params, help_option]:
            if param is not None and getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
    return root


LANGUAGES = ("fr", "en")


def language(value: str) -> str:
    """``--lang``'s check where it is a plain string: one of the languages veille writes, else a usage
    error that lists them."""
    if value not in LANGUAGES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(repr(v) for v in LANGUAGES)}.")
    return value


VALUE_ERROR_PREFIX = "Value error, "


def usage_message(message: str) -> str:
    """A usage error's message without the validation library's "Value error, " label (the rest says
    what was given and what is accepted)."""
    return message.replace(VALUE_ERROR_PREFIX, "")


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
