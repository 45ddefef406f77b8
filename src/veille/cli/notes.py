"""``veille notes``: notes on competitors brought from elsewhere (LinkedIn's own exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli._common import competitor as competitor_id
from veille.cli._common import console, print_json, workspace
from veille.cli.kb import AuthorOption, _author
from veille.cli.main import app
from veille.errors import ConfigError

notes_app = typer.Typer(help="Notes on competitors: hiring and strategy signals.", no_args_is_help=True)
app.add_typer(notes_app, name="notes")


@notes_app.command("import-linkedin")
def import_linkedin(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Shares.csv of LinkedIn's data export, or pasted posts (--- between).")
    ],
    competitor: Annotated[str, typer.Option("--competitor", help="Whose posts these are (id or name).")],
    author: AuthorOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import LinkedIn posts as notes on a competitor (veille never fetches LinkedIn: its terms forbid it)."""
    from veille.analysis.linkedin import MAX_BYTES, import_posts, read_file

    who = competitor_id(ctx, competitor)
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    posts = read_file(raw)
    with workspace(ctx).store.session() as session:
        added, known = import_posts(session, posts, who, _author(author))
    hiring = sum(1 for p in posts if p.signal == "hiring")
    if as_json:
        print_json(
            {"competitor": who, "posts": len(posts), "added": added, "already_there": known, "hiring": hiring}
        )
    else:
        console.print(
            f"{who}: {added} note(s) added, {known} already there ({hiring} of {len(posts)} post(s) about hiring)",
            highlight=False,
        )
