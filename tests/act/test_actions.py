"""The seed's actions: price review, roadmap candidate, comms draft, strategy note, positioning review."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from veille.act.actions import REFRESH_FLAG
from veille.store.db import Store
from veille.store.models import Action, FeedItemRow, Note, Setting

from .conftest import NOW, event_row


def actions(store: Store) -> list[Action]:
    with store.session() as session:
        return list(session.scalars(select(Action).order_by(Action.id)))


def test_each_kind_becomes_its_action(store: Store, add_events: Callable[..., list[int]]) -> None:
    ids = add_events(
        event_row("price_change", pct="-8"),
        event_row("feature", competitor="scaleway", title="Serverless GPUs"),
        event_row("incident", competitor="ovhcloud", impact="major", incident_id="inc-1", title="RBX outage"),
        event_row("hiring", competitor="digitalocean", title="12 GPU engineers hired in Amsterdam"),
        event_row("funding", competitor="lambda"),
        event_row("mention"),
    )
    got = {a.event_id: a.kind for a in actions(store)}
    assert got == {
        ids[0]: "price_review",
        ids[1]: "roadmap_candidate",
        ids[2]: "comms_draft",
        ids[3]: "strategy_note",
        ids[4]: "positioning_review",
    }
    with store.session() as session:
        flag = session.get(Setting, REFRESH_FLAG)
        assert (
            flag is not None
            and flag.value["events"] == [ids[0], ids[4]]
            and flag.value["reason"] == "funding"
        )
        [note] = session.scalars(select(Note))
        assert (
            note.kind == "strategy" and note.competitor == "digitalocean" and note.data["event_id"] == ids[3]
        )
        assert note.data["from"] == "hiring" and isinstance(
            note.data["event"], dict
        )  # to write it in FR or EN


def test_comms_draft_uses_the_competitors_strategy_in_both_languages(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    add_events(
        event_row("incident", competitor="ovhcloud", impact="critical", incident_id="x", title="GRA down")
    )
    [draft] = actions(store)
    assert draft.status == "open"  # a draft: never sent by itself
    fr, en = draft.body["draft"]["fr"], draft.body["draft"]["en"]
    assert (
        "Quand OVH vous laisse tomber, on est là" in fr and "gagner sur le service" in fr and "GRA down" in fr
    )
    assert "When OVH lets you down, we're here" in en and "win on service" in en
    assert draft.body["guidance"]["fr"].startswith("Brouillon")


def test_comms_draft_once_per_incident_and_never_for_ourselves_or_small_ones(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    add_events(
        event_row("incident", competitor="scaleway", impact="major", incident_id="i9"),
        event_row("incident", competitor="vmcloud", impact="critical", incident_id="own"),
        event_row("incident", competitor="hetzner", impact="none", incident_id="n"),
    )
    add_events(event_row("incident_escalated", competitor="scaleway", impact="critical", incident_id="i9"))
    drafts = actions(store)
    assert [(a.kind, a.competitor) for a in drafts] == [("comms_draft", "scaleway")]
    assert "Cloud pro, simplement" in drafts[0].body["draft"]["fr"]


def test_a_competitor_without_a_strategy_still_gets_a_draft(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    add_events(event_row("incident", competitor="aws", impact="major", incident_id="a"))
    [draft] = actions(store)
    assert "Différencier par le service" in draft.body["draft"]["fr"]


def test_feature_marks_its_feed_item_as_roadmap_candidate(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    with store.session() as session:
        session.add(
            FeedItemRow(
                source_id="scaleway.changelog",
                item_id="cl-42",
                competitor="scaleway",
                title="New",
                url=None,
                published_at=NOW,
                tags=[],
                summary="",
                first_seen_at=NOW,
            )
        )
    add_events(event_row("feature", competitor="scaleway", source_id="scaleway.changelog", item_id="cl-42"))
    with store.session() as session:
        assert session.scalars(select(FeedItemRow.roadmap_candidate)).one() is True


def test_held_events_do_nothing(store: Store, add_events: Callable[..., list[int]]) -> None:
    add_events(event_row("price_change", pct="80", status="held"))
    assert actions(store) == []


def test_comms_draft_quotes_the_incident_not_the_event_title(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    add_events(
        event_row(
            "incident",
            competitor="ovhcloud",
            impact="major",
            incident_id="y",
            title="Incident (major): [GRA11] Instances unreachable",
            incident_title="[GRA11] Instances unreachable",
        )
    )
    [draft] = actions(store)
    assert '"[GRA11] Instances unreachable"' in draft.body["draft"]["en"]
    assert "Incident (major)" not in draft.body["draft"]["en"]


def test_later_runs_add_to_the_positioning_flag_and_keep_one_action_per_event(
    store: Store, add_events: Callable[..., list[int]]
) -> None:
    first = add_events(event_row("price_change", pct="-8"))
    second = add_events(event_row("price_change", pct="5"), event_row("funding", competitor="lambda"))
    with store.session() as session:
        flag = session.get(Setting, REFRESH_FLAG)
        assert flag is not None and flag.value["events"] == [*first, *second]
        assert flag.value["reason"] == "funding"
    assert [(a.event_id, a.kind, a.status) for a in actions(store)] == [
        (first[0], "price_review", "open"),
        (second[0], "price_review", "open"),
        (second[1], "positioning_review", "open"),
    ]
    # routing the same events again creates nothing new
    from veille.act import route_events
    from veille.store.models import EventRow

    with store.session() as session:
        rows = list(session.scalars(select(EventRow).where(EventRow.id.in_(second))))
        route_events(session, rows, NOW)
    assert len(actions(store)) == 3
