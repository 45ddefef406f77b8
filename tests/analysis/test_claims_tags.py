"""Editors tag and untag the analysis's sentences as price, incident, support or review claims; the word
lists propose the tags until they do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from veille.analysis.claims.derive import proposed_tags
from veille.kb.schema import T


@pytest.fixture
def home(tmp_path: Path, cli: Any) -> Path:
    path = tmp_path / "ws"
    assert cli("--home", path, "init")[0] == 0
    return path


def _sentences(cli: Any, home: Path, competitor: str) -> dict[str, dict[str, Any]]:
    code, out, err = cli("--home", home, "claims", "tags", "--competitor", competitor, "--json")
    assert code == 0, err
    return {s["text"]["en"]: s for s in orjson.loads(out)}


def _claim_ids(cli: Any, home: Path) -> set[str]:
    assert cli("--home", home, "claims", "check")[0] == 0
    _code, out, _ = cli("--home", home, "claims", "--json")
    return {c["id"] for c in orjson.loads(out)}


def test_tags_are_proposed_from_the_word_lists() -> None:
    assert proposed_tags(T("Pricing plus agressif", "More aggressive pricing")) == ["price"]
    assert proposed_tags(T("Support catastrophique", "Disastrous support")) == ["support"]
    assert proposed_tags(T("Pannes récurrentes", "Recurring outages")) == ["incidents"]
    assert proposed_tags(T("Avis négatifs", "Negative reviews")) == ["reviews"]
    assert proposed_tags(T("Incidents", "Incidents")) == []  # not said to recur: nothing to check
    assert proposed_tags(T("US, support limité", "US, limited support")) == []


def test_an_editor_tags_a_sentence_and_its_claim_follows(cli: Any, home: Path) -> None:
    limited = _sentences(cli, home, "hetzner")["Minimal support"]
    assert limited["proposed"] == [] and limited["chosen"] is None
    key = limited["key"]
    assert f"review_sentence:{key}" not in _claim_ids(cli, home)
    code, _out, err = cli("--home", home, "claims", "tag", key, "--as", "support", "--author", "alice")
    assert code == 0, err
    assert _sentences(cli, home, "hetzner")["Minimal support"]["chosen"] == ["support"]
    assert f"review_sentence:{key}" in _claim_ids(cli, home)  # a weakness about support: checked on ratings
    assert cli("--home", home, "claims", "untag", key)[0] == 0
    assert f"review_sentence:{key}" not in _claim_ids(cli, home)


def test_untagging_a_proposed_price_sentence_drops_its_claim(cli: Any, home: Path) -> None:
    aggressive = _sentences(cli, home, "infomaniak")["More aggressive pricing (no Swiss premium)"]
    key = aggressive["key"]
    assert aggressive["proposed"] == ["price"] and f"price_sentence:{key}" in _claim_ids(cli, home)
    assert cli("--home", home, "claims", "tag", key, "--as", "none")[0] == 0
    assert f"price_sentence:{key}" not in _claim_ids(cli, home)


def test_bad_tags_and_unknown_sentences_are_one_line(cli: Any, home: Path) -> None:
    key = next(iter(_sentences(cli, home, "hetzner").values()))["key"]
    code, _, err = cli("--home", home, "claims", "tag", key, "--as", "weather")
    assert code == 1 and "unknown tag(s) weather" in err and "Traceback" not in err
    code, _, err = cli("--home", home, "claims", "tag", "hetzner:weaknesses:0000000000", "--as", "price")
    assert code == 1 and "no sentence" in err


def test_praise_tagged_as_support_holds_on_good_ratings_and_falls_on_bad_ones() -> None:
    from veille.analysis.claims.derive import sentence_key, sentences
    from veille.analysis.claims.signals import judge
    from veille.kb.store import bundled

    kb = bundled()
    comp = kb.competitor("infomaniak")
    text = next(t for t in comp.strengths if "support" in t.en)
    key = sentence_key("infomaniak", "strengths", text)
    claim = next(c for c in sentences(kb, {key: ["support"]}) if c.id == f"review_sentence:{key}")
    assert claim.expected == {"negative": False}

    def rated(score: str) -> dict[str, Any]:
        return {"ratings": [{"type": "rating", "score": score, "scale": "5"}]}

    assert judge(claim, rated("4.5")).verdict == "holds"
    assert judge(claim, rated("3.4")).verdict == "weakened"
    assert judge(claim, rated("2.0")).verdict == "contradicted"
