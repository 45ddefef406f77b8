"""Competitor records on the dashboard: editors add, edit and retire; viewers only read; CSRF required."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import Site, login

from veille.kb import competitors

FORM = {
    "id": "nebius",
    "name": "Nebius",
    "country": "nl",
    "website": "https://nebius.com",
    "domains": "nebius.com",
    "tier": "gpu",
    "threat": "medium",
    "segment": "",
    "aliases": "Nebius Group\nNBIS",
    "identifiers": "mentions=Nebius\ngreenhouse=nebius",
    "message": "a GPU cloud",
}


def _client(site: Site, role: str) -> tuple[TestClient, str]:
    client = TestClient(site.app, base_url="http://127.0.0.1")
    return client, login(client, role)


def test_an_editor_adds_edits_and_retires_a_competitor(site: Site) -> None:
    editor, csrf = _client(site, "editor")
    assert "/competitors/new" in editor.get("/competitors").text
    assert editor.get("/competitors/new").status_code == 200
    done = editor.post("/competitors/new", data={"csrf_token": csrf, **FORM}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/competitors/nebius")
    page = editor.get("/competitors/nebius")
    assert page.status_code == 200 and "Nebius" in page.text and "/competitors/nebius/edit" in page.text
    form = editor.get("/competitors/nebius/edit")
    assert "nebius.mentions.hn" in form.text and "nebius.jobs.greenhouse" in form.text  # its sources
    changed = {**FORM, "threat": "high", "message": "raised a round"}
    changed.pop("id")
    assert (
        editor.post(
            "/competitors/nebius/edit", data={"csrf_token": csrf, **changed}, follow_redirects=False
        ).status_code
        == 303
    )
    retired = editor.post(
        "/competitors/nebius/retire", data={"csrf_token": csrf, "message": "left"}, follow_redirects=False
    )
    assert retired.status_code == 303
    assert '/competitors/nebius"' not in editor.get("/competitors").text  # no longer in the watched list
    with site.workspace.store.session() as s:
        history = competitors.history(s, "nebius")
        record = competitors.get(s, "nebius")
    assert [(h.action, h.author, h.message) for h in history] == [
        ("retire", "editor", "left"), ("edit", "editor", "raised a round"), ("add", "editor", "a GPU cloud"),
    ]  # fmt: skip
    assert record.retired and record.threat == "high" and record.country == "NL"


def test_viewers_cannot_write_and_forms_need_the_csrf_token(site: Site) -> None:
    viewer, csrf = _client(site, "viewer")
    assert viewer.get("/competitors/new").status_code == 403
    assert (
        viewer.post("/competitors/new", data={"csrf_token": csrf, **FORM}, follow_redirects=False).status_code
        == 403
    )
    assert "/competitors/new" not in viewer.get("/competitors").text
    editor, _ = _client(site, "editor")
    assert editor.post("/competitors/new", data=FORM, follow_redirects=False).status_code in (400, 403)
    with site.workspace.store.session() as s:
        assert "nebius" not in {r.id for r in competitors.records(s)}


def test_a_wrong_form_is_refused_with_a_message_and_nothing_saved(site: Site) -> None:
    editor, csrf = _client(site, "editor")
    clash = editor.post(
        "/competitors/new", data={"csrf_token": csrf, **FORM, "aliases": "OVH"}, follow_redirects=False
    )
    assert clash.status_code == 422 and "already names the competitor" in clash.text
    script = editor.post(
        "/competitors/new",
        data={"csrf_token": csrf, **FORM, "name": "<script>alert(1)</script>"},
        follow_redirects=False,
    )
    assert script.status_code == 303
    assert "<script>alert(1)</script>" not in editor.get("/competitors/nebius").text
