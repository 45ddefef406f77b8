"""The API documentation page in Debian's chromium: Swagger UI (from the installed swagger-ui-bundle
package) lists the API's operations, with no request leaving the machine and no CSP violation; and a
report generated from the dashboard is read in the browser from the banner's link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import PASSWORD, Site, make_site
from tests.web.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Site, LiveServer]]:
    site = make_site(tmp_path / "ws")
    with LiveServer(site.app) as server:
        yield site, server
    site.workspace.store.dispose()


def _watched_page(context: Any, server: LiveServer) -> tuple[Any, list[str], list[str]]:
    page = context.new_page()
    problems: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(server.url) else foreign.append(r.url))
    return page, problems, foreign


def _sign_in(page: Any, server: LiveServer, target: str, name: str = "viewer") -> None:
    page.goto(server.url + target)
    assert page.url.startswith(server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + target)


@pytest.mark.parametrize(("locale", "width"), [("fr-FR", 1280), ("en-GB", 390)])
def test_the_api_documentation_renders_its_operations_locally(  # type: ignore[no-untyped-def]
    browser, live, shots_dir: Path, locale: str, width: int
) -> None:
    _, server = live
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page, problems, foreign = _watched_page(context, server)
    page.goto(server.url + "/")
    _sign_in(page, server, "/")
    page.click("footer a[href='/api-docs']")
    page.wait_for_url(server.url + "/api-docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent.trim())")
    assert "/api/v1/events" in [p.replace("\u200b", "") for p in paths]
    assert any("acknowledge" in p for p in paths)
    page.screenshot(path=str(shots_dir / f"api-docs-{locale}-{width}.png"), full_page=False)
    assert not foreign, f"requests to elsewhere: {foreign}"
    assert not problems, f"console errors (CSP violations?): {problems}"
    context.close()


def test_a_generated_report_opens_from_the_banner(browser, live, shots_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _, server = live
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page, problems, foreign = _watched_page(context, server)
    _sign_in(page, server, "/reports", name="editor")
    page.select_option("select[name=kind]", "digest")
    page.select_option("select[name=format]", "html")
    page.click("form[action='/reports'] button[type=submit]")
    page.wait_for_selector(".flash a")
    page.screenshot(path=str(shots_dir / "reports-written-fr.png"), full_page=True)
    link = page.get_attribute(".flash a", "href")
    assert link and link.startswith("/reports/files/") and link.endswith(".html")
    with context.expect_page() as opened:
        page.click(".flash a")
    report = opened.value
    report.wait_for_load_state()
    assert report.url == server.url + link
    assert report.locator("h1").first.is_visible()
    report.screenshot(path=str(shots_dir / "report-read-inline-fr.png"))
    assert not foreign and not problems, (foreign, problems)
    context.close()
