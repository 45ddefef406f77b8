"""The mojibake repair on any French text with symbols, damaged like the seed was."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from tests.kb.damage import damage

from veille.kb.repair import repair_text

LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîôöùûüÿœæ" + "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÄÇÉÈÊËÔÖÙÛÜŸŒÆ"
# “ and ” are left to a test of their own: the ” lost its last byte like a zero-width joiner does, and
# between two emoji nothing tells them apart.
PUNCTUATION = " ,.;:!?'’«»—–…-()/|*#0123456789€%$£°\n"
SYMBOLS = "●○■□▲►◆★✓✔✗✅❌⚠→←↑↓│─┌┐└┘├┤┬┴┼"
EMOJI = ["🔴", "🟡", "🟢", "🏢", "🎯", "📊", "💪", "😰", "🚀", "🤖", "📰", "🔧", "💻", "🇫🇷", "🇨🇭", "🇩🇪", "🇪🇺",
         "🧑\u200d💻", "⚠\ufe0f"]  # fmt: skip

tokens = st.one_of(
    st.sampled_from(list(LETTERS)), st.sampled_from(list(PUNCTUATION)), st.sampled_from(list(SYMBOLS)),
    st.sampled_from(EMOJI),
)  # fmt: skip
french_text = st.lists(tokens, min_size=0, max_size=60).map("".join)
# Real French prose always carries some accents; they are what tells mojibake from a clean text.
PREFIX = "Résumé de l'équipe : "

WORDS = ("été", "cœur", "naïve", "Noël", "français", "où", "à", "déjà", "Île", "ÉLEVÉ", "garçon", "fenêtre",
         "château", "hôtel", "forêt", "maïs", "Œuvre", "sœur", "bœuf", "façade", "Ça", "À", "économie", "élève",
         "très", "après", "coût", "goût", "dû", "mûr", "aiguë", "ambiguïté", "canoë", "L’HÔPITAL", "ÉCOLE",
         "PRÉSIDENT", "NAÏF", "ÎLE", "CŒUR", "SŒUR", "Ÿvelines", "Zoë", "créée", "prix", "cloud", "GPU", "2 319 €",
         "n’est", "aujourd’hui", "«", "»", "—", "…", "+20 %")  # fmt: skip
SEPARATORS = (" ", " ", " ", ", ", ". ", " : ", "\n", " | ", " → ", " (", ") ")
prose = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(list(SYMBOLS)), st.sampled_from(EMOJI)), max_size=40
).flatmap(lambda words: st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)).map(
    lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True))
))  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(french_text, prose), codepage=st.sampled_from(["cp1252", "cp1254"]))
@example(text="●●●○○ ┌──┐ └──┘ 🏢 PROFIL 🎯 🇨🇭 🧑\u200d💻 ⚠\ufe0f ❌", codepage="cp1254")
def test_damaged_french_text_is_restored(text: str, codepage: str) -> None:
    # Windows-1254 drops the second byte of both Î and Ï: which one it was is a guess (see below)
    assume(codepage == "cp1252" or not {"Î", "Ï"} & set(text))
    original = PREFIX + text
    repaired, rebuilt = repair_text(damage(original, codepage))
    assert repaired == original
    assert rebuilt >= 3


@settings(max_examples=200, deadline=None)
@given(text=prose)
def test_clean_text_is_left_alone(text: str) -> None:
    original = PREFIX + text
    assert repair_text(original) == (original, 0)


LOST = {0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E}


def rebuildable(text: str) -> bool:
    """A character whose continuation bytes were all lost leaves only its lead byte: too little to tell
    what it was (the repair keeps it as it is), so texts holding one are left out."""
    return all(len(b := ch.encode()) < 3 or any(x not in LOST for x in b[1:]) for ch in text)


printable = st.text(st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=80).filter(
    rebuildable
)


@settings(max_examples=200, deadline=None)
@given(text=printable, codepage=st.sampled_from(["cp1252", "cp1254"]))
def test_any_repair_is_consistent_with_the_damage(text: str, codepage: str) -> None:
    """Whatever the text, the repair only puts back bytes such a damage drops: damaging its result again
    (with one of the two code pages, the one the text does not reveal being unknowable) gives the same."""
    damaged = damage(text, codepage)
    repaired, _ = repair_text(damaged)
    again = {
        damage(repaired, cp, drop_soft_hyphens=soft) for cp in ("cp1252", "cp1254") for soft in (False, True)
    }
    assert damaged in again or repaired == damaged


@pytest.mark.parametrize(
    ("clean", "codepage"),
    [
        ("Noël et NAÏF à l'Île-de-France", "cp1252"),
        # in Windows-1254 Î and Ï both lose their second byte: the same letter elsewhere in the text decides
        ("Noël, une idée naïve, un NAÏF", "cp1254"),
        ("Une île, l'ÎLE-DE-FRANCE", "cp1254"),
        ("Le cours « naïf » d'un bœuf — coût : 2 319 € (tarif ÉLEVÉ) ✅ 🔴", "cp1254"),
        ("Suisse 🇨🇭\nAllemagne 🇩🇪", "cp1254"),
        ("Il a dit “oui” puis 🧑\u200d💻 et “non”.", "cp1252"),
    ],
)
def test_letters_that_lose_their_second_byte(clean: str, codepage: str) -> None:
    assert repair_text(damage(clean, codepage, drop_soft_hyphens=True))[0] == clean


def test_plain_ascii_and_empty_text_are_untouched() -> None:
    assert repair_text("") == ("", 0)
    assert repair_text("Hello, world! | --- |") == ("Hello, world! | --- |", 0)


def test_a_lone_ambiguous_sequence_is_not_guessed() -> None:
    """'â—' alone could be a genuine â and em dash: without other evidence the text is kept."""
    assert repair_text("â—")[1] == 0
    assert repair_text("Portuguese: São Paulo — ação")[1] == 0


def test_a_text_mixing_damaged_and_genuine_runs() -> None:
    """Runs that are not UTF-8 (a genuine 'é' typed later into a broken file) stay as they are."""
    broken = damage("Résumé : ●●○ — la qualité ✅ ", "cp1252")
    mixed = broken + "éè ajouté après coup"
    assert repair_text(mixed)[0] == "Résumé : ●●○ — la qualité ✅ éè ajouté après coup"
