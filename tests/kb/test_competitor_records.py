"""Competitor records: seeded from the shipped ones, changed with revisions, installed per workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from veille.errors import NotFoundError, ValidationError
from veille.kb import competitors, ids
from veille.sources import get_source, sources
from veille.store.db import Store
from veille.store.models import CompetitorRevision

NEBIUS = {
    "id": "nebius",
    "name": "Nebius",
    "country": "NL",
    "tier": "gpu",
    "aliases": ["Nebius Group", "NBIS"],
    "identifiers": {"mentions": ["Nebius"], "greenhouse": ["nebius"], "news": ["en:Nebius"]},
}


def test_a_workspace_is_seeded_with_the_shipped_records_once(any_store: Store) -> None:
    competitors.sync(any_store)
    competitors.sync(any_store)
    with any_store.session() as s:
        assert [r.id for r in competitors.records(s)] == [r.id for r in ids.default_records()]
        revisions = s.scalars(select(CompetitorRevision)).all()
    assert len(revisions) == len(ids.default_records())
    assert {(r.action, r.author) for r in revisions} == {("seed", competitors.SEED_AUTHOR)}


def test_add_edit_retire_keep_every_change_as_a_revision(any_store: Store) -> None:
    competitors.sync(any_store)
    with any_store.session() as s:
        competitors.add(s, NEBIUS, "alice", "a GPU cloud the analysis does not name yet")
        assert competitors.edit(s, "nebius", {"threat": "high"}, "bob", "raised $700M")
        assert not competitors.edit(s, "nebius", {"threat": "high"}, "bob", "same again")
        assert competitors.retire(s, "nebius", "carol", "left the market")
        assert competitors.edit(s, "nebius", {"retired": False}, "carol", "back")
        history = competitors.history(s, "nebius")
    assert [(r.action, r.author, r.message) for r in history] == [
        ("restore", "carol", "back"),
        ("retire", "carol", "left the market"),
        ("edit", "bob", "raised $700M"),
        ("add", "alice", "a GPU cloud the analysis does not name yet"),
    ]
    assert history[2].data["threat"] == "high" and history[3].data["threat"] is None


def test_names_resolve_against_the_installed_records_and_retired_ones_stop_being_watched(
    any_store: Store,
) -> None:
    competitors.sync(any_store)
    assert ids.find_competitor("NBIS") is None
    with any_store.session() as s:
        competitors.add(s, NEBIUS, "alice", "")
    competitors.sync(any_store)
    assert ids.resolve_competitor("nebius group") == "nebius"
    assert {"nebius.mentions.hn", "nebius.jobs.greenhouse", "nebius.news.google-en"} <= {
        s.id for s in sources()
    }
    assert get_source("nebius.mentions.hn").params["query"] == "Nebius"
    with any_store.session() as s:
        competitors.retire(s, "nebius", "alice", "")
    competitors.sync(any_store)
    assert ids.resolve_competitor("NBIS") == "nebius"  # its history stays readable
    assert not [s for s in sources() if s.competitor == "nebius"]
    assert "nebius" not in {r.id for r in ids.watched()}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**NEBIUS, "id": "Nebius!"}, "id"),
        ({**NEBIUS, "country": "Netherlands"}, "country"),
        ({**NEBIUS, "tier": "galactic"}, "tier"),
        ({**NEBIUS, "website": "javascript:alert(1)"}, "website"),
        ({**NEBIUS, "identifiers": {"myspace": ["x"]}}, "unknown platform"),
        ({**NEBIUS, "aliases": ["OVH"]}, "already names the competitor 'ovhcloud'"),
        ({**NEBIUS, "id": "scaleway"}, "exists already"),
    ],
)
def test_a_wrong_record_is_refused_and_nothing_is_written(any_store: Store, data: dict, message: str) -> None:
    competitors.sync(any_store)
    with pytest.raises(ValidationError, match=message), any_store.session() as s:
        competitors.add(s, data, "alice", "")
    with any_store.session() as s:
        assert len(competitors.history(s)) == len(ids.default_records())


def test_an_id_never_changes_and_an_unknown_one_is_not_found(any_store: Store) -> None:
    competitors.sync(any_store)
    with pytest.raises(ValidationError, match="never changes"), any_store.session() as s:
        competitors.edit(s, "scaleway", {"id": "scw"}, "alice", "")
    with pytest.raises(NotFoundError), any_store.session() as s:
        competitors.edit(s, "nobody", {"threat": "low"}, "alice", "")


def test_an_import_adds_what_is_missing_or_nothing(any_store: Store) -> None:
    competitors.sync(any_store)
    with pytest.raises(ValidationError, match=r"competitors\[1\]"), any_store.session() as s:
        competitors.import_records(s, [NEBIUS, {"id": "x", "country": "nowhere"}], "alice", "")
    with any_store.session() as s:
        assert competitors.import_records(
            s, [NEBIUS, {"id": "scaleway", "name": "Scaleway"}], "alice", ""
        ) == ["nebius"]
        assert [r.action for r in competitors.history(s, "nebius")] == ["import"]
