"""Issue 15's journey through the dashboard, in Chromium: an editor adds a competitor the analysis does not
name (Genesis Cloud) at /competitors/new, then its feed, status page, job board and pricing page at
/sources/new, each previewed (fetched once on loopback) before it is saved; after one watch the
competitor's page shows the events read from its feed, in French and English at phone width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from tests.sources.watchlist_loopback import PRICING_OPTIONS, serve, tree_digest, url_map
from tests.web.conftest import PASSWORD, make_site
from tests.web.live import LiveServer

GC = "genesiscloud"
SOURCE_IDS = ["genesiscloud.blog", "genesiscloud.jobs", "genesiscloud.pricing",
              "genesiscloud.status.incidents", "genesiscloud.status.summary"]  # fmt: skip


def _forms(base: str) -> list[dict[str, str]]:
    """The four sources as typed into /sources/new."""
    pricing = "\n".join(f"{k}={v}" for k, v in PRICING_OPTIONS.items())
    return [
        {"kind": "feed", "target": f"{base}/blog.rss", "source_id": "genesiscloud.blog", "options": ""},
        {"kind": "status", "target": f"{base}/api/v2/summary.json", "source_id": "genesiscloud.status",
         "options": ""},
        {"kind": "jobs", "target": GC, "source_id": "genesiscloud.jobs", "options": "platform=greenhouse"},
        {"kind": "pricing-page", "target": f"{base}/tarife", "source_id": "genesiscloud.pricing",
         "options": pricing},
    ]  # fmt: skip


def _sign_in(page: Any, url: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def _add_competitor(page: Any, url: str, shots: Path) -> None:
    page.goto(url + "/competitors/new")
    page.fill("input[name=id]", GC)
    page.fill("input[name=name]", "Genesis Cloud")
    page.fill("input[name=country]", "DE")
    page.select_option("select[name=tier]", "gpu")
    page.fill("textarea[name=aliases]", "Genesis Cloud GmbH\nGenesisCloud")
    page.fill("input[name=message]", "a GPU cloud to watch")
    page.screenshot(path=str(shots / "journey-competitor-new-fr-390.png"), full_page=True)
    page.click("form[action='/competitors/new'] button[type=submit]")
    page.wait_for_url(f"**/competitors/{GC}**")


def _add_source(page: Any, url: str, form: dict[str, str], shots: Path) -> None:
    page.goto(url + "/sources/new")
    page.select_option("select[name=kind]", form["kind"])
    page.fill("input[name=target]", form["target"])
    page.select_option("select[name=competitor]", GC)
    page.fill("input[name=source_id]", form["source_id"])
    page.fill("textarea[name=options]", form["options"])
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    assert form["source_id"] in page.inner_text("#preview")
    page.screenshot(path=str(shots / f"journey-source-{form['kind']}-fr-390.png"), full_page=True)
    page.click("button[value=save]")
    page.wait_for_url(f"**/sources/{form['source_id']}*/edit**")


def _watch_once(home: Path) -> subprocess.CompletedProcess[str]:
    """``veille watch --once`` on the added sources, as its own process (Playwright's event loop holds this
    one's main thread, and the watch installs signal handlers, which only the main thread may)."""
    import veille

    argv = ["--home", str(home), "watch", "--once", *[x for s in SOURCE_IDS for x in ("--source", s)]]
    env = {**os.environ, "PYTHONPATH": str(Path(veille.__file__).parents[1])}
    return subprocess.run([sys.executable, "-m", "veille", *argv], env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


@pytest.mark.browser
def test_a_new_competitor_and_its_sources_added_in_the_browser_are_watched(
    browser: Any, tmp_path: Path, httpserver: HTTPServer, shots_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import veille

    before = tree_digest(Path(veille.__file__).parent)
    base = serve(httpserver, slug=GC)
    monkeypatch.setenv("VEILLE_URL_MAP", url_map(base))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    site = make_site(tmp_path / "ws")
    with LiveServer(site.app) as server:
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 900})
        page = context.new_page()
        _sign_in(page, server.url)
        _add_competitor(page, server.url, shots_dir)
        for form in _forms(base):
            _add_source(page, server.url, form, shots_dir)
        context.close()
        ran = _watch_once(tmp_path / "ws")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        for locale, heading in (("fr-FR", "Événements récents"), ("en-US", "Recent events")):
            context = browser.new_context(locale=locale, viewport={"width": 390, "height": 900})
            page = context.new_page()
            _sign_in(page, server.url)
            page.goto(server.url + "/competitors")
            page.click(f"a[href='/competitors/{GC}']")
            page.wait_for_url(f"**/competitors/{GC}")
            text = page.inner_text("main")
            assert "Genesis Cloud" in text and heading in text
            assert "Nouvelles instances GPU H200" in text, text  # an event read from the added feed
            assert "Network maintenance in FRA1" in text  # an incident from its status page
            assert "Machine Learning Engineer" in text  # a job from its board
            assert "Dedicated XL" in text  # an offer from its pricing page
            page.screenshot(path=str(shots_dir / f"journey-competitor-{locale[:2]}-390.png"), full_page=True)
            context.close()
    site.workspace.store.dispose()
    assert tree_digest(Path(veille.__file__).parent) == before, "a file of veille changed"
