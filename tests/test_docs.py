"""Docs stay true to the code: every CLI command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command

from veille.cli.main import app
from veille.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _command_paths() -> list[str]:
    root = get_command(app)
    paths: list[str] = []

    def walk(cmd: object, prefix: str) -> None:
        commands = getattr(cmd, "commands", None)
        if not commands:
            paths.append(prefix)
            return
        for name, sub in commands.items():
            if getattr(sub, "hidden", False):
                continue
            walk(sub, f"{prefix} {name}".strip())

    walk(root, "")
    return paths


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [p for p in _command_paths() if f"veille {p}" not in text]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [f"VEILLE_{n.upper()}" for n in Settings.model_fields if f"VEILLE_{n.upper()}" not in text]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_readme_shows_quick_start() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme and "docs/" in readme


def test_typer_app_loads() -> None:
    assert isinstance(app, typer.Typer)
