"""The claim tests' workspace: the bundled analysis saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from veille.kb.store import bundled, save
from veille.store.db import Store


@pytest.fixture
def kb_ws(any_store: Store) -> Iterator[Callable[[], Any]]:
    """A store (SQLite, and PostgreSQL where reachable) with the bundled analysis saved; yields
    ``session()`` (one transaction each)."""
    with any_store.session() as session:
        save(session, bundled(), "test", "seed")
    yield any_store.session
