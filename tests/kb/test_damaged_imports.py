"""The importer on damaged variants of the seed: other figures, a missing section, extra rows, garbled
tables, the same encoding damage on other French text, and files that are not analyses at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.kb.damage import damage

from veille.errors import ImportFormatError
from veille.kb.importing import decode, import_document
from veille.kb.markdown_export import render_markdown
from veille.kb.markdown_import import import_markdown
from veille.kb.schema import KnowledgeBase


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def test_other_figures_are_read(kb: KnowledgeBase, analysis: str) -> None:
    doc = replace_once(analysis, "| **Support** | ●●●●● | ●○○○○ |", "| **Support** | ●●●●● | ●●●○○ |")
    doc = replace_once(doc, "| VPS Entry (2vCPU/4GB) | 49€ |", "| VPS Entry (2vCPU/4GB) | 1 049,90€ |")
    doc = replace_once(doc, "| GPU A100 | 2 319€ | N/A |", "| GPU A100 | 2 319€ | 2 100€ |")
    doc = replace_once(doc, "| **Hetzner** | 🟢 FAIBLE |", "| **Hetzner** | 🔴 ÉLEVÉ |")
    doc = replace_once(doc, '"Cloud pro, simplement"', '"Le cloud pro, sans détour"')
    doc = replace_once(
        doc,
        "| Ressources | Ils ont plus de moyens | Élevée |",
        "| Ressources | Ils ont plus de moyens | Faible |",
    )
    result = import_markdown(doc, kb)
    new = result.kb
    assert new.matrix.scores["ovhcloud"]["support"] == 3
    assert new.price_table.prices["vps-entry"]["vmcloud"].amount == Decimal("1049.9")  # type: ignore[union-attr]
    assert new.price_table.prices["gpu-a100"]["ovhcloud"].amount == Decimal("2100")  # type: ignore[union-attr]
    assert new.competitor("hetzner").threat == "high"
    assert new.competitor("scaleway").key_message.fr == "Le cloud pro, sans détour"  # type: ignore[union-attr]
    assert new.competitor("scaleway").key_message.en == ""  # type: ignore[union-attr]  # no stale translation
    assert result.untranslated == 1
    assert new.threats[0].aspects[1].probability == "low"
    # everything else is untouched
    assert new.matrix.scores["ovhcloud"]["price"] == 5
    assert new.competitor("hetzner").threat_reason == kb.competitor("hetzner").threat_reason


def _drop_section(doc: str, number: int) -> str:
    start = doc.index(f"\n## {number}. ")
    end = doc.index(f"\n## {number + 1}. ")
    return doc[:start] + doc[end:]


def test_a_missing_section_is_kept_from_the_current_data_with_a_warning(
    kb: KnowledgeBase, analysis: str
) -> None:
    result = import_markdown(_drop_section(analysis, 8), kb)
    assert any("section 8" in w and "missing" in w for w in result.warnings)
    assert result.kb.opportunities == kb.opportunities
    assert result.kb == kb


def test_an_extra_row_is_imported(kb: KnowledgeBase, analysis: str) -> None:
    doc = replace_once(
        analysis,
        "| **Image/Brand** | ●●○○○ | ●●●○○ | ●●●○○ | ●●○○○ | ●●●●○ | ●●●●○ |\n",
        "| **Image/Brand** | ●●○○○ | ●●●○○ | ●●●○○ | ●●○○○ | ●●●●○ | ●●●●○ |\n"
        "| **Green IT** | ●●●●○ | ●●●○○ | ●●●○○ | ●●●○○ | ●●●●● | ●○○○○ |\n",
    )
    doc = replace_once(
        doc,
        "| Storage/TB | 100€ |",
        "| GPU H100 | 2 990€ | N/A | 2 500€ | N/A | 3 400$ |\n| Storage/TB | 100€ |",
    )
    doc = replace_once(doc, "| Levées de fonds | Immédiat | Adapter notre positionnement |",
                       "| Levées de fonds | Immédiat | Adapter notre positionnement |\n"
                       "| Avis clients | Hebdomadaire | Répondre publiquement |")  # fmt: skip
    new = import_markdown(doc, kb).kb
    assert new.matrix.criteria[-1].id == "green-it"
    assert new.matrix.scores["infomaniak"]["green-it"] == 5
    assert sum(len(r) for r in new.matrix.scores.values()) == 66
    h100 = new.product("gpu-h100")
    assert h100.spec.category == "gpu" and h100.spec.gpu_model == "NVIDIA H100 80GB"
    assert new.price_table.prices["gpu-h100"]["digitalocean"].currency == "USD"  # type: ignore[union-attr]
    assert new.product("gpu-t4").spec.gpu_model == "NVIDIA T4 16GB"
    assert new.watch_items[-1].cadence == "weekly" and new.watch_items[-1].id == "avis-clients"


def test_an_unknown_competitor_in_a_table_is_an_error(kb: KnowledgeBase, analysis: str) -> None:
    doc = replace_once(analysis, "| **Hetzner** | 🟢 FAIBLE |", "| **Acme Cloud** | 🟢 FAIBLE |")
    with pytest.raises(ImportFormatError, match="unknown competitor 'Acme Cloud'"):
        import_markdown(doc, kb)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("| **Support** | ●●●●● | ●○○○○ |", "| **Support** | ●●●●● |", r"line \d+: comparison matrix: row has 6 cells, the header has 7"),
        ("| **Support** | ●●●●● | ●○○○○ |", "| **Support** | ●●●●● | ●○○○ |", r"Support: expected five score dots"),
        ("| VPS Pro (8vCPU/32GB) | 399€ |", "| VPS Pro (8vCPU/32GB) | beaucoup |", r"not a price like"),
        ("| **Infomaniak** | 🔴 ÉLEVÉ |", "| **Infomaniak** | 🔴 FAIBLE |", r"the emoji and the word disagree"),
        ("| Crédibilité | Ils ont déjà une marque | Moyenne |", "| Crédibilité | Ils ont déjà une marque | Souvent |", r"not a level"),
        ("|------|------------|------------|", "|------|------------|", r"separator has"),
        ("├── 💪 FORCES\n│   ├── Leader européen incontesté", "├── 💪 FORCES\n│           ├── Leader européen incontesté", r"not a tree branch|indented too far"),
    ],
)  # fmt: skip
def test_a_garbled_table_is_a_clear_error(
    kb: KnowledgeBase, analysis: str, old: str, new: str, message: str
) -> None:
    with pytest.raises(ImportFormatError, match=message):
        import_markdown(replace_once(analysis, old, new), kb)


def test_an_unknown_section_is_kept_as_free_text(kb: KnowledgeBase, analysis: str) -> None:
    extra = "## 13. Annexe : sources\n\nListe des sources consultées.\n\n- Gartner\n- IDC\n\n---\n\n"
    doc = replace_once(analysis, "*Document confidentiel.", extra + "*Document confidentiel.")
    doc = replace_once(
        doc,
        "### Régions sous-exploitées",
        "### Idées en vrac\n\nUn paragraphe libre.\n\n### Régions sous-exploitées",
    )
    result = import_markdown(doc, kb)
    assert any("13. Annexe" in w for w in result.warnings)
    assert any("Idées en vrac" in w for w in result.warnings)
    free = {(s.after, s.level, s.heading): s.body.fr for s in result.kb.extra_sections}
    assert free[(12, 2, "13. Annexe : sources")] == "Liste des sources consultées.\n\n- Gartner\n- IDC"
    assert free[(8, 3, "Idées en vrac")] == "Un paragraphe libre."
    # kept on the way out, and read back the same
    again = import_markdown(render_markdown(result.kb, "fr"), result.kb)
    assert again.kb == result.kb


@pytest.mark.parametrize("codepage", ["cp1252", "cp1254"])
def test_the_same_damage_on_other_french_text_is_repaired(
    kb: KnowledgeBase, analysis: str, codepage: str
) -> None:
    doc = replace_once(
        analysis,
        "Leader européen incontesté",
        "Leader européen incontesté — « très » présent à Île-de-France",
    )
    doc = replace_once(doc, "| **Support** | ●●●●● | ●○○○○ |", "| **Support** | ●●●●● | ●●○○○ |")
    doc = replace_once(
        doc,
        "Le GPU cloud explose",
        "Œuvre naïve, NAÏF, ÎLE : ÀÉÈÊËÔÙÛÜŸÇ àéèêëîïôùûüÿç… Noël. Le GPU cloud explose",
    )
    clean = import_markdown(doc, kb)
    broken = import_markdown(damage(doc, codepage), kb)
    assert broken.repaired > 2000
    assert broken.kb == clean.kb
    assert broken.kb.competitor("ovhcloud").strengths[0].fr.endswith("« très » présent à Île-de-France")


def test_the_english_export_damaged_is_repaired(kb: KnowledgeBase) -> None:
    text = render_markdown(kb, "en")
    assert import_markdown(damage(text, "cp1254", drop_soft_hyphens=True), kb).kb == kb


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.md", b"# Shopping list\n\n- milk\n- eggs\n", "not a competitive analysis"),
        ("readme.md", b"Just some text without any heading.\n", "no '# title' line"),
        ("data.json", b'{"hello": "world"}', "not a knowledge-base export"),
        ("data.json", b'{"schema_version": 1, "competitors": ', "not valid JSON"),
        ("data.yaml", b"- a\n- b\n", "not a knowledge-base export"),
        ("data.json", b'{"schema_version": 7, "competitors": []}', "unsupported schema_version"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("empty.md", b"   \n", "empty"),
        ("unknown.bin", b"hello", "cannot tell the format"),
    ],
)
def test_a_file_that_is_not_an_analysis_is_refused(
    kb: KnowledgeBase, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ImportFormatError, match=message):
        import_document(data, name, kb)


def test_json_with_invalid_values_is_refused(kb: KnowledgeBase) -> None:
    from veille.kb.export import export_text

    text = export_text(kb, "json", "fr").replace('"price": 3', '"price": 7', 1)
    with pytest.raises(ImportFormatError, match=r"not in 0\.\.5"):
        import_document(text.encode(), "kb.json", kb)


def test_a_windows_1252_file_is_read_but_stray_invalid_bytes_are_refused(kb: KnowledgeBase) -> None:
    """A whole file in Windows-1252 reads as written; a UTF-8 file with a few invalid bytes is refused,
    since reading them as Windows-1252 would store text its author never wrote."""
    assert decode("Réseau — 49 € « très » présent".encode("cp1252")) == "Réseau — 49 € « très » présent"
    data = render_markdown(kb, "fr").encode("utf-8")
    mixed = data.replace("Dernière mise à jour".encode(), "Dernière mise à jour".encode("cp1252"))
    assert mixed != data
    with pytest.raises(ImportFormatError, match=r"a\.md: not UTF-8 \(byte 0xe8 on line \d+\)"):
        import_document(mixed, "a.md", kb)


def test_a_missing_part_is_kept_with_a_warning(kb: KnowledgeBase, analysis: str) -> None:
    start = analysis.index("### Positionnement prix détaillé")
    end = analysis.index("## 7. ")
    result = import_markdown(analysis[:start] + analysis[end:], kb)
    assert result.warnings == [
        "section 6: the part 'Positionnement prix détaillé' is missing: kept the current data"
    ]
    assert result.kb.price_table == kb.price_table
