"""docs/contract.md says which commands exist today and which are planned: both claims are checked
against the command tree, so the page changes with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from veille.cli.main import app

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract.md"
WORD = re.compile(r"[a-z][a-z0-9-]*")


def _command_rows() -> list[tuple[str, str]]:
    """(the command cell, its state) of every row of the "Commands" table."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `veille")]
    return [(cells[0].removeprefix("| "), cells[-1].removesuffix(" |").strip()) for cells in rows]


def _paths(cell: str) -> list[tuple[str, ...]]:
    """``veille kb import FILE`` -> ``("kb", "import")``; ``a\\|b`` gives one path per alternative."""
    paths: list[tuple[str, ...]] = []
    for span in re.findall(r"`veille ([^`]*)`", cell):
        words = span.split()
        while words and words[0].startswith("--"):  # a global option and its value, before the command
            words = words[2:]
        heads: list[tuple[str, ...]] = [()]
        for word in words:
            choices = word.split("\\|")
            if not all(WORD.fullmatch(c) for c in choices):
                break
            heads = [(*head, choice) for head in heads for choice in choices]
        paths += heads
    return paths


def _exists(path: tuple[str, ...]) -> bool:
    command: object = get_command(app)
    for name in path:
        commands = getattr(command, "commands", None) or {}
        if name not in commands:
            return False
        command = commands[name]
    return True


ROWS = _command_rows()


def test_the_contract_marks_each_command_today_or_planned() -> None:
    states = {state for _, state in ROWS}
    assert "today" in states and states <= {"today", "planned"}, states
    assert len(ROWS) >= 20


@pytest.mark.parametrize(("cell", "state"), ROWS, ids=[" ".join(_paths(cell)[0]) for cell, _ in ROWS])
def test_each_command_is_where_the_contract_says(cell: str, state: str) -> None:
    paths = _paths(cell)
    assert paths and all(paths), f"no command read from {cell!r}"
    for path in paths:
        if state == "today":
            assert _exists(path), f"docs/contract.md says `veille {' '.join(path)}` exists today; it does not"
        else:
            assert not _exists(path), (
                f"`veille {' '.join(path)}` exists now: mark it `today` in docs/contract.md"
            )
