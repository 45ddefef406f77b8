"""On the demo workspace: VMCloud's price level, Infomaniak's "more aggressive pricing" and price-table
cells come out contradicted, with the offers that refute them, in the CLI, the API and the analysis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from veille.auth import add_user, new_token
from veille.settings import Settings
from veille.web.app import create_app
from veille.workspace import Workspace


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from veille.demo import run_demo

    out = tmp_path_factory.mktemp("claims-demo") / "veille-demo"
    run_demo(out, lambda _line: None, pdf=False)
    return out


@pytest.fixture
def demo_copy(demo_home: Path, tmp_path: Path) -> Path:
    """A copy of the demo workspace, for the tests that change it."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_home, copy)
    return copy


def _claims(cli: Any, home: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = cli("--home", home, "claims", "--json", *args)
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def test_vmcloud_price_level_and_score_are_contradicted_by_the_competitors_offers(
    cli: Any, demo_home: Path
) -> None:
    found = {c["id"]: c for c in _claims(cli, demo_home, "--competitor", "vmcloud")}
    level = found["price_level:vmcloud"]
    assert level["verdict"] == "contradicted" and level["text"]["en"] == "VMCloud: mid-range prices"
    assert level["proposal"]["segment"] == "premium" and "premium" in level["reason"]["en"]
    offers = [e for e in level["evidence"] if e["type"] == "offer"]
    assert {"hetzner", "ovhcloud", "infomaniak"} <= {e["competitor"] for e in offers}
    assert all(e["sku"] and e["monthly_eur"] and e["currency"] and e["observed_at"] for e in offers)
    assert found["price_score:vmcloud"]["verdict"] == "contradicted"


def test_infomaniak_more_aggressive_pricing_is_contradicted_by_its_offers(cli: Any, demo_home: Path) -> None:
    found = _claims(cli, demo_home, "--competitor", "Infomaniak", "--verdict", "contradicted")
    advantage = next(c for c in found if c["section"] == "our_advantages")
    assert advantage["text"]["fr"] == "Pricing plus agressif (pas premium suisse)"
    entry = next(e for e in advantage["evidence"] if e["product"] == "vps-entry")
    assert (entry["competitor"], entry["monthly_eur"]) == ("infomaniak", "5.79")
    assert "0.12" in advantage["reason"]["en"]
    assert advantage["proposal"]["action"] == "strike" and advantage["proposal"]["text"]["fr"].startswith(
        "Retirer"
    )


def test_price_table_cells_far_from_live_prices_are_contradicted(cli: Any, demo_home: Path) -> None:
    cells = _claims(cli, demo_home, "--section", "price_table", "--verdict", "contradicted")
    ovh = next(c for c in cells if c["id"] == "price_cell:vps-entry:ovhcloud")
    assert ovh["evidence"][0]["sku"] and ovh["proposal"]["action"] == "set_price"
    code, _, err = cli("--home", demo_home, "claims", "--verdict", "wrong")
    assert code == 2 and "Traceback" not in err


def test_contradictions_raised_events_and_the_analysis_shows_them(cli: Any, demo_home: Path) -> None:
    code, out, _ = cli("--home", demo_home, "events", "--kind", "claim_contradicted", "--json")
    assert code == 0
    events = json.loads(out)
    assert any(e["data"]["claim_id"] == "price_level:vmcloud" for e in events)
    for lang, heading, mark in (("fr", "Là où l'analyse ne tient plus", "[CONTREDIT]"),
                                ("en", "Where the analysis no longer holds", "[CONTRADICTED]")):  # fmt: skip
        text = (demo_home / "reports" / f"analysis-{lang}.md").read_text(encoding="utf-8")
        section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
        assert "infomaniak" in section and "d2-4" in section
        assert "Pricing plus agressif (pas premium suisse)" in text.split(f"## {heading}")[0] or lang == "en"
        assert mark in text
        html = (demo_home / "reports" / f"analysis-{lang}.html").read_text(encoding="utf-8")
        assert heading.replace("'", "&#x27;") in html or heading in html


def test_the_api_serves_the_claims(demo_home: Path) -> None:
    ws = Workspace(Settings(home=demo_home, database_url=None, secret_key=SecretStr("test-secret-key")))
    with ws.store.session() as session:
        add_user(session, "viewer-claims", "viewer", "correct horse battery")
        token = new_token(session, "viewer-claims")
    with TestClient(create_app(ws), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {token}"}
        found = client.get("/api/v1/claims?verdict=contradicted&competitor=vmcloud", headers=headers).json()
        assert {c["id"] for c in found} >= {"price_level:vmcloud", "price_score:vmcloud"}
        assert client.get("/api/v1/claims").status_code == 401
        assert client.get("/api/v1/claims?verdict=maybe", headers=headers).status_code == 422
    ws.store.dispose()


def test_the_dashboard_lists_the_contradicted_claims(demo_home: Path) -> None:
    from tests.web.conftest import login

    ws = Workspace(Settings(home=demo_home, database_url=None, secret_key=SecretStr("test-secret-key")))
    with ws.store.session() as session:
        add_user(session, "page-viewer", "viewer", "correct horse battery")
    with TestClient(create_app(ws), base_url="http://127.0.0.1") as client:
        login(client, "page-viewer", "correct horse battery")
        page = client.get("/claims?competitor=infomaniak&verdict=contradicted")
        assert page.status_code == 200
        assert (
            "Pricing plus agressif (pas premium suisse)" in page.text and "a2-ram4-disk50-perf1" in page.text
        )
        assert "Affirmations" in page.text and "contredite" in page.text
        assert "Reasonable prices" not in page.text and "Prix raisonnables" not in page.text  # it holds
        sheet = client.get("/competitors/infomaniak").text
        block = sheet.split("Ce que le marché dit contre notre analyse", 1)[1].split("</section>", 1)[0]
        assert "Pricing plus agressif (pas premium suisse)" in block and "Retirer" in block
    ws.store.dispose()


def test_accepting_a_revision_changes_the_kb_through_a_revision(cli: Any, demo_copy: Path) -> None:
    code, out, err = cli("--home", demo_copy, "claims", "accept", "price_level:vmcloud",
                         "--reason", "the live prices say so", "--author", "alice")  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("--home", demo_copy, "kb", "history")
    assert "alice" in out and "price_level:vmcloud" in out
    code, out, _ = cli("--home", demo_copy, "kb", "export", "--format", "json", "--lang", "en")
    placements = {p["competitor"]: p["price"] for p in json.loads(out)["segmentation"]["placements"]}
    assert placements["vmcloud"] == "premium"
    level = next(c for c in _claims(cli, demo_copy) if c["id"] == "price_level:vmcloud")
    assert level["verdict"] == "holds" and level["status"] == "accepted"
    code, _, err = cli("--home", demo_copy, "claims", "accept", "price_level:vmcloud")
    assert code == 1 and "no revision to accept" in err


def test_striking_a_sentence_and_dismissing_another(cli: Any, demo_copy: Path) -> None:
    found = _claims(cli, demo_copy, "--competitor", "infomaniak", "--verdict", "contradicted")
    advantage = next(c for c in found if c["section"] == "our_advantages")
    weakness = next(c for c in found if c["section"] == "weaknesses")
    assert cli("--home", demo_copy, "claims", "accept", advantage["id"], "--reason", "r")[0] == 0
    assert advantage["id"] not in {c["id"] for c in _claims(cli, demo_copy)}
    code, out, _ = cli("--home", demo_copy, "kb", "export", "--format", "json", "--lang", "fr")
    comp = next(c for c in json.loads(out)["competitors"] if c["id"] == "infomaniak")
    assert "Pricing plus agressif (pas premium suisse)" not in comp["our_advantages"]
    assert (
        cli("--home", demo_copy, "claims", "dismiss", weakness["id"], "--reason", "Swiss list prices")[0] == 0
    )
    after = next(c for c in _claims(cli, demo_copy) if c["id"] == weakness["id"])
    assert after["status"] == "dismissed" and after["dismissed_reason"].startswith("Swiss list prices")
    code, _, err = cli("--home", demo_copy, "claims", "dismiss", "nope:x", "--reason", "r")
    assert code == 1 and "no claim" in err


def test_vmcloud_has_its_own_page_not_a_competitor_sheet(demo_home: Path) -> None:
    from tests.web.conftest import login

    ws = Workspace(Settings(home=demo_home, database_url=None, secret_key=SecretStr("test-secret-key")))
    with ws.store.session() as session:
        add_user(session, "own-page-viewer", "viewer", "correct horse battery")
    with TestClient(create_app(ws), base_url="http://127.0.0.1") as client:
        login(client, "own-page-viewer", "correct horse battery")
        page = client.get("/competitors/vmcloud")
        assert page.status_code == 200
        text = page.text
        assert "Aucune stratégie" not in text and "Forces" not in text  # not a competitor's sheet
        dear = text.split("Là où nous sommes les plus chers", 1)[1].split("</div>", 1)[0]
        assert "VPS Entry (2vCPU/4GB)" in dear and "49,00" in dear
        assert "le tableau de prix de l&#x27;analyse" in text or "le tableau de prix de l'analyse" in text
        assert "Support par des experts (devs, pas scripts)" in text and "Service expert humain" in text
        moves = text.split("Les mouvements des concurrents sur notre terrain", 1)[1].split("</section>", 1)[0]
        assert "cloud souverain" in moves and "Souveraineté européenne" in moves  # Infomaniak's funding
        assert "Kubernetes 1.34" in moves  # DigitalOcean's feature, on our ecosystem
        about = text.split("Ce que les données disent de nous", 1)[1].split("</section>", 1)[0]
        assert "contredite" in about and "prix milieu de gamme" in about
        client.cookies.set("veille_lang", "en")
        english = client.get("/competitors/vmcloud").text
        assert "Where we are the most expensive" in english and "Our moat" in english
        assert "Support from experts (developers, not scripts)" in english
    ws.store.dispose()


def test_vmcloud_page_in_the_browser_fits_a_phone(demo_home: Path, tmp_path: Path) -> None:
    """(Chromium started here, after the demo ran: its event loop would stop the demo's.) Screenshots
    go to $VEILLE_SCREENSHOTS if set."""
    import os

    shots_dir = Path(os.environ.get("VEILLE_SCREENSHOTS") or tmp_path)
    from tests.web.conftest import PASSWORD
    from tests.web.live import CHROMIUM, CHROMIUM_ARGS, LiveServer

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")

    ws = Workspace(Settings(home=demo_home, database_url=None, secret_key=SecretStr("test-secret-key")))
    with ws.store.session() as session:
        add_user(session, "own-page-browser", "editor", PASSWORD)  # an editor sees the forms too
    with (
        LiveServer(create_app(ws)) as server,
        playwright_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        for locale, lang in (("fr-FR", "fr"), ("en-GB", "en")):
            for width in (1280, 390):
                context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(server.url + "/login?next=/competitors/vmcloud")
                page.fill("input[name=username]", "own-page-browser")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                for name, path in (("vmcloud", "/competitors/vmcloud"), ("claims", "/claims?verdict=contradicted"),
                                   ("claim-tags", "/claims/tags?competitor=hetzner")):  # fmt: skip
                    page.goto(server.url + path)
                    if name == "vmcloud":
                        assert page.locator("#standing table tbody tr").count() == 5
                    overflow = page.evaluate(
                        "() => document.scrollingElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 0, f"{path} ({lang}) at {width}px: {overflow}px wider than the screen"
                    page.screenshot(path=str(shots_dir / f"{name}-{lang}-{width}.png"), full_page=True)
                context.close()
        browser.close()
    ws.store.dispose()


def test_editors_accept_dismiss_and_tag_from_the_dashboard(cli: Any, demo_copy: Path) -> None:
    from tests.web.conftest import login

    ws = Workspace(Settings(home=demo_copy, database_url=None, secret_key=SecretStr("test-secret-key")))
    with ws.store.session() as session:
        add_user(session, "claims-editor", "editor", "correct horse battery")
        add_user(session, "claims-viewer", "viewer", "correct horse battery")
    app = create_app(ws)
    with TestClient(app, base_url="http://127.0.0.1") as viewer:
        csrf = login(viewer, "claims-viewer", "correct horse battery")
        assert "/claims/accept" not in viewer.get("/claims").text
        refused = viewer.post("/claims/accept", data={"csrf_token": csrf, "claim_id": "price_level:vmcloud"})
        assert refused.status_code == 403
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = login(client, "claims-editor", "correct horse battery")
        assert 'action="/claims/accept"' in client.get("/claims?verdict=contradicted").text
        form = {"csrf_token": csrf, "claim_id": "price_level:vmcloud", "reason": "premium, as the prices say"}
        assert client.post("/claims/accept", data=form, follow_redirects=False).status_code == 303
        form = {"csrf_token": csrf, "claim_id": "price_cell:vps-entry:ovhcloud", "reason": "promo price"}
        assert client.post("/claims/dismiss", data=form, follow_redirects=False).status_code == 303
        assert client.post("/claims/dismiss", data={**form, "reason": ""}).status_code in (400, 422)
        tags = client.get("/claims/tags?competitor=hetzner").text
        assert "Phrases et étiquettes" in tags and "Support minimal" in tags
        key = next(s["key"] for s in json.loads(cli("--home", demo_copy, "claims", "tags", "--json")[1])
                   if s["text"]["en"] == "Minimal support")  # fmt: skip
        saved = client.post("/claims/tags", data={"csrf_token": csrf, "key": key, "tags": ["support"]},
                            follow_redirects=False)  # fmt: skip
        assert saved.status_code == 303
    ws.store.dispose()
    _code, out, _ = cli("--home", demo_copy, "kb", "history")
    assert "claims-editor" in out and "price_level:vmcloud" in out
    found = {c["id"]: c for c in _claims(cli, demo_copy)}
    assert found["price_level:vmcloud"]["status"] == "accepted"
    assert found["price_cell:vps-entry:ovhcloud"]["status"] == "dismissed"
    chosen = {
        s["key"]: s["chosen"] for s in json.loads(cli("--home", demo_copy, "claims", "tags", "--json")[1])
    }
    assert chosen[key] == ["support"]


def test_the_demo_tells_the_claims_story_over_its_three_weeks(cli: Any, demo_home: Path) -> None:
    from veille.demo import claims_story as story

    found = {c["id"]: c for c in _claims(cli, demo_home)}
    holds, turns = found[story.HOLDS], found[story.TURNS]
    accepted, dismissed = found[story.ACCEPTED], found[story.DISMISSED]
    assert holds["verdict"] == "holds" and holds["status"] == "open"  # Hetzner's cell, through a price rise
    assert (turns["previous_verdict"], turns["verdict"]) == ("weakened", "contradicted")
    assert turns["verdict_since"] < accepted["verdict_since"]  # week 2's price move, then the decisions
    assert turns["evidence"][0]["sku"] == "DEV1-M" and turns["proposal"]["action"] == "set_price"
    code, out, _ = cli("--home", demo_home, "events", "--kind", "claim_contradicted", "--json")
    assert any(e["data"]["claim_id"] == story.TURNS for e in json.loads(out))
    assert (accepted["status"], accepted["verdict"], accepted["previous_verdict"]) == (
        "accepted",
        "holds",
        "contradicted",
    )
    assert dismissed["status"] == "dismissed" and dismissed["dismissed_reason"].startswith(
        story.DISMISS_REASON
    )
    code, out, _ = cli("--home", demo_home, "kb", "history")
    assert code == 0 and story.EDITOR in out and story.ACCEPTED in out
    reports = demo_home / "reports"
    before = next((reports / "editions").glob("*-analysis-en.md")).read_text(encoding="utf-8")
    after = (reports / "analysis-en.md").read_text(encoding="utf-8")

    assert "specialist: AWS, GCP, Azure, Lambda, CoreWeave, Scaleway, Infomaniak" in before  # week 1: premium
    assert "low-cost / specialist: Scaleway" in after  # the next edition reflects the accepted revision
    section = after.split("## Where the analysis no longer holds", 1)[1].split("\n## ", 1)[0]
    assert "DEV1-M" in section and "VPS Entry (2vCPU/4GB) — OVH" not in section  # dismissed: left out
