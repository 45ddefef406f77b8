"""The bundled knowledge base: complete, bilingual, and the same as the seed document."""

from __future__ import annotations

from veille.kb.ids import default_records
from veille.kb.markdown_import import import_markdown, iter_texts
from veille.kb.schema import KnowledgeBase


def test_every_shipped_competitor_record_has_an_entry(kb: KnowledgeBase) -> None:
    assert [c.id for c in kb.competitors] == [r.id for r in default_records()]
    for comp in kb.competitors:
        assert comp.country and comp.tier
        if comp.id != "vmcloud":
            assert comp.website and comp.website.startswith("https://"), comp.id


def test_every_text_has_both_languages(kb: KnowledgeBase) -> None:
    missing = [t.fr for t in iter_texts(kb) if t.fr and not t.en]
    assert missing == []


def test_importing_the_seed_into_the_bundled_kb_changes_nothing(kb: KnowledgeBase, seed_clean: str) -> None:
    result = import_markdown(seed_clean, kb)
    assert result.warnings == []
    assert result.kb == kb
    assert result.untranslated == 0
