"""Each verdict built from stored data, the proposals, and re-checking when, and only when, data moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from tests.analysis.stored import NOW, move_price, offer, ran

from veille.analysis.claims import refresh, stance, stored, tags
from veille.kb.schema import T
from veille.store.models import Action, ClaimCheck, EventRow


def checks(session: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in stored(session)}


def test_a_cell_holds_within_ten_percent_and_is_weakened_within_25(kb_ws: Any) -> None:
    with kb_ws() as session:
        session.add(offer("hetzner", "cx22", "4.15"))  # the analysis says 4
        session.add(offer("hetzner", "cx52", "36", vcpu=8, ram=32))  # the analysis says 30: 20% apart
        refresh(session, NOW)
        found = checks(session)
    entry, pro = found["price_cell:vps-entry:hetzner"], found["price_cell:vps-pro:hetzner"]
    assert entry["verdict"] == "holds" and entry["evidence"][0]["sku"] == "cx22"
    assert pro["verdict"] == "weakened" and "20%" in pro["reason"]["en"] and pro["proposal"] is None


def test_a_cell_far_from_the_live_price_is_contradicted_with_a_new_cell_proposed(kb_ws: Any) -> None:
    with kb_ws() as session:
        session.add(offer("ovhcloud", "d2-4", "8.69"))  # the analysis says 6
        refresh(session, NOW)
        cell = checks(session)["price_cell:vps-entry:ovhcloud"]
    assert cell["verdict"] == "contradicted"
    evidence = cell["evidence"][0]
    assert (evidence["sku"], evidence["price_monthly"], evidence["currency"]) == ("d2-4", "8.69", "EUR")
    assert evidence["observed_at"] and evidence["source_id"] == "ovhcloud.catalog"
    proposal = cell["proposal"]
    assert (proposal["action"], proposal["amount"], proposal["currency"]) == ("set_price", "8.69", "EUR")
    assert proposal["text"]["fr"] and proposal["text"]["en"]


def test_without_a_matching_offer_a_cell_cannot_be_checked_and_says_why(kb_ws: Any) -> None:
    with kb_ws() as session:
        refresh(session, NOW)
        found = checks(session)
    scaleway = found["price_cell:vps-entry:scaleway"]
    assert scaleway["verdict"] == "unverifiable" and "no collected offer" in scaleway["reason"]["en"]
    assert found["price_cell:vps-entry:vmcloud"]["reason"]["en"] == "VMCloud's own catalogue is not collected"
    assert found["price_level:infomaniak"]["verdict"] == "unverifiable"


def test_a_price_seen_longer_ago_than_its_cadence_allows_is_stale(kb_ws: Any) -> None:
    with kb_ws() as session:
        session.add(offer("hetzner", "cx22", "4.15", since=NOW - timedelta(days=10)))  # no run since
        refresh(session, NOW)
        cell = checks(session)["price_cell:vps-entry:hetzner"]
    assert cell["verdict"] == "stale" and cell["evidence"][0]["stale"] is True


def test_vmcloud_mid_range_and_our_cheaper_pricing_than_infomaniak_are_contradicted(kb_ws: Any) -> None:
    with kb_ws() as session:
        for competitor, sku, price in (("infomaniak", "vps-2", "5.79"), ("hetzner", "cx22", "4.15"),
                                       ("ovhcloud", "d2-4", "8.69"), ("scaleway", "dev1-m", "17.37")):  # fmt: skip
            session.add(offer(competitor, sku, price))
        refresh(session, NOW)
        found = checks(session)
    level = found["price_level:vmcloud"]
    assert level["verdict"] == "contradicted" and level["proposal"]["segment"] == "premium"
    assert level["evidence"][0] == {
        "type": "own_price",
        "product": "vps-entry",
        "monthly_eur": "49.00",
        "basis": "kb",
        "market_median_eur": "7.24",
    }
    assert {e["sku"] for e in level["evidence"] if e["type"] == "offer"} == {
        "vps-2",
        "cx22",
        "d2-4",
        "dev1-m",
    }
    assert found["price_score:vmcloud"]["verdict"] == "contradicted"
    assert found["price_score:vmcloud"]["proposal"]["score"] == 0
    advantage = next(c for c in found.values() if c["text"]["en"].startswith("More aggressive pricing"))
    assert advantage["verdict"] == "contradicted" and advantage["section"] == "our_advantages"
    assert [(e["sku"], e["monthly_eur"]) for e in advantage["evidence"]] == [("vps-2", "5.79")]
    assert "0.12" in advantage["reason"]["en"]
    assert advantage["proposal"]["action"] == "strike" and "Retirer" in advantage["proposal"]["text"]["fr"]
    assert found["price_level:infomaniak"]["proposal"]["segment"] == "low_cost"


def test_a_claim_rechecks_when_and_only_when_its_data_changes(kb_ws: Any) -> None:
    with kb_ws() as session:
        cx22 = offer("hetzner", "cx22", "4.15")
        session.add_all([cx22, offer("ovhcloud", "d2-4", "8.69")])
        ran(session, "hetzner.catalog", NOW)
        first = refresh(session, NOW)
    assert "price_cell:vps-entry:hetzner" in first.rechecked and first.claims == len(first.rechecked)
    later = NOW + timedelta(hours=1)
    with kb_ws() as session:
        ran(session, "hetzner.catalog", later)  # the source ran again and saw the same prices
        assert refresh(session, later).rechecked == []
        checked = session.get(ClaimCheck, "price_cell:vps-entry:hetzner").checked_at
    assert checked == NOW
    with kb_ws() as session:
        row = session.scalars(select(type(cx22)).where(type(cx22).sku == "cx22")).one()
        move_price(session, row, "5.50", later)
        moved = refresh(session, later)
        cell = session.get(ClaimCheck, "price_cell:vps-entry:hetzner")
        untouched = session.get(ClaimCheck, "price_cell:vps-entry:ovhcloud")
    assert "price_cell:vps-entry:hetzner" in moved.rechecked
    assert "price_cell:vps-entry:ovhcloud" not in moved.rechecked and untouched.checked_at == NOW
    assert "price_level:hetzner" in moved.rechecked and "price_level:digitalocean" not in moved.rechecked
    assert cell.verdict == "contradicted" and cell.previous_verdict == "holds" and cell.checked_at == later


def test_a_claim_turning_contradicted_raises_one_event_with_its_revision_and_an_action(kb_ws: Any) -> None:
    with kb_ws() as session:
        session.add(offer("ovhcloud", "d2-4", "8.69"))
        result = refresh(session, NOW)
        again = refresh(session, NOW + timedelta(hours=1))
        events = session.scalars(select(EventRow).where(EventRow.kind == "claim_contradicted")).all()
        actions = session.scalars(select(Action).where(Action.event_id.in_([e.id for e in events]))).all()
    assert again.events == [] and sorted(result.events) == sorted(e.id for e in events)
    cell = next(e for e in events if e.data["claim_id"] == "price_cell:vps-entry:ovhcloud")
    assert cell.competitor == "ovhcloud" and cell.data["proposal"]["amount"] == "8.69"
    assert cell.data["proposal"]["text"]["fr"] and cell.data["proposal"]["text"]["en"]
    assert {a.kind for a in actions if a.event_id == cell.id} == {"price_review"}


def test_recurring_incidents_and_negative_reviews_against_counts_and_ratings(kb_ws: Any) -> None:
    from veille.store.models import IncidentRow, RatingRow

    with kb_ws() as session:
        refresh(session, NOW)
        before = checks(session)
        ran(session, "ovhcloud.status.network.incidents", NOW)
        for i in range(3):
            session.add(IncidentRow(source_id="ovhcloud.status.network.incidents", incident_id=f"i{i}", competitor="ovhcloud",
                                    title=f"outage {i}", impact="major", status="resolved",
                                    started_at=NOW - timedelta(days=5 * i), components=[], updates=[],
                                    first_seen_at=NOW))  # fmt: skip
        session.add(
            RatingRow(competitor="ovhcloud", platform="trustpilot", score=4.4, scale=5, count=100, as_of=NOW)
        )
        refresh(session, NOW)
        after = checks(session)
    incident = next(k for k in after if k.startswith("incident_sentence:ovhcloud"))
    review = next(k for k in after if k.startswith("review_sentence:ovhcloud"))
    assert before[incident]["verdict"] == "unverifiable" and before[review]["verdict"] == "unverifiable"
    assert after[incident]["verdict"] == "holds" and len(after[incident]["evidence"]) == 3
    assert (
        after[review]["verdict"] == "contradicted"
        and after[review]["evidence"][0]["platform"] == "trustpilot"
    )


def test_sentences_are_tagged_and_given_a_stance_from_the_word_lists() -> None:
    aggressive = T("Pricing plus agressif (pas premium suisse)", "More aggressive pricing (no Swiss premium)")
    assert tags(aggressive) == ["price"] and stance(aggressive) == "cheap"
    assert stance(T("Pricing pas toujours compétitif", "Pricing not always competitive")) == "dear"
    assert stance(T("Image premium, pas cheap", 'Premium image, not "cheap"')) is None
    assert stance(T("Pricing parfois élevé", "Pricing sometimes high")) == "dear"
    assert tags(T("Support humain", "Human support")) == []
    assert tags(T("Incidents récurrents", "Recurring incidents")) == ["incidents"]


def test_a_dismissed_claim_stays_quiet_until_its_data_moves(kb_ws: Any) -> None:
    from veille.analysis.claims.decide import dismiss

    with kb_ws() as session:
        d24 = offer("ovhcloud", "d2-4", "8.69")
        session.add(d24)
        refresh(session, NOW)
        dismiss(session, "price_cell:vps-entry:ovhcloud", author="bob", reason="promo price")
    with kb_ws() as session:
        assert refresh(session, NOW + timedelta(hours=1)).rechecked == []
        assert session.get(ClaimCheck, "price_cell:vps-entry:ovhcloud").status == "dismissed"
        row = session.scalars(select(type(d24)).where(type(d24).sku == "d2-4")).one()
        move_price(session, row, "9.50", NOW + timedelta(hours=2))
        moved = refresh(session, NOW + timedelta(hours=2))
        cell = session.get(ClaimCheck, "price_cell:vps-entry:ovhcloud")
        events = session.scalars(select(EventRow).where(EventRow.id.in_(moved.events))).all()
    assert cell.status == "open" and cell.verdict == "contradicted"
    assert [e.data["claim_id"] for e in events] == ["price_cell:vps-entry:ovhcloud"]


def test_a_segment_barely_crossed_is_weakened_and_a_far_one_contradicted() -> None:
    from veille.analysis.claims.check import judge
    from veille.analysis.claims.model import Claim

    def verdict(segment: str, ratio: str) -> str:
        claim = Claim(
            "price_level:x",
            "price_level",
            "segmentation",
            "ovhcloud",
            {"fr": "", "en": ""},
            {"segment": segment},
        )
        evidence = {"type": "offer", "sku": "s", "stale": False}
        return judge(claim, {"basis": "our_price", "ratios": [[ratio, evidence]]}).verdict

    assert verdict("mid", "1.0") == "holds"
    assert verdict("mid", "0.66") == "weakened"  # low-cost, 0.04 under the 0.7 threshold
    assert verdict("mid", "0.5") == "contradicted"
    assert verdict("premium", "0.72") == "contradicted"  # mid, but far from the 1.3 threshold it crossed
    assert verdict("premium", "1.25") == "weakened"
    assert verdict("low_cost", "1.4") == "contradicted"


def test_the_quarterly_review_lists_the_claims_whose_verdict_changed(kb_ws: Any) -> None:
    from veille.reports.builders import review

    with kb_ws() as session:
        cx22 = offer("hetzner", "cx22", "4.15")
        session.add(cx22)
        ran(session, "hetzner.catalog", NOW)
        refresh(session, NOW)
        move_price(session, cx22, "6.50", NOW + timedelta(hours=1))
        refresh(session, NOW + timedelta(hours=1))
        doc = review(session, "en", NOW + timedelta(hours=2))
    text = "\n".join(b for b in doc.blocks if isinstance(b, str))
    section = text.split("## Claims whose verdict changed", 1)[1].split("\n## ", 1)[0]
    assert "VPS Entry (2vCPU/4GB) — Hetzner: 4 EUR | holds | contradicted" in section


def test_a_price_entered_by_hand_is_checked_against_the_analysis_at_once(cli: Any, tmp_path: Any) -> None:
    import json

    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    code, _, err = cli("--home", home, "prices", "add", "ovhcloud", "d2-4", "--url", "https://www.ovhcloud.com/fr/",
                       "--vcpu", "2", "--ram-gb", "4", "--price-monthly", "8,69")  # fmt: skip
    assert code == 0 and "claims:" in err and "newly contradicted" in err, err
    code, out, _ = cli("--home", home, "claims", "--json", "--competitor", "OVH", "--section", "price_table")
    cell = next(c for c in json.loads(out) if c["id"] == "price_cell:vps-entry:ovhcloud")
    assert cell["verdict"] == "contradicted" and cell["evidence"][0]["source_id"] == "manual"
    code, _, err = cli("--home", home, "claims", "--competitor", "nobody")
    assert code == 1 and "Traceback" not in err


def test_a_failing_check_never_undoes_the_collection(cli: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from veille.analysis.claims import check
    from veille.settings import Settings
    from veille.watch.scheduler import Scheduler
    from veille.workspace import Workspace

    def broken(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(check, "after_collection", broken)
    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    code, out, err = cli("--home", home, "prices", "add", "ovhcloud", "d2-4", "--url", "https://www.ovhcloud.com/fr/",
                         "--vcpu", "2", "--ram-gb", "4", "--price-monthly", "8.69")  # fmt: skip
    assert code == 0 and "recorded ovhcloud d2-4" in out and "claims were not checked: RuntimeError" in err
    errors: list[str] = []
    ws = Workspace(Settings(home=home, database_url=None))
    Scheduler(ws, specs=[], on_error=errors.append).check_claims(["ok"])
    assert errors == ["claims: RuntimeError: disk full"]
    ws.store.dispose()


def test_no_incident_contradicts_recurring_incidents_only_once_watched_for_the_whole_window(
    kb_ws: Any,
) -> None:
    source = "ovhcloud.status.network.incidents"
    with kb_ws() as session:
        ran(session, source, NOW - timedelta(days=10))
        ran(session, source, NOW)
        refresh(session, NOW)
        found = checks(session)
    incident = next(v for k, v in found.items() if k.startswith("incident_sentence:ovhcloud"))
    assert incident["verdict"] == "weakened" and "when watching began" in incident["reason"]["en"]
    with kb_ws() as session:
        ran(session, source, NOW - timedelta(days=100))
        refresh(session, NOW)
        incident = next(v for k, v in checks(session).items() if k.startswith("incident_sentence:ovhcloud"))
    assert incident["verdict"] == "contradicted" and incident["reason"]["en"] == "0 incident(s) in 90 days"
