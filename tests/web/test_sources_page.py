"""The sources list tells the truth: health from what ran, failing then healthy then never run, and
cadences in words (FR and EN)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.web.conftest import Site, login

from veille.store.models import SourceState

NOW = datetime.now(UTC).replace(microsecond=0)


def _ran(site: Site) -> None:
    rows = [
        # needs a token this workspace does not have, but ran fine an hour ago
        SourceState(source_id="hetzner.server_types", last_run_at=NOW - timedelta(hours=1), last_status="ok"),
        # an unverified endpoint someone ran by name
        SourceState(
            source_id="ovhcloud.reviews.trustpilot", last_run_at=NOW - timedelta(hours=1), last_status="ok"
        ),
        SourceState(
            source_id="vultr.plans",
            last_run_at=NOW - timedelta(hours=2),
            last_status="failed",
            last_error="ParseError: not a plan list",
        ),
    ]
    with site.workspace.store.session() as session:
        for row in rows:
            row.consecutive_failures = 1 if row.last_status == "failed" else 0
            session.add(row)


def _ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/sources/([^"]+)"[^>]*>', html)


def test_a_source_that_ran_is_healthy_even_if_switched_off_since(site: Site, client: TestClient) -> None:
    _ran(site)
    login(client, "viewer")
    page = client.get("/sources", headers={"Accept-Language": "en"}).text
    ids = _ids(page)
    # failing first, then the healthy ones, then the never-run ones
    assert ids[0] == "vultr.plans"
    assert set(ids[1:3]) == {"hetzner.server_types", "ovhcloud.reviews.trustpilot"}, ids[:4]
    row = page[page.index('href="/sources/hetzner.server_types"') :].split("</tr>")[0]
    assert ">OK<" in row or "OK</span>" in row, row
    assert "Off from now on" in row and "HETZNER_TOKEN" in row.upper()
    tiles = re.findall(r'<span class="num">(\d+)</span><span>([^<]+)</span>', page)
    assert ("2", "healthy") in tiles and ("1", "failing") in tiles, tiles
    overview = client.get("/", headers={"Accept-Language": "en"}).text
    assert re.search(r'<span class="num">2/\d+</span><span>sources healthy', overview), "overview count"


def test_cadences_read_as_people_say_them(site: Site, client: TestClient) -> None:
    login(client, "viewer")
    en = client.get("/sources?competitor=digitalocean", headers={"Accept-Language": "en"}).text
    assert "every 10 min" in en and "hourly" in en and "daily" in en
    client.cookies.set("veille_lang", "fr")
    fr = client.get("/sources?competitor=digitalocean").text
    assert "toutes les 10 min" in fr and "quotidienne" in fr and "toutes les heures" in fr
    for page in (en, fr):
        assert not re.search(r"\d,\d h|\b168 h|\b24 h|\b0\.2 h", page)
