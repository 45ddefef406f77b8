"""Untrusted text stays text: XSS payloads sent through every kind of outside text never execute.

Scraped titles (events, feed items, mentions, incidents, jobs), review texts, offer names (chart
labels), source errors, notes and an imported knowledge base carry the payloads; chromium visits every
page. No dialog opens, ``window.__xss`` stays unset, no element or handler from a payload reaches the
DOM, and the payloads are visible as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web import seed
from tests.web.conftest import PASSWORD, Site, make_site
from tests.web.live import LiveServer

from veille.store.models import (
    EventRow,
    FeedItemRow,
    IncidentRow,
    JobRow,
    MentionRow,
    Note,
    ReviewRow,
    SourceState,
)

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=window.__xss=3>",
    '<iframe src="javascript:window.__xss=4"></iframe>',
    "</textarea><script>alert(5)</script>",
    "{{7*7}}<b onmouseover=alert(6)>x</b>",
    '<a href="javascript:alert(7)">click</a>',
    "</script><script>alert(8)</script>",
    "\"}]'</canvas><img src=x onerror=alert(9)>",
    "<details open ontoggle=alert(10)>",
    "\u2028\u2029<img src=x onerror=alert(11)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
]
URLS = [
    "javascript:alert(13)",
    "data:text/html,<script>alert(14)</script>",
    'https://ok.example/"onmouseover=alert(15)',
]
PAGES = [
    "/",
    "/competitors",
    "/competitors/hetzner",
    "/competitors/ovhcloud",
    "/positioning",
    "/matrix",
    "/threats",
    "/sources",
    "/alerts",
    "/notes",
    "/reports",
]


def _poison(site: Site) -> None:
    t = seed.NOW
    with site.workspace.store.session() as session:
        for i, text in enumerate(PAYLOADS):
            url = URLS[i % len(URLS)]
            when = t - timedelta(minutes=i)
            session.add(
                EventRow(
                    kind="feature",
                    competitor="hetzner",
                    title=text,
                    importance="high",
                    occurred_at=when,
                    detected_at=when,
                    url=url,
                    dedup_key=f"xss{i}",
                    data={"text": text},
                )
            )
            session.add(
                FeedItemRow(
                    source_id="hetzner.blog",
                    item_id=f"x{i}",
                    competitor="hetzner",
                    title=text,
                    url=url,
                    published_at=when,
                    tags=[text],
                    first_seen_at=when,
                )
            )
            session.add(
                MentionRow(
                    platform="hn",
                    mention_id=f"x{i}",
                    competitor="ovhcloud",
                    title=text,
                    url=url,
                    author=text[:100],
                    created_at=when,
                    first_seen_at=when,
                    last_seen_at=when,
                )
            )
            session.add(
                IncidentRow(
                    source_id="hetzner.status",
                    incident_id=f"x{i}",
                    competitor="hetzner",
                    title=text,
                    impact=text[:20],
                    status=text[:40],
                    started_at=when,
                    components=[text],
                    url=url,
                    updates=[],
                    first_seen_at=when,
                )
            )
            session.add(
                JobRow(
                    source_id="hetzner.jobs",
                    job_id=f"x{i}",
                    competitor="hetzner",
                    title=text,
                    function="engineering",
                    location=text,
                    url=url,
                    first_seen_at=when,
                )
            )
            session.add(
                ReviewRow(
                    platform="g2",
                    review_id=f"x{i}",
                    competitor="hetzner",
                    title=text,
                    text=text,
                    rating=Decimal(1),
                    themes=[],
                    first_seen_at=when,
                )
            )
            session.add(
                Note(
                    kind="secret_shopping",
                    competitor="hetzner",
                    title=text,
                    body=text,
                    author="editor",
                    created_at=when,
                    data={"source": text},
                )
            )
            session.add(seed.offer("hetzner", f"xss{i}", "1.5", when - timedelta(days=3), None, name=text))
        session.add(
            SourceState(
                source_id="hetzner.server_types",
                last_status="failed",
                last_error=" ".join(PAYLOADS),
                consecutive_failures=3,
                last_run_at=t,
            )
        )


def _import_poisoned_kb(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['editor']}"}
    with TestClient(site.app) as client:
        doc: dict[str, Any] = client.get("/api/v1/kb?lang=fr", headers=headers).json()
        ovh = next(c for c in doc["competitors"] if c["id"] == "ovhcloud")
        ovh["strengths"] = PAYLOADS[:6]
        ovh["weaknesses"] = PAYLOADS[6:]
        ovh["key_message"] = PAYLOADS[0]
        ovh["verdict"] = "**" + PAYLOADS[1] + "**"
        ovh["threat_reason"] = PAYLOADS[2]
        doc["threats"][0]["title"] = PAYLOADS[3]
        doc["threats"][0]["scenario"] = PAYLOADS[4]
        response = client.post("/api/v1/kb/import?lang=fr", json=doc, headers=headers)
        assert response.status_code == 201, response.text
        response = client.put(
            "/api/v1/matrix/ovhcloud/support",
            json={"score": 2, "evidence": PAYLOADS[5], "url": "https://ok.example/"},
            headers=headers,
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def poisoned(tmp_path: Path) -> Iterator[tuple[Site, LiveServer]]:
    site = make_site(tmp_path / "ws")
    _poison(site)
    _import_poisoned_kb(site)
    with LiveServer(site.app) as server:
        yield site, server
    site.workspace.store.dispose()


DOM_CHECK = """() => {
  const scripts = [...document.scripts].map(s => s.getAttribute('src'));
  const handlers = [...document.querySelectorAll('*')].flatMap(
      el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + '@' + a.name));
  const foreign = [...document.querySelectorAll('img, svg, iframe, math, style, object, embed, mglyph')]
      .map(el => el.tagName);
  const badLinks = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
      .filter(h => !/^(https?:|\\/|#)/.test(h));
  return {xss: window.__xss === undefined ? null : window.__xss, scripts, handlers, foreign, badLinks,
          text: document.body.innerText};
}"""


def test_no_payload_executes_anywhere(browser: Any, poisoned: tuple[Site, LiveServer]) -> None:
    _site, server = poisoned
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    shown = ""
    for path in PAGES:
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        # open every <details> and hover every link, so toggle and mouse handlers would fire if present
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        page.evaluate(
            "() => document.querySelectorAll('a, b, span').forEach("
            "el => el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"
        )
        result = page.evaluate(DOM_CHECK)
        assert result["xss"] is None, path
        assert all(src and src.startswith("/static/") for src in result["scripts"]), (path, result["scripts"])
        assert not result["handlers"], (path, result["handlers"])
        assert not result["foreign"], (path, result["foreign"])
        assert not result["badLinks"], (path, result["badLinks"])
        shown += result["text"]
    # the matrix cell editor puts text into a textarea: still text
    page.goto(server.url + "/matrix")
    page.click("#cell-ovhcloud-support button.edit")
    page.wait_for_selector("#cell-ovhcloud-support textarea")
    assert page.input_value("#cell-ovhcloud-support textarea") == PAYLOADS[5]
    assert page.evaluate("() => window.__xss === undefined")
    assert not dialogs, dialogs
    for payload in PAYLOADS[:8]:
        assert payload.strip() in shown, f"payload not shown as text: {payload!r}"
    context.close()
