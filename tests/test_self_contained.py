"""The repository stands alone: the real payloads and the seed are in ``tests/fixtures`` with their
provenance, and nothing in ``src/``, ``tests/`` or ``docs/`` points at a file outside the repository."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REFERENCE = FIXTURES / "reference"
SEED = FIXTURES / "seed"
ORIGINAL_SHA256 = "6faf5cb21bb5084a71bb29a2d97c602dad94014576b3c36701860736a01b7364"

# Names of files that live beside the repository, never in it (spelled in parts so this file does not
# match its own pattern).
OUTSIDE = re.compile(
    r"\.\./" + "shared|" + "|".join(re.escape(n + ".md") for n in ("CONTRACT", "DESIGN", "SOURCES"))
)
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".html",
    ".txt",
    ".toml",
    ".cfg",
    ".ini",
    ".yaml",
    ".yml",
    ".json",
    ".js",
    ".css",
}


def _payloads() -> list[Path]:
    return sorted(
        p
        for p in REFERENCE.rglob("*")
        if p.is_file() and p.name != "README.md" and not p.name.endswith(".source.txt")
    )


def _expand(name: str) -> list[str]:
    """``a_{x,y}.json`` -> ``a_x.json``, ``a_y.json`` (the README's shorthand for several files)."""
    match = re.search(r"\{([^}]*)\}", name)
    if not match:
        return [name]
    return [
        full
        for alt in match[1].split(",")
        for full in _expand(name[: match.start()] + alt + name[match.end() :])
    ]


def test_the_reference_payloads_are_in_the_repository() -> None:
    table = (REFERENCE / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| ((?:pricing|signals)/[^ |]+)", table, flags=re.MULTILINE)
    assert len(listed) >= 20, "the table of reference/README.md lists the payloads"
    for entry in listed:
        for name in _expand(entry):
            assert list(REFERENCE.glob(name)), (
                f"{name} is listed in reference/README.md but not in {REFERENCE}"
            )


@pytest.mark.parametrize("payload", _payloads(), ids=lambda p: p.name)
def test_every_reference_payload_says_where_it_came_from(payload: Path) -> None:
    source = payload.with_name(payload.name + ".source.txt")
    assert source.is_file(), f"{payload.name} has no provenance file beside it"
    text = source.read_text(encoding="utf-8")
    for field in ("taken from:", "served by:", "what it is:", "changed:", "read by:"):
        assert field in text, f"{source.name}: no {field!r} line"
    assert "github.com/" in text and "commit " in text, f"{source.name}: no repository and commit"


def test_the_seed_is_in_the_repository_clean_and_mis_encoded() -> None:
    clean = (SEED / "analyse-concurrentielle.md").read_text(encoding="utf-8")
    original = (SEED / "analyse-concurrentielle.original.md").read_bytes()
    assert "Dernière mise à jour" in clean and "Ã" not in clean
    assert "DerniÃ¨re".encode() in original and "DÃ©cembre".encode() in original
    # byte for byte as it was handed over: an editor that re-saves it (and mends or re-encodes it) shows here
    assert hashlib.sha256(original).hexdigest() == ORIGINAL_SHA256
    assert "analyse-concurrentielle.original.md" in (SEED / "README.md").read_text(encoding="utf-8")


def _text_files(folder: Path) -> list[Path]:
    return [
        p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES and "vendor" not in p.parts
    ]


@pytest.mark.parametrize("folder", ["src", "tests", "docs"])
def test_nothing_cites_a_file_outside_the_repository(folder: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _text_files(ROOT / folder)
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, f"lines citing files outside the repository: {found}"
