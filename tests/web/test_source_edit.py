"""The watch list's write pages: add with a preview (loopback), edit, enable/disable, run now; editors
only, CSRF on every form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from tests.web.conftest import csrf_of, login

FEED = (Path(__file__).parents[1] / "fixtures" / "feeds" / "blog_fr_1.rss").read_bytes()


def _form(url: str, **extra: str) -> dict[str, str]:
    return {"kind": "feed", "target": url, "competitor": "hetzner", "cadence": "3h", "options": "",
            "source_id": "hetzner.feed.test", **extra}  # fmt: skip


def test_viewers_cannot_add_and_forms_need_csrf(client: TestClient) -> None:
    login(client, "viewer")
    assert client.get("/sources/new").status_code == 403
    client.cookies.clear()
    token = login(client, "editor")
    assert client.get("/sources/new").status_code == 200
    missing = client.post("/sources/new", data=_form("https://x.example/rss", action="save"))
    assert missing.status_code == 403
    assert "hetzner.feed.test" not in client.get("/sources").text
    assert token


def test_preview_then_save_then_edit_switch_and_run(client: TestClient, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blog.rss").respond_with_data(FEED, content_type="application/rss+xml")
    url = httpserver.url_for("/blog.rss")
    token = login(client, "editor")
    shown = client.post("/sources/new", data={**_form(url), "csrf_token": token, "action": "preview"})
    assert shown.status_code == 200
    assert "Observations qui seraient enregistrées" in shown.text
    assert (
        "hetzner.feed.test" not in client.get("/sources?competitor=hetzner").text
    )  # a preview saves nothing
    saved = client.post("/sources/new", data={**_form(url), "csrf_token": token, "action": "save"},
                        follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        "/sources/hetzner.feed.test/edit"
    )
    page = client.get("/sources/hetzner.feed.test/edit")
    assert page.status_code == 200 and 'value="3h"' in page.text
    edited = client.post("/sources/hetzner.feed.test/edit",
                         data={"cadence": "12h", "options": "", "message": "slower", "csrf_token": csrf_of(page.text)},
                         follow_redirects=False)  # fmt: skip
    assert edited.status_code == 303
    page = client.get("/sources/hetzner.feed.test/edit")
    assert 'value="12h"' in page.text and "slower" in page.text
    off = client.post("/sources/hetzner.feed.test/switch", data={"enabled": "false", "csrf_token": token},
                      follow_redirects=False)  # fmt: skip
    assert off.status_code == 303
    ran = client.post("/sources/hetzner.feed.test/run", data={"csrf_token": token})
    assert ran.status_code == 200 and ": ok," in ran.text


def test_bad_input_is_shown_in_the_form(client: TestClient) -> None:
    token = login(client, "editor")
    answer = client.post("/sources/new", data={**_form("not a url"), "csrf_token": token, "action": "save"})
    assert answer.status_code == 400 and "is not an http(s) URL" in answer.text
    answer = client.post("/sources/hetzner.cloud/edit", data={"cadence": "often", "csrf_token": token})
    assert answer.status_code in (400, 404)


@pytest.mark.browser
def test_add_a_source_in_the_browser(
    browser: Any, tmp_path: Path, httpserver: HTTPServer, shots_dir: Path
) -> None:
    """Through Chromium, in French then English, desktop and phone width: add a feed with its preview,
    then change its cadence."""
    from tests.web.conftest import PASSWORD, make_site
    from tests.web.live import LiveServer

    httpserver.expect_request("/blog.rss").respond_with_data(FEED, content_type="application/rss+xml")
    site = make_site(tmp_path / "ws")
    with LiveServer(site.app) as server:
        for n, (locale, width) in enumerate((("fr-FR", 1280), ("en-US", 390), ("fr-FR", 390))):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            foreign: list[str] = []
            page.on(
                "request",
                lambda r, seen=foreign: None if r.url.startswith(server.url) else seen.append(r.url),
            )
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "editor")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(server.url + "/sources")
            page.click("a[href='/sources/new']")
            page.select_option("select[name=kind]", "feed")
            page.fill("input[name=target]", httpserver.url_for("/blog.rss"))
            page.select_option("select[name=competitor]", "hetzner")
            page.fill("input[name=source_id]", f"hetzner.feed.b{n}")
            page.click("button[value=preview]")
            page.wait_for_selector("#preview")
            assert "hetzner.feed.b" in page.inner_text("#preview")
            tag = f"{locale[:2]}-{width}"
            page.screenshot(path=str(shots_dir / f"source-new-{tag}.png"), full_page=True)
            page.click("button[value=save]")
            page.wait_for_url(f"**/sources/hetzner.feed.b{n}/edit**")
            page.fill("input[name=cadence]", "12h")
            page.click("form[action$='/edit'] button[type=submit]")
            page.wait_for_selector(".flash")
            assert page.input_value("input[name=cadence]") == "12h"
            page.screenshot(path=str(shots_dir / f"source-edit-{tag}.png"), full_page=True)
            assert not foreign, foreign
            context.close()
    site.workspace.store.dispose()
