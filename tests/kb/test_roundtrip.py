"""Markdown, JSON and YAML round trips are lossless; both languages render every section."""

from __future__ import annotations

from decimal import Decimal

import pytest

from veille.kb import edit
from veille.kb.export import export_text, from_export, parse_data_file
from veille.kb.labels import SECTIONS
from veille.kb.markdown_export import format_money, render_markdown
from veille.kb.markdown_import import import_markdown, iter_texts
from veille.kb.schema import FreeSection, KnowledgeBase, Money, Text


def edited(kb: KnowledgeBase) -> KnowledgeBase:
    """A knowledge base unlike the seed: edits, decimals, other currencies, free sections."""
    kb = edit.set_score(kb, "OVH", "support", 3)
    kb = edit.set_price(kb, "gpu-t4", "DO", "1234.5", "USD")
    kb = edit.set_price(kb, "vps-entry", "hetzner", "na")
    kb = edit.set_threat(kb, "hetzner", "high", "Baisse ses prix GPU", translation="Cutting its GPU prices")
    kb = edit.add_strength(kb, "scaleway", "GPU H100 disponibles", translation="H100 GPUs available")
    kb = edit.add_weakness(kb, "infomaniak", "Peu de régions", translation="Few regions")
    kb = edit.set_key_message(kb, "OVH", "On reste quand OVH part", translation="We stay when OVH leaves")
    kb = kb.model_copy(deep=True)
    kb.extra_sections = [
        FreeSection(
            after=6, level=3, heading="Notes", body=Text(fr="Des notes *libres*.", en="Free *notes*.")
        ),
        FreeSection(
            after=12, level=2, heading="13. Annexe", body=Text(fr="- un point\n- un autre", en="- one\n- two")
        ),
    ]
    kb.price_table.prices["storage-tb"]["scaleway"] = Money(amount=Decimal("12345.67"), currency="EUR")
    return KnowledgeBase.model_validate(kb.model_dump())


@pytest.fixture(params=["bundled", "edited"])
def any_kb(request: pytest.FixtureRequest, kb: KnowledgeBase) -> KnowledgeBase:
    return kb if request.param == "bundled" else edited(kb)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_markdown_round_trip_is_lossless(any_kb: KnowledgeBase, lang: str) -> None:
    text = render_markdown(any_kb, lang)  # type: ignore[arg-type]
    result = import_markdown(text, any_kb)
    assert result.lang == lang
    assert result.kb == any_kb
    assert result.untranslated == 0
    # a second trip writes the very same document
    assert render_markdown(result.kb, lang) == text  # type: ignore[arg-type]


def test_french_export_reads_back_even_without_the_english(kb: KnowledgeBase) -> None:
    """Imported over a base that has none of its texts, the French export still gives every French text
    and every figure (English is what the Markdown cannot carry)."""
    other = edited(kb)
    result = import_markdown(render_markdown(other, "fr"), kb)
    assert result.kb.matrix == other.matrix
    assert result.kb.price_table.prices == other.price_table.prices
    assert [t.fr for t in iter_texts(result.kb)] == [t.fr for t in iter_texts(other)]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_json_and_yaml_round_trip(any_kb: KnowledgeBase, fmt: str, lang: str) -> None:
    text = export_text(any_kb, fmt, lang)  # type: ignore[arg-type]
    result = from_export(parse_data_file(text, fmt), any_kb)  # type: ignore[arg-type]
    assert result.warnings == []
    assert result.kb == any_kb


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_both_languages_render_every_section(kb: KnowledgeBase, lang: str) -> None:
    text = render_markdown(kb, lang)  # type: ignore[arg-type]
    for number, title in SECTIONS.items():
        assert f"## {number}. {title.get(lang)}\n" in text  # type: ignore[arg-type]
    # every text of the knowledge base that the document shows appears in that language
    shown = 0
    for item in iter_texts(kb):
        value = item.get(lang)  # type: ignore[arg-type]
        if not value or item.fr == item.en:
            continue
        first_line = value.split("\n")[0]
        if first_line in text:
            shown += 1
        else:
            assert item.get("fr" if lang == "en" else "en") not in text or len(value) < 4, value
    assert shown > 350
    for sign in ("●●●●●", "○○○○○", "🔴", "🟡", "🟢", "├──", "└──", "┌", "┘", "| **"):
        assert sign in text


def test_english_has_no_french_leftovers(kb: KnowledgeBase) -> None:
    text = render_markdown(kb, "en")
    for french in ("Dernière mise à jour", "Verdict :", "FICHE CONCURRENT", "Menace #", "Élevé", "Concurrent |",
                   "Ce qu'on surveille", "Message clé", "Exclus des", "RÉSUMÉ", "Scénario"):  # fmt: skip
        assert french not in text, french


def test_money_formats() -> None:
    assert format_money(Money(amount=Decimal("2319"), currency="EUR"), "fr") == "2 319€"
    assert format_money(Money(amount=Decimal("24"), currency="USD"), "fr") == "24$"
    assert format_money(Money(amount=Decimal("4.5"), currency="EUR"), "fr") == "4,50€"
    assert format_money(Money(amount=Decimal("2319"), currency="EUR"), "en") == "€2,319"
    assert format_money(Money(amount=Decimal("12"), currency="CHF"), "en") == "CHF 12"
    assert format_money(None, "fr") == "N/A"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_the_bilingual_export_is_lossless_and_reads_back(
    any_kb: KnowledgeBase, kb: KnowledgeBase, fmt: str
) -> None:
    text = export_text(any_kb, fmt, "both")  # type: ignore[arg-type]
    other = edited(kb) if any_kb == kb else kb
    result = from_export(parse_data_file(text, fmt), other)  # type: ignore[arg-type]
    assert result.kb == any_kb and result.warnings == []


def test_the_bundled_data_file_imports_as_it_is(kb: KnowledgeBase) -> None:
    from importlib import resources

    data = resources.files("veille.kb").joinpath("data/kb.yaml").read_bytes()
    from veille.kb.importing import import_document

    assert import_document(data, "kb.yaml", edited(kb)).kb == kb


def test_texts_with_table_bars_and_markup_survive_the_markdown(kb: KnowledgeBase) -> None:
    kb = edit.add_strength(kb, "OVH", "API | CLI | Terraform", translation="API | CLI | Terraform")
    kb = edit.set_strategy(
        kb, "OVH", "Service **d'abord** | prix ensuite", translation="Service **first** | price next"
    )
    kb = edit.set_key_message(kb, "Hetzner", "« Simple » et “pro”", translation="'Simple' and \"pro\"")
    assert kb.competitor("hetzner").key_message == Text(fr="« Simple » et “pro”", en="'Simple' and \"pro\"")
    for lang in ("fr", "en"):
        assert import_markdown(render_markdown(kb, lang), kb).kb == kb  # type: ignore[arg-type]


def test_multi_line_texts_are_refused_by_edits(kb: KnowledgeBase) -> None:
    from veille.errors import ValidationError

    with pytest.raises(ValidationError, match="one line"):
        edit.add_weakness(kb, "OVH", "deux\nlignes")
