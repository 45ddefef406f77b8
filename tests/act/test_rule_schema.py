"""Rule conditions are typed and checked on the way in (API, dashboard, command line alike), and a
stored rule that still cannot be evaluated is skipped and reported, never failing the run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.pipeline.conftest import T0, catalogue, item, toy_registry, toy_spec  # noqa: F401 - fixture
from tests.web.conftest import Site, login, make_site

from veille.act.rules import ensure_defaults
from veille.collect.replay import replay_one
from veille.settings import Settings
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request
from veille.store.models import Alert, AlertRule, EventRow, OfferVersion, SourceRun, SourceState
from veille.workspace import Workspace

PROBLEM = "application/problem+json"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = make_site(tmp_path / "site")
    yield s
    s.workspace.store.dispose()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app, base_url="http://127.0.0.1") as c:
        yield c


def _names(site: Site) -> set[str]:
    with site.workspace.store.session() as session:
        return set(session.scalars(select(AlertRule.name)))


def _fields(response: Any) -> list[str]:
    """The dotted fields a 422 problem document names."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"conditions": {"min_change_pct": "abc"}}, "body.conditions.min_change_pct"),
        ({"conditions": {"min_change_pct": "NaN"}}, "body.conditions.min_change_pct"),
        ({"conditions": {"min_change_pct": "-3"}}, "body.conditions.min_change_pct"),
        ({"conditions": {"min_consecutive_failures": "x"}}, "body.conditions.min_consecutive_failures"),
        ({"conditions": {"min_impact": "huge"}}, "body.conditions.min_impact"),
        ({"conditions": {"or_reasons": ["bored"]}}, "body.conditions.or_reasons.0"),
        ({"conditions": {"pct": "5"}}, "body.conditions.pct"),
        ({"kinds": ["pricechange"]}, "body.kinds.0"),
        ({"competitors": ["nobody"]}, "body.competitors.0"),
        ({"channels": ["slack"]}, "body.channels"),
        ({"channels": []}, "body.channels"),
        ({"mode": "hourly"}, "body.mode"),
    ],
)
def test_the_api_refuses_a_bad_rule_naming_the_field(
    site: Site, client: TestClient, body: dict[str, Any], field: str
) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['editor']}"}
    response = client.post("/api/v1/alert-rules", json={"name": "p", **body}, headers=headers)
    assert field in _fields(response)
    assert "p" not in _names(site)


def test_the_api_stores_a_good_rule_typed_and_patches_it_through_the_same_schema(
    site: Site, client: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['editor']}"}
    body = {
        "name": "gpu",
        "kinds": ["price_change"],
        "competitors": ["OVH"],
        "conditions": {"min_change_pct": 7.5},
        "channels": ["file"],
        "mode": "weekly",
    }
    created = client.post("/api/v1/alert-rules", json=body, headers=headers)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["conditions"] == {"min_change_pct": "7.5"} and rule["competitors"] == ["ovhcloud"]
    assert rule["mode"] == "weekly" and rule["last_error"] is None
    bad = client.patch(
        f"/api/v1/alert-rules/{rule['id']}", json={"conditions": {"min_change_pct": "abc"}}, headers=headers
    )
    assert "body.conditions.min_change_pct" in _fields(bad)
    missing = client.patch(f"/api/v1/alert-rules/{rule['id']}", json={"channels": ["nope"]}, headers=headers)
    assert "body.channels" in _fields(missing)
    good = client.patch(
        f"/api/v1/alert-rules/{rule['id']}",
        json={"conditions": {"min_consecutive_failures": 2}, "kinds": ["source_failure"]},
        headers=headers,
    )
    assert good.status_code == 200 and good.json()["conditions"] == {"min_consecutive_failures": 2}


def test_the_dashboard_shows_the_error_and_stores_nothing(site: Site, client: TestClient) -> None:
    csrf = login(client, "editor")
    form: dict[str, Any] = {"csrf_token": csrf, "name": "p", "channels": "file", "min_change_pct": "abc"}
    page = client.post("/alerts/rules", data=form, follow_redirects=False)
    assert page.status_code == 422 and "min_change_pct" in page.text and "valid decimal" in page.text
    for bad in ({"min_consecutive_failures": "x"}, {"channels": "slack"}, {"competitors": "nobody"}):
        response = client.post(
            "/alerts/rules", data={**form, "min_change_pct": "", **bad}, follow_redirects=False
        )
        assert response.status_code == 422 and next(iter(bad)) in response.text
    assert "p" not in _names(site)
    ok = client.post(
        "/alerts/rules",
        data={**form, "min_change_pct": "12", "kinds": "price_change", "mode": "daily"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with site.workspace.store.session() as session:
        row = session.scalars(select(AlertRule).where(AlertRule.name == "p")).one()
        assert row.conditions == {"min_change_pct": "12"} and row.mode == "daily"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--min-change-pct", "abc"), "conditions.min_change_pct: Input should be a valid decimal"),
        (("--min-change-pct", "inf"), "conditions.min_change_pct: Input should be a finite number"),
        (("--min-impact", "huge"), "conditions.min_impact"),
        (("--competitor", "nobody"), "competitors.0: unknown competitor 'nobody'"),
        (("--channel", "slack"), "channels: no channel slack"),
        (("--kind", "prices"), "kinds.0: unknown event kind 'prices'"),
    ],
)
def test_the_command_line_says_one_line_and_stores_nothing(
    workspace: Workspace, cli: Any, args: tuple[str, ...], said: str
) -> None:
    code, out, err = cli("--home", workspace.home, "alerts", "rules", "add", "p", *args)
    assert code == 1 and said in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("--home", workspace.home, "alerts", "rules", "list", "--json")
    assert code == 0 and "p" not in {r["name"] for r in orjson.loads(out)}


# --- a broken rule stored before: skipped and reported, never failing the run -------------------------


@pytest.fixture
def ws(tmp_path: Path, toy_registry: Any) -> Workspace:  # noqa: F811 - the imported fixture
    w = Workspace(Settings(home=tmp_path / "ws", database_url=None))
    w.init_store()
    with w.store.session() as session:
        ensure_defaults(session)
    return w


def _run(ws: Workspace, body: bytes, hours: int) -> str:
    spec = toy_spec()
    when = T0 + timedelta(hours=hours)
    page = Page(spec.url, 200, {}, when, "0" * 64, len(body), Request(spec.url), body=body)
    return replay_one(ws, spec, FetchResult(pages=[page]), when).status


def _break(ws: Workspace, name: str, conditions: dict[str, Any], kinds: list[str]) -> None:
    """Write a rule straight into the database, past every check (as older versions let through)."""
    with ws.store.session() as session:
        session.add(
            AlertRule(
                name=name, kinds=kinds, competitors=[], min_importance="low", conditions=conditions,
                channels=["ops"], mode="immediate", enabled=True,
            )
        )  # fmt: skip


def test_a_broken_rule_is_skipped_and_reported_while_the_prices_are_stored(ws: Workspace, cli: Any) -> None:
    assert _run(ws, catalogue(item("cx22", "0.0060", monthly="4.00")), 0) == "ok"
    _break(ws, "bad-pct", {"min_change_pct": "abc"}, ["price_change"])
    assert _run(ws, catalogue(item("cx22", "0.0066", monthly="4.40")), 1) == "ok"
    with ws.store.session() as session:
        current = session.scalars(select(OfferVersion).where(OfferVersion.valid_to.is_(None))).one()
        assert current.price_monthly == Decimal("4.40")
        change = session.scalars(select(EventRow).where(EventRow.kind == "price_change")).one()
        alerts = {a.rule for a in session.scalars(select(Alert).where(Alert.event_id == change.id))}
        assert alerts == {"prices"}  # the sound rules still alert
        bad = session.scalars(select(AlertRule).where(AlertRule.name == "bad-pct")).one()
        assert bad.last_error and "min_change_pct" in bad.last_error and bad.last_error_at is not None
    code, out, _ = cli("--home", ws.home, "alerts", "rules", "list")
    assert code == 0 and "rule bad-pct skipped when routing" in out


def test_a_broken_failure_rule_does_not_stop_failures_being_recorded(ws: Workspace) -> None:
    _break(ws, "bad-failures", {"min_consecutive_failures": "x"}, ["source_failure"])
    assert _run(ws, b"not json", 0) == "failed"
    with ws.store.session() as session:
        run = session.scalars(select(SourceRun)).one()
        assert run.status == "failed" and "not JSON" in (run.error or "")
        state = session.get(SourceState, "toy.catalog")
        assert state is not None and state.consecutive_failures == 1 and state.running_token is None
        assert session.scalars(select(EventRow.kind)).all() == ["source_failure"]
        bad = session.scalars(select(AlertRule).where(AlertRule.name == "bad-failures")).one()
        assert bad.last_error and "min_consecutive_failures" in bad.last_error
