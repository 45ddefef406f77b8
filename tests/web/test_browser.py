"""The dashboard in Debian's chromium: sign in, overview, a competitor's price chart, editing a matrix
score, a secret-shopping note, switching to English, signing out. No request leaves the machine and
the Content-Security-Policy is never violated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Site, make_site
from tests.web.live import LiveServer

from veille.store.models import Note

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Site, LiveServer]]:
    site = make_site(tmp_path / "ws")
    with LiveServer(site.app) as server:
        yield site, server
    site.workspace.store.dispose()


def test_the_main_journey(browser: Any, live: tuple[Site, LiveServer], shots_dir: Path) -> None:
    site, server = live
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(server.url) else foreign.append(r.url))

    # anonymous: sent to the login page
    page.goto(server.url + "/competitors/hetzner")
    assert page.url.startswith(server.url + "/login")
    page.screenshot(path=str(shots_dir / "login.png"))
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/competitors/hetzner")

    # the competitor page draws its price history
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#price-chart-vps'))")
    drawn = page.evaluate(
        """() => {
          const canvas = document.querySelector('#price-chart-vps');
          const chart = Chart.getChart(canvas);
          const ctx = canvas.getContext('2d');
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) inked++; }
          return {series: chart.data.datasets.length, points: chart.data.datasets[0].data.length,
                  inked, width: canvas.width, height: canvas.height};
        }"""
    )
    assert drawn["series"] == 2 and drawn["points"] >= 3, drawn
    assert drawn["width"] > 300 and drawn["height"] > 100 and drawn["inked"] > 2000, drawn
    assert "3,79\u00a0€" in page.inner_text("main")
    page.screenshot(path=str(shots_dir / "competitor.png"), full_page=True)

    # the overview
    page.click("nav.mainnav a[href='/']")
    assert page.inner_text("h1") == "Vue d’ensemble"
    assert "Hetzner lowers CX22 price" in page.inner_text("main")
    page.screenshot(path=str(shots_dir / "overview.png"), full_page=True)

    # edit a matrix score in place (HTMX), with its evidence
    page.goto(server.url + "/matrix")
    cell = "#cell-hetzner-support"
    page.click(f"{cell} button.edit")
    page.fill(f"{cell} input[name=score]", "3")
    page.fill(f"{cell} textarea[name=evidence]", "Secret shopping: ticket answered in 2 h")
    page.click(f"{cell} button[type=submit]")
    page.wait_for_selector(f"{cell} .dots")
    assert page.locator(f"{cell} .dot.on").count() == 3
    assert "ticket answered in 2 h" in (page.text_content(cell) or "")
    page.reload()
    assert page.locator(f"{cell} .dot.on").count() == 3
    page.screenshot(path=str(shots_dir / "matrix.png"), full_page=True)

    # a secret-shopping log
    page.goto(server.url + "/notes")
    form = "#secret-shopping form"
    page.select_option(f"{form} select[name=competitor]", "hetzner")
    page.fill(f"{form} input[name=title]", "Commande GPU un dimanche")
    page.fill(f"{form} input[name=happened_on]", "2026-11-15")
    page.fill(f"{form} textarea[name=body]", "Livrée en 12 minutes, support joignable.")
    page.fill(f"{form} input[name=score]", "4.5")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("p.flash")
    assert "Commande GPU un dimanche" in page.inner_text("ul.notes")
    with site.workspace.store.session() as session:
        note = session.scalars(select(Note).where(Note.kind == "secret_shopping")).one()
        assert (note.competitor, note.author, str(note.score), note.happened_on) == (
            "hetzner",
            "editor",
            "4.5",
            "2026-11-15",
        )
    page.screenshot(path=str(shots_dir / "notes.png"), full_page=True)

    # switch to English
    page.click(".langs a[lang=en]")
    page.wait_for_url(server.url + "/notes**")
    assert page.inner_text("h1") == "Manual intelligence"
    assert page.get_attribute("html", "lang") == "en"
    page.goto(server.url + "/positioning")
    page.screenshot(path=str(shots_dir / "positioning-en.png"), full_page=True)

    # sign out
    page.click("header form[action='/logout'] button")
    page.wait_for_url(server.url + "/login")
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")

    assert not foreign, f"requests to third parties: {foreign}"
    assert not problems, f"console errors (CSP violations?): {problems}"
    context.close()
