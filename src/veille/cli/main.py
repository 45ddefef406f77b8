"""The root of the ``veille`` command: global options, sub-command groups, error translation."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from veille import __version__
from veille.errors import VeilleError
from veille.workspace import Workspace

app = typer.Typer(
    name="veille",
    help="Competitive intelligence for cloud providers: the living analysis, its watch, alerts and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module registers its commands on ``app`` (or adds a group) when imported.
COMMAND_MODULES = (
    "init",
    "kb",
    "sources",
    "sources_edit",
    "watch",
    "events",
    "positioning",
    "report",
    "serve",
    "users",
    "demo",
    "held",
    "replay",
    "prices",
    "incidents",
    "signals",
    "alerts",
    "plan",
    "backup",
    "worker",
    "mcp",
    "ai",
    "claims",
    "competitors",
    "notes",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"veille {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="VEILLE_HOME", help="Workspace folder (default ./veille-data)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """veille: keep VMCloud's competitive analysis current by itself."""
    from veille.settings import load_settings  # pydantic: loaded when a command runs, not for --help

    settings = load_settings(home)
    if settings.log_format == "json" or settings.log_level.upper() != "WARNING":
        from veille.logs import configure

        configure(settings.log_format, settings.log_level)
    ctx.obj = Workspace(settings)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"veille.cli.{name}")


_register()


def main_argv(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` and return its exit status (0 ok, 1 handled error, 2 usage)."""
    from typer._click import exceptions as click_errors  # typer vendors its own click
    from typer.main import get_command

    from veille.cli._common import tidy_help, usage_message

    try:
        # ``typer.Exit(n)`` raised by a command comes back as its return value (click's non-standalone mode)
        returned = tidy_help(get_command(app)).main(args=argv, prog_name="veille", standalone_mode=False)
        if isinstance(returned, int) and not isinstance(returned, bool):
            return returned
    except VeilleError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except click_errors.ClickException as exc:
        exc.message = usage_message(exc.message)
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    return 0


def run() -> None:
    """Console-script entry point."""
    from veille.runtime import collect_less

    collect_less()
    sys.exit(main_argv())
