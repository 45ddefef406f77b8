"""``veille watch --once`` over the five bundled pricing pages with their selectors removed, the model a
loopback fake answering each page's true offers plus adversarial ones (``bench.bench_ai.fake_answer``):
exactly the true offers are stored, each first reading held for a person, every adversarial offer
rejected with its reason."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from bench.bench_ai import PAGES_DIR, fake_answer, truth_of
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from tests.ai.conftest import MODEL, FakeModel, MakeWorkspace

from veille.ai.prices import page_text
from veille.sources import pricing_pages
from veille.sources.pricing_pages import Selectors
from veille.store.models import OfferVersion

FILES = {
    "contabo": "contabo_en.html",
    "hostinger": "hostinger_fr.html",
    "infomaniak": "infomaniak_de.html",
    "coreweave": "coreweave_en.html",
    "paperspace": "paperspace_en.html",
}


def test_watch_once_over_the_pricing_pages_without_selectors(
    ai_workspace: MakeWorkspace,
    fake_model: FakeModel,
    httpserver: HTTPServer,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    truths = {key: truth_of(file, key, "pricing_page.html") for key, file in FILES.items()}
    by_text = {page_text((PAGES_DIR / file).read_bytes()): truths[key] for key, file in FILES.items()}

    fake_model.reader = lambda text: fake_answer(text, by_text[text])["offers"]
    httpserver.expect_request(re.compile(r".*/robots\.txt")).respond_with_data("User-agent: *\nAllow: /\n")
    base = httpserver.url_for("").rstrip("/")
    url_map = {}
    for key, file in FILES.items():
        page = pricing_pages.PAGES[key]
        monkeypatch.setitem(
            pricing_pages.PAGES,
            key,
            dataclasses.replace(page, selectors=Selectors(card="i.gone", name="i", price="i", table=None)),
        )
        origin = re.match(r"https://[^/]+", page.url).group(0)  # type: ignore[union-attr]
        url_map[origin] = f"{base}/{key}"
        path = f"/{key}" + page.url.removeprefix(origin)
        httpserver.expect_request(path).respond_with_data(
            (PAGES_DIR / file).read_bytes(), content_type="text/html"
        )
    ws = ai_workspace()
    env = {
        "VEILLE_AI_ENABLED": "true", "VEILLE_AI_BASE_URL": fake_model.base_url, "VEILLE_AI_MODEL": MODEL,
        "VEILLE_HTTP_RETRIES": "0", "VEILLE_URL_MAP": json.dumps(url_map),
    }  # fmt: skip
    ids = [f"pricing_page.{key}" for key in FILES]
    for source_id in ids:
        assert cli("--home", ws.home, "sources", "enable", source_id, env=env)[0] == 0
    code, _, err = cli(
        "--home", ws.home, "watch", "--once", *[a for i in ids for a in ("--source", i)], env=env
    )
    assert code == 0, err
    with ws.store.session() as s:
        stored = list(s.scalars(select(OfferVersion)))
        s.expunge_all()
    for key, truth in truths.items():
        mine = {v.name: v for v in stored if v.source_id == f"pricing_page.{key}"}
        assert set(mine) == {t.name for t in truth}, key
        for t in truth:
            v = mine[t.name]
            shown = v.price_hourly if t.unit == "hour" else v.price_monthly
            assert (shown, v.currency, v.unit, v.held) == (t.price, t.currency, t.unit, True), (key, t.name)
            assert v.extra["extracted_by"] == "model" and v.extra["quote"]
    assert all(v.price_monthly != Decimal("999.99") for v in stored)  # the figure of contabo's script
    _, out, _ = cli("--home", ws.home, "sources", "list", "--json", env=env)
    rows = {r["id"]: r for r in json.loads(out) if r["id"] in ids}
    for source_id, row in rows.items():
        assert row["last_status"] == "suspect", source_id
        reasons = sorted(r["reason"].split(" ")[0] for r in row["model"]["rejected"])
        assert reasons == ["currency", "price", "quote", "vCPU"], (source_id, row["model"]["rejected"])
