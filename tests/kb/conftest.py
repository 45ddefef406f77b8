"""Fixtures of the knowledge-base tests: the bundled analysis and the two seed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.kb.schema import KnowledgeBase
from veille.kb.store import bundled


@pytest.fixture
def kb() -> KnowledgeBase:
    """A fresh copy of the bundled knowledge base."""
    return bundled()


@pytest.fixture(scope="session")
def seed_clean(seed_dir: Path) -> str:
    return (seed_dir / "analyse-concurrentielle.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_original(seed_dir: Path) -> str:
    return (seed_dir / "analyse-concurrentielle.original.md").read_text(encoding="utf-8")


@pytest.fixture(params=["seed", "export"])
def analysis(request: pytest.FixtureRequest) -> str:
    """A French analysis in the seed's format: the seed itself (``tests/fixtures/seed``) and veille's own
    export of the bundled knowledge base, so the importer also reads a document veille wrote."""
    if request.param == "seed":
        seed_dir: Path = request.getfixturevalue("seed_dir")
        return (seed_dir / "analyse-concurrentielle.md").read_text(encoding="utf-8")
    from veille.kb.markdown_export import render_markdown

    return render_markdown(bundled(), "fr")
