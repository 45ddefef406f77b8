"""The threat scenarios' probabilities against their signals: price cuts, hyperscalers' low-end offers,
funding and acquisitions, competitors' moves on our differentiators (docs/claims.md#threat-scenarios)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from tests.analysis.stored import NOW, offer, ran

from veille.analysis.claims import refresh, stored
from veille.analysis.claims.decide import accept
from veille.analysis.claims.threats import scenario_of, stated
from veille.kb.store import bundled, current
from veille.store.models import Action, EventRow

LONG_AGO = NOW - timedelta(days=120)  # watching began long enough ago for a full window


def event(event_kind: str, competitor: str, title: str, n: int, **data: Any) -> EventRow:
    when = NOW - timedelta(days=n)
    return EventRow(kind=event_kind, competitor=competitor, title=title, importance="medium", occurred_at=when,
                    detected_at=when, url=None, dedup_key=f"t:{event_kind}:{competitor}:{n}", data=data,
                    source_id=None, run_id=None, capture_id=None, status="open")  # fmt: skip


def cut(competitor: str, sku: str, pct: str, n: int) -> EventRow:
    return event(
        "price_change", competitor, f"{competitor} {sku} {pct}%", n, pct_change=pct, offer={"sku": sku}
    )


def threats(session: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in stored(session, section="threats")}


def test_each_bundled_threat_is_recognised_with_its_stated_probability() -> None:
    kb = bundled()
    found = {t.id: (scenario_of(t), stated(t)) for t in kb.threats}
    assert found == {
        "threat-1": ("copycat", "high"),
        "threat-2": ("price_war", "high"),
        "threat-3": ("hyperscaler", "high"),
        "threat-4": ("consolidation", "medium"),
    }


def test_price_war_holds_on_many_cuts_and_is_contradicted_by_none_over_a_full_window(kb_ws: Any) -> None:
    with kb_ws() as session:
        ran(session, "hetzner.catalog", LONG_AGO)
        refresh(session, NOW)
        war = threats(session)["threat:threat-2"]
    assert war["verdict"] == "contradicted" and "0 competitor price cut(s)" in war["reason"]["en"]
    assert war["proposal"]["action"] == "set_probability" and war["proposal"]["probability"] == "low"
    with kb_ws() as session:
        for n, (who, sku) in enumerate([("hetzner", "cx22"), ("ovhcloud", "d2-4"), ("scaleway", "dev1-s"),
                                        ("hetzner", "cx32"), ("contabo", "vps-s"), ("ionos", "xs")]):  # fmt: skip
            session.add(cut(who, sku, "-12", n + 1))
        session.add(cut("hetzner", "cx22", "-5", 30))  # the same offer again: one offer cut
        session.add(cut("vmcloud", "vps-s", "-30", 2))  # our own cut is not a competitor's
        session.add(event("price_change", "ovhcloud", "rise", 3, pct_change="8", offer={"sku": "b2-7"}))
        session.add(cut("ovhcloud", "old", "-40", 100))  # out of the 90-day window
        refresh(session, NOW)
        war = threats(session)["threat:threat-2"]
    assert war["verdict"] == "holds" and "6 competitor price cut(s)" in war["reason"]["en"]
    assert war["reason"]["en"].endswith("(median 12.0%): high level")
    assert {(e["competitor"], e["sku"]) for e in war["evidence"]} >= {("hetzner", "cx22"), ("ionos", "xs")}


def test_too_short_a_watch_only_weakens_a_threat_the_signals_do_not_show(kb_ws: Any) -> None:
    with kb_ws() as session:
        ran(session, "hetzner.catalog", NOW - timedelta(days=10))
        refresh(session, NOW)
        war = threats(session)["threat:threat-2"]
    assert war["verdict"] == "weakened" and "(over 10 days of data)" in war["reason"]["en"]
    assert war["proposal"] is None


def test_hyperscaler_cannot_be_checked_without_their_offers_then_counts_low_end_launches(kb_ws: Any) -> None:
    with kb_ws() as session:
        ran(session, "hetzner.catalog", LONG_AGO)
        refresh(session, NOW)
        down = threats(session)["threat:threat-3"]
    assert down["verdict"] == "unverifiable" and "AWS, GCP, Azure" in down["reason"]["en"]
    with kb_ws() as session:
        session.add(offer("aws", "t4g.small", "12.5"))
        for n, (sku, eur) in enumerate([("t4g.micro", "6.10"), ("t4g.small", "12.20"), ("e2-small", "14"),
                                        ("m7i.large", "80")]):  # fmt: skip
            who = "gcp" if sku.startswith("e2") else "aws"
            session.add(
                event("offer_added", who, f"{who} adds {sku}", n + 1, offer={"sku": sku, "monthly_eur": eur})
            )
        refresh(session, NOW)
        down = threats(session)["threat:threat-3"]
    assert down["verdict"] == "holds" and down["reason"]["en"].startswith("3 new hyperscaler offer(s)")


def test_consolidation_and_copying_our_positioning_read_funding_and_moves(kb_ws: Any) -> None:
    with kb_ws() as session:
        ran(session, "hetzner.catalog", LONG_AGO)
        session.add(event("funding", "scaleway", "Iliad buys a cloud", 5, kind="acquisition"))
        session.add(event("feature", "scaleway", "Scaleway launches a sovereign cloud offer", 6))
        session.add(event("feature", "infomaniak", "Human support, 24/7, included", 7))
        session.add(event("feature", "ovhcloud", "Managed Kubernetes goes GA", 8))
        session.add(event("feature", "hetzner", "New ARM servers", 9))  # not on our ground
        refresh(session, NOW)
        found = threats(session)
    consolidation, copycat = found["threat:threat-4"], found["threat:threat-1"]
    assert consolidation["verdict"] == "weakened" and consolidation["reason"]["en"].startswith(
        "1 acquisition(s)"
    )
    assert copycat["verdict"] == "weakened" and copycat["reason"]["en"].startswith(
        "3 competitor announcement(s)"
    )
    assert "New ARM servers" not in {e["title"] for e in copycat["evidence"]}


def test_accepting_a_contradicted_threat_sets_its_probability_through_a_revision(kb_ws: Any) -> None:
    with kb_ws() as session:
        ran(session, "hetzner.catalog", LONG_AGO)
        refresh(session, NOW)
        events = list(session.scalars(select(EventRow).where(EventRow.kind == "claim_contradicted")))
        war_event = next(e for e in events if e.data["claim_id"] == "threat:threat-2")
        action = session.scalars(select(Action).where(Action.event_id == war_event.id)).one()
        assert action.kind == "positioning_review"  # "adapt our positioning"
        accept(session, "threat:threat-2", author="alice", reason="no cut in 90 days", now=NOW)
        kb = current(session)
        war = next(t for t in kb.threats if t.id == "threat-2")
        after = threats(session)["threat:threat-2"]
    assert stated(war) == "low" and {a.probability for a in war.aspects} == {"low"}
    assert after["verdict"] == "holds" and after["status"] == "accepted"
