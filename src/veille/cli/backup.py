"""``veille backup DIR`` and ``veille --home NEW restore DIR``: a whole workspace out and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli._common import err_console, workspace
from veille.cli.main import app


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write the backup into.")],
) -> None:
    """Back up the workspace (database, captures, reports) with a checksummed manifest; safe while it runs.

    Sauvegarde l'espace de travail, même pendant qu'il tourne."""
    from veille.store.backup import backup

    ws = workspace(ctx)
    ws.store  # noqa: B018 - refuses a folder that holds no workspace, with the usual message
    summary = backup(ws.home, ws.settings.db_url, folder)
    err_console.print(
        f"backed up {summary.database} database and {summary.files} file(s), {summary.bytes:,} bytes, to {folder}",
        highlight=False,
    )


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A folder written by `veille backup`.")],
) -> None:
    """Restore a backup into this new, empty workspace (--home); refuses a damaged or mismatched backup.

    Restaure une sauvegarde dans un espace de travail vide ; refuse une sauvegarde abîmée."""
    from veille.store.backup import restore

    ws = workspace(ctx)
    summary = restore(folder, ws.home, ws.settings.db_url)
    err_console.print(
        f"restored {summary.database} database and {summary.files} file(s) into {ws.home}",
        highlight=False,
    )
