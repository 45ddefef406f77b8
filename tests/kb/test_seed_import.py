"""Done criteria of issue 2: the broken original and the clean seed give the same knowledge base."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from tests.kb import expected

from veille.kb.export import export_text, to_export
from veille.kb.markdown_import import import_markdown
from veille.kb.schema import KnowledgeBase, Money, Text


def scrambled(kb: KnowledgeBase) -> KnowledgeBase:
    """The bundled knowledge base with every figure the seed carries changed."""
    new = kb.model_copy(deep=True)
    for row in new.matrix.scores.values():
        for crit in row:
            row[crit] = 0
    for row in new.price_table.prices.values():
        for cid in row:
            row[cid] = Money(amount=Decimal("1.5"), currency="GBP")
    for comp in new.competitors:
        comp.threat = None
        if comp.key_message:
            comp.key_message = Text(fr="x", en="x")
    new.threats[0].aspects[0].probability = "low"
    new.watch_items = new.watch_items[:2]
    return KnowledgeBase.model_validate(new.model_dump())


@pytest.fixture(params=["bundled", "scrambled"])
def base(request: pytest.FixtureRequest, kb: KnowledgeBase) -> KnowledgeBase:
    return kb if request.param == "bundled" else scrambled(kb)


def test_original_and_clean_give_identical_json_exports(
    base: KnowledgeBase, seed_clean: str, seed_original: str
) -> None:
    clean = import_markdown(seed_clean, base)
    broken = import_markdown(seed_original, base)
    assert broken.repaired > 2000 and clean.repaired == 0
    assert clean.warnings == [] and broken.warnings == []
    for lang in ("fr", "en"):
        assert export_text(broken.kb, "json", lang) == export_text(clean.kb, "json", lang)
    assert broken.kb == clean.kb


def _imported(seed: str, base: KnowledgeBase) -> dict:  # type: ignore[type-arg]
    exported = orjson.loads(export_text(import_markdown(seed, base).kb, "json", "fr"))
    assert isinstance(exported, dict)
    return exported


@pytest.mark.parametrize("which", ["clean", "original"])
def test_export_holds_every_figure_of_the_seed(
    which: str, base: KnowledgeBase, seed_clean: str, seed_original: str
) -> None:
    data = _imported(seed_clean if which == "clean" else seed_original, base)
    # 60 matrix scores
    assert [c["id"] for c in data["matrix"]["criteria"]] == list(expected.MATRIX)
    assert list(data["matrix"]["scores"]) == expected.MATRIX_COLUMNS
    got = {
        crit: [data["matrix"]["scores"][cid][crit] for cid in expected.MATRIX_COLUMNS]
        for crit in expected.MATRIX
    }
    assert got == expected.MATRIX
    assert sum(len(row) for row in data["matrix"]["scores"].values()) == 60
    # 25 price cells, amounts as decimal strings, N/A as null
    prices = data["price_table"]["prices"]
    assert list(prices) == list(expected.PRICES)
    for product, cells in expected.PRICES.items():
        assert list(prices[product]) == expected.PRICE_COLUMNS
        for cid, cell in zip(expected.PRICE_COLUMNS, cells, strict=True):
            want = None if cell is None else {"amount": cell[0], "currency": cell[1]}
            assert prices[product][cid] == want, (product, cid)
    assert sum(len(row) for row in prices.values()) == 25
    # the 5 tier-1 threat levels
    comps = {c["id"]: c for c in data["competitors"]}
    assert {cid: comps[cid]["threat"] for cid in expected.TIER1_THREATS} == expected.TIER1_THREATS
    assert [r["competitor"] for r in data["direct"]["rows"]] == list(expected.TIER1_THREATS)
    # 4 threat scenarios, 11 aspect rows
    assert [
        (t["title"], [a["probability"] for a in t["aspects"]]) for t in data["threats"]
    ] == expected.THREATS
    assert sum(len(t["aspects"]) for t in data["threats"]) == 11
    # the 5 rows of the watch table
    assert [(w["element"], w["frequency"], w["action"]) for w in data["watch_items"]] == expected.WATCH_ITEMS
    assert [w["cadence"] for w in data["watch_items"]] == [
        "realtime",
        "monthly",
        "realtime",
        "monthly",
        "immediate",
    ]
    # section 11, exactly as in the seed
    assert [r["competitor"] for r in data["strategy"]["rows"]] == list(expected.KEY_MESSAGES)
    for cid, (strategy, message) in expected.KEY_MESSAGES.items():
        assert (comps[cid]["strategy"], comps[cid]["key_message"]) == (strategy, message)


def test_seed_texts_are_kept_verbatim(kb: KnowledgeBase, seed_clean: str) -> None:
    """Every line of the seed's trees and tables shows up as the importer stored it (French)."""
    result = import_markdown(seed_clean, kb).kb
    ovh = result.competitor("ovhcloud")
    assert ovh.fact("hq") is not None and ovh.fact("hq").value.fr == "Roubaix, France"  # type: ignore[union-attr]
    assert ovh.strengths[4].fr == "Gamme complète (VPS → bare metal → cloud)"
    assert ovh.vs_label == "OVH" and ovh.country == "FR"
    infomaniak = result.competitor("infomaniak")
    assert infomaniak.alerts[0].fr.startswith("Infomaniak est le concurrent qui ressemble le plus")
    assert infomaniak.verdict is not None and "**focus cloud**" in infomaniak.verdict.fr
    assert (
        result.competitor("lambda").threat == "low"
        and result.competitor("lambda").threat_reason.fr == "pas EU"
    )  # type: ignore[union-attr]
    assert [g.icon for g in result.differentiators] == ["🧑\u200d💻", "🎯", "🔧", "🇪🇺", "🚀"]
    assert result.summary[1].label.fr == "CONCURRENTS\nDIRECTS"
    assert result.market.period == "2024-2025" and result.market.facts[0].value.fr == "~100 Md€"
    assert [b.players for b in result.segmentation.boxes][3] == ["vmcloud"]
    assert result.strategy.principles.philosophy.fr == '"On ne démarche pas. On attire."'


def test_json_export_has_the_contract_shape(kb: KnowledgeBase) -> None:
    data = to_export(kb, "fr")
    assert data["schema_version"] == 1
    for comp in data["competitors"]:
        assert {"id", "name", "country", "tier", "threat", "threat_reason", "profile", "strengths", "weaknesses",
                "positioning", "our_advantages", "verdict", "strategy", "key_message"} <= set(comp)  # fmt: skip
        assert comp["tier"] in ("self", "direct", "gpu", "hyperscaler", "low_cost", "other")
        assert comp["threat"] in ("high", "medium", "low", None)
    ovh = next(c for c in data["competitors"] if c["id"] == "ovhcloud")
    assert ovh["profile"]["hq"] == "Roubaix, France" and ovh["profile"]["founded"] == 1999
    assert data["matrix"]["criteria"][0] == {"id": "price", "label": "Prix"}
    assert data["matrix"]["scores"]["vmcloud"]["price"] == 3
    assert data["price_table"]["products"][0]["id"] == "vps-entry"
    assert data["price_table"]["products"][0]["label"] == "VPS Entry (2vCPU/4GB)"
    assert data["price_table"]["prices"]["vps-entry"]["vmcloud"] == {"amount": "49", "currency": "EUR"}
    assert data["price_table"]["prices"]["gpu-a100"]["ovhcloud"] is None
    aspect = data["threats"][0]["aspects"][0]
    assert set(aspect) == {"aspect", "impact", "probability", "mitigation"}
    assert set(data["watch_items"][0]) >= {"element", "frequency", "action"}
    for key in ("market", "segmentation", "gpu", "hyperscalers", "differentiators", "moat", "opportunities",
                "watch_system", "strategy", "summary"):  # fmt: skip
        assert data[key], key
    english = to_export(kb, "en")
    assert english["matrix"]["criteria"][0] == {"id": "price", "label": "Price"}
    assert english["competitors"][1]["key_message"] == "When OVH lets you down, we're here"


def test_the_same_damage_on_the_export_gives_identical_json(kb: KnowledgeBase) -> None:
    """Beside the seed: veille's own French export, damaged exactly as the original was (Windows-1254,
    undefined bytes and a stripped soft hyphen lost), imports to the same knowledge base."""
    from tests.kb.damage import damage

    from veille.kb.markdown_export import render_markdown

    clean = render_markdown(kb, "fr")
    broken = damage(clean, "cp1254", drop_soft_hyphens=True)
    assert "â—" in broken and "ğŸ" in broken
    imported = import_markdown(broken, scrambled(kb))
    assert imported.repaired > 2000
    assert export_text(imported.kb, "json", "fr") == export_text(
        import_markdown(clean, scrambled(kb)).kb, "json", "fr"
    )
    assert imported.kb.matrix == kb.matrix and imported.kb.price_table == kb.price_table
    assert [t.aspects for t in imported.kb.threats] == [t.aspects for t in kb.threats]
