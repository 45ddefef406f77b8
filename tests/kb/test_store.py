"""The knowledge base in the database: bundled load, revisions, history, diff and edits, on both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from veille.errors import NotFoundError, ValidationError
from veille.kb import edit
from veille.kb.diff import diff, format_changes
from veille.kb.store import (
    BUNDLED_AUTHOR,
    bundled,
    current,
    current_revision_id,
    history,
    load_bundled,
    revision,
    save,
)
from veille.store.db import Store


def test_load_bundled_once_then_nothing(any_store: Store) -> None:
    first = load_bundled(any_store)
    assert first is not None
    assert load_bundled(any_store) is None
    with any_store.session() as session:
        assert [r.author for r in history(session)] == [BUNDLED_AUTHOR]
        assert current(session) == bundled()
        assert current_revision_id(session) == first


def test_current_falls_back_on_the_bundled_kb(any_store: Store) -> None:
    with any_store.session() as session:
        assert current_revision_id(session) is None
        assert current(session) == bundled()


def test_save_writes_a_revision_only_when_something_changed(any_store: Store) -> None:
    load_bundled(any_store)
    with any_store.session() as session:
        kb = current(session)
        same = save(session, kb, "alice", "nothing new")
        assert same == current_revision_id(session)
        changed = edit.set_score(kb, "ovhcloud", "support", 2)
        rev = save(session, changed, "alice", "support of OVH")
        assert rev == same + 1
    with any_store.session() as session:
        assert current(session).matrix.scores["ovhcloud"]["support"] == 2
        assert revision(session, same).matrix.scores["ovhcloud"]["support"] == 1
        infos = history(session)
        assert (infos[0].id, infos[0].author, infos[0].message) == (rev, "alice", "support of OVH")
        assert infos[0].digest == current(session).digest() and infos[0].created_at.tzinfo is not None
        with pytest.raises(NotFoundError):
            revision(session, 999)


def test_edits_and_diff_between_revisions(any_store: Store) -> None:
    first = load_bundled(any_store)
    assert first is not None
    with any_store.session() as session:
        kb = current(session)
        kb = edit.set_threat(kb, "Hetzner", "high", "Casse ses prix GPU", translation="Slashing GPU prices")
        kb = edit.set_price(kb, "gpu-t4", "DO", "150.5", "USD")
        kb = edit.set_price(kb, "vps-entry", "OVH", "na")
        kb = edit.add_strength(kb, "Scaleway", "GPU H100", lang="en")
        kb = edit.add_weakness(kb, "Infomaniak", "Peu de régions")
        kb = edit.set_key_message(
            kb, "DigitalOcean", "Le DigitalOcean européen", translation="The European DO"
        )
        last = save(session, kb, "bob", "several edits")
    with any_store.session() as session:
        changes = diff(revision(session, first), revision(session, last))
    lines = format_changes(changes)
    assert "~ competitors[hetzner].threat: 'low' -> 'high'" in lines
    assert (
        "~ competitors[hetzner].threat_reason.en: 'German, hardcore B2B, no service' -> 'Slashing GPU prices'"
        in lines
    )
    assert "+ price_table.prices.gpu-t4.digitalocean.amount: '150.5'" in lines
    assert "- price_table.prices.vps-entry.ovhcloud.amount: '6'" in lines
    assert "+ competitors[scaleway].strengths[7].en: 'GPU H100'" in lines
    assert "+ competitors[infomaniak].weaknesses[7].fr: 'Peu de régions'" in lines
    assert (
        "~ competitors[digitalocean].key_message.fr: 'DigitalOcean européen' -> 'Le DigitalOcean européen'"
        in lines
    )
    with any_store.session() as session:
        kb = current(session)
    assert kb.price_table.prices["gpu-t4"]["digitalocean"].amount == Decimal("150.5")  # type: ignore[union-attr]
    assert kb.price_table.prices["vps-entry"]["ovhcloud"] is None


def test_init_after_edits_keeps_people_s_work(any_store: Store) -> None:
    load_bundled(any_store)
    with any_store.session() as session:
        save(session, edit.set_score(current(session), "DO", "gpu", 1), "carol", "DO has GPUs now")
    assert load_bundled(any_store) is None
    with any_store.session() as session:
        assert current(session).matrix.scores["digitalocean"]["gpu"] == 1


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda kb: edit.set_score(kb, "OVH", "support", 6), ValidationError),
        (lambda kb: edit.set_score(kb, "OVH", "support", -1), ValidationError),
        (lambda kb: edit.set_score(kb, "OVH", "beauty", 3), NotFoundError),
        (lambda kb: edit.set_score(kb, "Acme", "support", 3), NotFoundError),
        (lambda kb: edit.set_score(kb, "Contabo", "support", 3), ValidationError),  # not a matrix column
        (lambda kb: edit.set_threat(kb, "OVH", "extreme"), ValidationError),
        (lambda kb: edit.set_price(kb, "vps-entry", "OVH", "-3", "EUR"), ValidationError),
        (lambda kb: edit.set_price(kb, "vps-entry", "OVH", "cheap", "EUR"), ValidationError),
        (lambda kb: edit.set_price(kb, "vps-entry", "OVH", "3", "EURO$"), ValidationError),
        (lambda kb: edit.set_price(kb, "tpu-v5", "OVH", "3", "EUR"), NotFoundError),
        (lambda kb: edit.set_price(kb, "vps-entry", "Infomaniak", "3", "EUR"), ValidationError),
        (lambda kb: edit.add_strength(kb, "OVH", "   "), ValidationError),
        (lambda kb: edit.add_strength(kb, "OVH", "Leader européen incontesté"), ValidationError),
        (lambda kb: edit.add_weakness(kb, "OVH", "x" * 501), ValidationError),
        (lambda kb: edit.set_key_message(kb, "Nobody", "x"), NotFoundError),
    ],
)
def test_invalid_edits_are_refused(call, error) -> None:  # type: ignore[no-untyped-def]
    kb = bundled()
    before = kb.digest()
    with pytest.raises(error):
        call(kb)
    assert kb.digest() == before  # the knowledge base handed in is never modified


def test_edit_accepts_labels_and_aliases() -> None:
    kb = bundled()
    assert edit.set_score(kb, "DO", "API/DevEx", 4).matrix.scores["digitalocean"]["api"] == 4
    assert (
        edit.set_score(kb, "digitalocean", "EU sovereignty", 3).matrix.scores["digitalocean"]["sovereignty"]
        == 3
    )
    cell = edit.set_price(kb, "GPU A100", "Scaleway", "1 999,90", "€").price_table.prices["gpu-a100"][
        "scaleway"
    ]
    assert cell is not None and (cell.amount, cell.currency) == (Decimal("1999.9"), "EUR")
    assert edit.set_threat(kb, "Lambda Labs", None).competitor("lambda").threat is None


def test_a_first_edit_records_the_bundled_base_first(any_store: Store) -> None:
    with any_store.session() as session:
        rev = save(session, edit.set_score(current(session), "OVH", "ux", 3), "dave", "first edit")
        infos = history(session)
    assert rev == infos[0].id and [i.author for i in infos] == ["dave", BUNDLED_AUTHOR]
    with any_store.session() as session:
        assert [c.path for c in diff(revision(session, infos[1].id), revision(session, rev))] == [
            "matrix.scores.ovhcloud.ux"
        ]
