"""What the registry's docstring says a new source or competitor needs is what the code asks for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

import veille.sources._registry as registry
from veille.errors import NotFoundError
from veille.kb.ids import competitor_ids, resolve_competitor
from veille.kb.store import bundled
from veille.sources import sources

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_names_a_competitor_veille_knows() -> None:
    unknown = {spec.competitor for spec in sources()} - {None, *competitor_ids()}
    assert not unknown, f"sources name competitors missing from the competitor records: {unknown}"


def test_an_unknown_competitor_is_refused_where_the_docstring_says() -> None:
    with pytest.raises(NotFoundError):
        resolve_competitor("newcloud")
    data = bundled().model_dump()
    data["competitors"][1]["id"] = "newcloud"
    with pytest.raises(ValidationError, match="unknown competitor id"):
        type(bundled()).model_validate(data)


def test_the_files_the_docstring_names_exist() -> None:
    doc = registry.__doc__ or ""
    assert "a new competitor needs no code" in " ".join(doc.lower().split())
    for path in re.findall(r"(?:tests|docs)/[\w/.]+\.(?:py|md)", doc):
        assert (ROOT / path).is_file(), path
    assert (ROOT / "src" / "veille" / "kb" / "data").is_dir()
    assert (
        "veille/sources/data/watchlist.yaml" in doc
        and (ROOT / "src" / "veille" / "sources" / "data" / "watchlist.yaml").is_file()
    )
    assert "FIXTURE_CASES" in (ROOT / "tests" / "test_contract.py").read_text(encoding="utf-8")
