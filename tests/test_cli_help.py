"""The command line's own words: help in one language per line and no type placeholder on flags,
usage errors that say what is accepted, and `serve` refusing a port in use before announcing it."""

from __future__ import annotations

import re
import socket

import pytest
from typer.main import get_command

from veille.cli._common import tidy_help, walk_commands
from veille.cli.main import app
from veille.workspace import Workspace

COMMANDS = [path for path, _ in walk_commands(tidy_help(get_command(app)))]
FRENCH = re.compile(r"\b(les|des|une|du|le|la|et|à|où|quels|saisir|relevés)\b", re.IGNORECASE)
ENGLISH = re.compile(r"\b(the|and|of|newest|every|which|where|when|by hand|prices)\b", re.IGNORECASE)


def test_every_command_has_help_checked() -> None:
    assert len(COMMANDS) > 40 and ("veille", "sources", "list") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_no_placeholder_on_flags_and_one_language_a_line(cli, path: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*path[1:], "--help")
    assert code == 0, err
    assert "<bool>" not in out
    assert "--help" in out
    for line in out.splitlines():
        text = line.strip(" │╭╮╰╯─")
        assert not (FRENCH.search(text) and ENGLISH.search(text)), f"two languages on one line: {text!r}"
        assert " / " not in text or "/api" in text, f"a line joins two texts: {text!r}"


def test_root_help_lists_each_command_in_one_language(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("--help")
    assert code == 0
    assert re.search(r"│ events\s+Detected events, newest first\.\s+│", out)
    assert "Les évènements" not in out


@pytest.mark.parametrize(
    "args",
    [
        ("report", "analysis", "--lang", "de"),
        ("kb", "export", "--lang", "de"),
        ("plan", "show", "--lang", "de"),
        ("actions", "show", "1", "--lang", "de"),
    ],
    ids=["report", "kb-export", "plan-show", "actions-show"],
)
def test_an_unknown_language_is_refused_with_the_languages_there_are(cli, tmp_path, args) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("--home", str(tmp_path / "ws"), *args)
    assert code == 2
    assert "'de' is not one of 'fr', 'en'" in err
    assert "Value error" not in err and "Traceback" not in err


def test_serve_on_a_port_in_use_fails_in_one_line_before_announcing(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, out, err = cli("--home", str(workspace.home), "serve", "--port", str(port))
    assert code == 1
    assert "dashboard on" not in out and "http://" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0], err


def test_serve_refuses_an_address_that_is_not_this_machines(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("--home", str(workspace.home), "serve", "--host", "192.0.2.1", "--port", "8000")
    assert code == 1 and "cannot listen on 192.0.2.1:8000" in err and "http://" not in out
