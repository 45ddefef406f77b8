"""Reports from a workspace fed through the real replay path (Hetzner's server_types format, ECB XML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veille.reports.charts import MapPoint, segmentation_map

ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject><gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
<Cube><Cube time="{day}"><Cube currency="USD" rate="1.0850"/><Cube currency="CHF" rate="0.9400"/></Cube></Cube>
</gesmes:Envelope>"""


def server_types(cx22_monthly: str, title: str = "CX22") -> bytes:
    def price(location: str, hourly: str, monthly: str) -> dict[str, object]:
        return {
            "location": location,
            "price_hourly": {"net": hourly, "gross": hourly},
            "price_monthly": {"net": monthly, "gross": monthly},
            "included_traffic": 21990232555520,
            "price_per_tb_traffic": {"net": "1.0000000000", "gross": "1.1900000000"},
        }

    types = [
        {
            "id": 104,
            "name": "cx22",
            "description": title,
            "cores": 2,
            "memory": 4.0,
            "disk": 40,
            "deprecated": False,
            "prices": [price("fsn1", "0.0060000000", cx22_monthly)],
            "storage_type": "local",
            "cpu_type": "shared",
            "architecture": "x86",
            "included_traffic": None,
            "deprecation": None,
        },
        {
            "id": 106,
            "name": "cx52",
            "description": "CX52",
            "cores": 16,
            "memory": 32.0,
            "disk": 320,
            "deprecated": False,
            "prices": [price("fsn1", "0.0576000000", "35.90")],
            "storage_type": "local",
            "cpu_type": "shared",
            "architecture": "x86",
            "included_traffic": None,
            "deprecation": None,
        },
    ]
    meta = {
        "pagination": {
            "page": 1,
            "per_page": 25,
            "previous_page": None,
            "next_page": None,
            "last_page": 1,
            "total_entries": 2,
        }
    }
    return json.dumps({"server_types": types, "meta": meta}).encode()


@pytest.fixture
def fed_home(cli, tmp_path: Path) -> Path:
    """A workspace with the bundled analysis and two Hetzner snapshots (the second one with a price rise)."""
    home = tmp_path / "ws"
    captures = tmp_path / "captures"
    for when, monthly, title in (
        ("2026-11-01T10-00-00Z", "3.79", "CX22"),
        ("2026-11-08T10-00-00Z", "4.15", "CX22 <script>window.__xss=1</script>"),
    ):
        (captures / when / "hetzner.server_types").mkdir(parents=True)
        (captures / when / "hetzner.server_types" / "page-1.json").write_bytes(server_types(monthly, title))
        (captures / when / "ecb.daily").mkdir(parents=True)
        (captures / when / "ecb.daily" / "eurofxref-daily.xml").write_text(ECB.replace("{day}", when[:10]))
    assert cli("--home", home, "init")[0] == 0
    code, _, err = cli("--home", home, "replay", captures)
    assert code == 0, err
    return home


def test_analysis_carries_live_prices_and_what_changed(cli, fed_home: Path, tmp_path: Path) -> None:
    code, first, err = cli("--home", fed_home, "report", "analysis", "--lang", "fr")
    assert code == 0, err
    assert "## 6. Matrice comparative" in first
    assert (
        "| VPS Entry (2vCPU/4GB) | 49€ | 6€ | 15€ | 4,15€ | 24$ |" in first
    )  # live Hetzner figure, seed's 4€ gone
    assert "Première édition" in first
    code, second, _ = cli("--home", fed_home, "report", "analysis", "--lang", "fr")
    assert "Ce qui a changé depuis la dernière édition" in second and "Première édition" not in second


def test_an_analysis_as_of_a_date_is_not_an_edition(cli, fed_home: Path) -> None:
    code, back, err = cli("--home", fed_home, "report", "analysis", "--lang", "fr", "--at", "2026-11-05")
    assert code == 0, err
    assert "| VPS Entry (2vCPU/4GB) | 49€ | 6€ | 15€ | 3,79€ | 24$ |" in back  # the price of that day
    code, now, _ = cli("--home", fed_home, "report", "analysis", "--lang", "fr")
    assert "Première édition" in now and "| 4,15€ |" in now  # the dated one left no edition behind
    code, _, err = cli("--home", fed_home, "report", "digest", "--at", "yesterday")
    assert code == 1 and "not a date" in err


def test_every_kind_in_both_languages_and_formats(cli, fed_home: Path, tmp_path: Path) -> None:
    for kind in ("analysis", "digest", "review"):
        for lang in ("fr", "en"):
            out = tmp_path / f"{kind}-{lang}.html"
            code, _, err = cli(
                "--home", fed_home, "report", kind, "--lang", lang, "--format", "html", "-o", out,
                "--at", "2026-11-26",
            )  # fmt: skip
            assert code == 0, err
            html = out.read_text(encoding="utf-8")
            assert f"<html lang='{lang}'>" in html and "<svg" in html
            assert "<script" not in html  # the scraped title is text, never markup
    code, battle, _ = cli(
        "--home", fed_home, "report", "battlecard", "--competitor", "Hetzner", "--lang", "en"
    )
    assert code == 0
    assert '**Key message:** "Professional infrastructure without being a sysadmin"' in battle
    assert "**Strategy:** UX, service, managed services" in battle
    assert "Hetzner" in battle and "4.15" in battle
    assert "&lt;script&gt;" in (tmp_path / "digest-en.html").read_text()  # shown, escaped


def test_pdf(cli, fed_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    out = tmp_path / "review.pdf"
    code, _, err = cli("--home", fed_home, "report", "review", "--lang", "en", "--format", "pdf", "-o", out)
    if code and "system libraries" in err:
        pytest.skip(err)
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF")


def test_battlecard_needs_a_known_competitor(cli, fed_home: Path) -> None:
    code, _, err = cli("--home", fed_home, "report", "battlecard")
    assert code == 1 and "--competitor" in err
    code, _, err = cli("--home", fed_home, "report", "battlecard", "--competitor", "nobody")
    assert code == 1 and "Traceback" not in err


def test_chart_labels_are_escaped() -> None:
    svg = segmentation_map([MapPoint("<b>x</b>", 0, 0)], title="t", axis_labels={})
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_event_title_falls_back_on_unexpected_data() -> None:
    from veille.store.models import EventRow
    from veille.wording import event_title

    odd = EventRow(kind="price_change", title="as detected", data={"old": "12", "new": "13"})
    assert event_title(odd, "fr") == "as detected"


def test_offer_event_titles_name_the_region_in_the_report_language() -> None:
    from veille.store.models import EventRow
    from veille.wording import event_title

    offer = {"sku": "cx22", "name": "CX22", "region": "nbg1", "monthly_eur": "4.15"}
    moved = EventRow(
        kind="price_change", title="hetzner CX22: price", data={
            "offer": offer, "old": {"monthly": "3.79", "currency": "EUR"},
            "new": {"monthly": "4.15", "currency": "EUR"}, "pct_change": "9.5",
        },
    )  # fmt: skip
    assert event_title(moved, "fr") == "CX22 (nbg1): prix 3,79\u00a0€ → 4,15\u00a0€ (+9,5%)"
    assert event_title(moved, "en") == "CX22 (nbg1): price €3.79 → €4.15 (+9.5%)"
    added = EventRow(kind="offer_added", title="hetzner CX22 (nbg1): new offer", data={"offer": offer})
    assert event_title(added, "fr") == "CX22 (nbg1): nouvelle offre, 4,15\u00a0€ / mois"
    assert event_title(added, "en") == "CX22 (nbg1): new offer, €4.15 / month"
    gone = EventRow(kind="offer_removed", title="x", data={"offer": {**offer, "monthly_eur": None}})
    assert event_title(gone, "fr") == "CX22 (nbg1): offre retirée"
    failed = EventRow(
        kind="source_failure", title="Source vultr.plans failed (2 in a row): ParseError: HTML",
        data={"source_id": "vultr.plans", "error": "ParseError: HTML", "consecutive_failures": 2},
    )  # fmt: skip
    assert event_title(failed, "fr") == "Échec de la source vultr.plans (2 de suite): ParseError: HTML"
    assert event_title(failed, "en") == failed.title


def test_levels_and_impacts_are_words_of_the_report_language(cli, fed_home: Path) -> None:
    """The knowledge base's codes (``low``, ``high``) and the status pages' impacts read in French."""
    code, battle_fr, _ = cli(
        "--home", fed_home, "report", "battlecard", "--competitor", "hetzner", "--lang", "fr"
    )
    assert code == 0 and "**Menace:** 🟢 Faible" in battle_fr and " low" not in battle_fr
    code, battle_en, _ = cli(
        "--home", fed_home, "report", "battlecard", "--competitor", "hetzner", "--lang", "en"
    )
    assert "**Threat:** 🟢 Low" in battle_en
    code, review_fr, _ = cli("--home", fed_home, "report", "review", "--lang", "fr", "--at", "2026-11-26")
    assert code == 0
    probabilities = [line.split("|")[-2].strip() for line in review_fr.splitlines() if line.count("|") == 4]
    assert probabilities and not {"high", "medium", "low"} & set(probabilities)
    assert {"Élevée", "Moyenne", "Faible"} & set(probabilities)


def test_impact_words() -> None:
    from veille.wording import impact_word

    assert [impact_word(code, "fr") for code in ("minor", "major", "critical", None)] == [
        "mineur", "majeur", "critique", "—"
    ]  # fmt: skip
    assert impact_word("minor", "en") == "minor" and impact_word("odd", "fr") == "odd"


def test_every_area_and_job_function_has_its_words() -> None:
    from veille.normalise.jobs import FUNCTION_WORDS as FUNCTIONS
    from veille.normalise.jobs import FUNCTIONS as HIRING_FUNCTIONS
    from veille.normalise.tagging import AREA_WORDS as AREAS
    from veille.normalise.tagging import AREAS as TAG_AREAS
    from veille.wording import word

    assert set(AREAS) == set(TAG_AREAS) and set(FUNCTIONS) == set(HIRING_FUNCTIONS)
    assert word("datacenter_ops", "fr", FUNCTIONS) == "exploitation des data centers"
    assert word("gpu_ai", "en", AREAS) == "GPU/AI" and word("new_area", "fr", AREAS) == "new_area"


def test_incident_event_titles_in_both_languages() -> None:
    from veille.store.models import EventRow
    from veille.wording import event_title

    data = {"incident_title": "[GRA11] Instances unreachable", "impact": "minor", "kind": "incident"}
    opened = EventRow(kind="incident", title="Incident (minor): [GRA11] Instances unreachable", data=data)
    assert event_title(opened, "fr") == "Incident (mineur): [GRA11] Instances unreachable"
    assert event_title(opened, "en") == opened.title
    late = EventRow(kind="incident", title="x", data={**data, "status": "resolved", "kind": "maintenance"})
    assert event_title(late, "fr") == "Résolu: Maintenance (mineur): [GRA11] Instances unreachable"
    worse = EventRow(
        kind="incident_escalated", title="x", data={**data, "impact": "major", "previous_impact": "minor"}
    )
    assert event_title(worse, "fr") == "Incident aggravé mineur → majeur: [GRA11] Instances unreachable"
    done = EventRow(kind="incident_resolved", title="x", data=data)
    assert event_title(done, "en") == "Incident resolved: [GRA11] Instances unreachable"
    works = EventRow(kind="incident_resolved", title="x", data={**data, "kind": "maintenance"})
    assert event_title(works, "fr") == "Maintenance résolue: [GRA11] Instances unreachable"
    assert (
        event_title(EventRow(kind="incident", title="as stored", data={"impact": "minor"}), "fr")
        == "as stored"
    )


def test_rating_review_and_hiring_titles_in_both_languages() -> None:
    from veille.wording import title_in

    rating = {
        "platform": "trustpilot",
        "score": "3.2",
        "previous_score": "3.4",
        "count": 1392,
        "previous_count": 1200,
    }
    assert title_in("fr", "rating_change", "x", rating) == "Note Trustpilot 3,4 → 3,2 ↓ (+192 avis)"
    assert title_in("en", "rating_change", "x", rating) == "Trustpilot rating 3.4 → 3.2 ↓ (+192 reviews)"
    review = {"platform": "trustpilot", "rating": "1", "headline": "Support injoignable"}
    assert title_in("fr", "review", "x", review) == "Avis Trustpilot 1★: Support injoignable"
    assert (
        title_in("fr", "review", "as stored", {"platform": "g2"}) == "as stored"
    )  # before headlines were kept
    jobs = {"function": "gpu_ai", "open_now": 6, "open_before": 1, "change": 5, "change_pct": "500",
            "baseline_at": "2026-11-12T10:00:00+00:00"}  # fmt: skip
    assert (
        title_in("fr", "hiring", "x", jobs) == "Postes ouverts, GPU/IA: +500% depuis le 12 nov. 2026 (1 → 6)"
    )
    assert title_in("en", "hiring", "x", jobs) == "+500% GPU/AI roles since 12 Nov 2026 (1 → 6)"
    fewer = {**jobs, "function": "sales", "change_pct": None, "change": -3, "open_before": 3, "open_now": 0}
    assert title_in("fr", "hiring", "x", fewer) == "Postes ouverts, ventes: -3 depuis le 12 nov. 2026 (3 → 0)"


def test_damaged_event_data_falls_back_on_the_stored_title() -> None:
    from veille.wording import title_in

    for kind, data in (
        ("rating_change", {"score": "abc", "previous_score": "4.1"}),
        ("hiring", {"function": "sales", "baseline_at": "not a date", "open_now": 3}),
        ("price_change", {"offer": {"name": "X"}, "old": {"monthly": "n/a"}, "new": {"monthly": "4"}}),
        ("review", {"headline": "ok", "rating": "five"}),
    ):
        assert title_in("fr", kind, "as stored", data) == "as stored", kind
