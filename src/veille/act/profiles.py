"""What the act layer reads from the knowledge base: a competitor's name, strategy and key message.

The knowledge base in force (``veille.kb.store.current``: the bundled analysis until a workspace has
its own revisions) is the only source; a competitor it does not know gets its id as name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from veille.kb.schema import KnowledgeBase, Text
from veille.kb.store import current

DEFAULT_STRATEGY = Text(fr="Différencier par le service", en="Differentiate through service")


@dataclass(frozen=True)
class CompetitorView:
    id: str
    name: str
    strategy: Text | None
    key_message: Text | None


def current_kb(session: Session) -> KnowledgeBase:
    """The knowledge base in force."""
    return current(session)


def competitor(
    session: Session, competitor_id: str | None, kb: KnowledgeBase | None = None
) -> CompetitorView | None:
    """The name, strategy and key message of ``competitor_id`` (None without an id)."""
    if not competitor_id:
        return None
    kb = kb if kb is not None else current(session)
    entry = next((c for c in kb.competitors if c.id == competitor_id), None)
    if entry is None:
        return CompetitorView(competitor_id, competitor_id, None, None)
    return CompetitorView(competitor_id, entry.name, entry.strategy, entry.key_message)
