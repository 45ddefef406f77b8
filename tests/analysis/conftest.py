"""The claim tests' workspace: the bundled analysis saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from veille.kb.store import bundled, save
from veille.workspace import Workspace


@pytest.fixture
def kb_ws(workspace: Workspace) -> Iterator[Callable[[], Any]]:
    """The workspace with the bundled analysis saved; yields ``session()`` (one transaction each)."""
    with workspace.store.session() as session:
        save(session, bundled(), "test", "seed")
    yield workspace.store.session
