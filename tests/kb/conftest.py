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
