"""The issue's done criterion: ``veille watch --once --kind prices`` against loopback servers serving two
successive states of several real catalogues detects exactly the changes between them; a third
identical run detects none.

It runs on SQLite and on PostgreSQL (where reachable). The catalogues are the project's own fixtures
in the real formats (OVHcloud public cloud catalogue, Hetzner Server Auction feed, Vultr bare-metal
plans, an AWS EC2 offer file streamed to disk), served at their real paths and query strings. The expected changes are computed independently, by parsing
both states with the sources' parsers and comparing the offers by key.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from veille.settings import CREDENTIAL_FIELDS
from veille.sources import ParseContext, get_source, parse_body, sources
from veille.store.db import Store
from veille.store.models import SourceState
from veille.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SERVED = {
    # source id: (path, query, fixture)
    "ovhcloud.cloud": (
        "/v1/order/catalog/public/cloud",
        {"ovhSubsidiary": "FR"},
        "ovhcloud/cloud_catalog_fr.json",
    ),
    "hetzner.auction": (
        "/_resources/app/data/app/live_data_sb.json",
        None,
        "hetzner/auction_live_data_sb.json",
    ),
    "vultr.metal": ("/v2/plans-metal", {"per_page": "500"}, "vultr/plans_metal.json"),
    "aws.offer.eu-west-3": (
        "/offers/v1.0/aws/AmazonEC2/current/eu-west-3/index.json",
        None,
        "aws/offer_eu-west-3.json",
    ),
}
HOSTS = (
    "https://eu.api.ovh.com",
    "https://www.hetzner.com",
    "https://api.vultr.com",
    "https://pricing.us-east-1.amazonaws.com",
)
TRACKED = ("price_change", "offer_added", "offer_removed", "spec_change")


def first_state() -> dict[str, Any]:
    return {sid: json.loads((FIXTURES / name).read_bytes()) for sid, (_, _, name) in SERVED.items()}


def second_state(first: dict[str, Any]) -> dict[str, Any]:
    """Plausible moves: a few prices up or down, one server sold, one new, a spec changed."""
    docs = copy.deepcopy(first)
    for addon in docs["ovhcloud.cloud"]["addons"]:
        if addon.get("planCode") == "b2-7.consumption":
            for pricing in addon["pricings"]:
                pricing["price"] = pricing["price"] * 11 // 10  # +10 %
    servers = docs["hetzner.auction"]["server"]
    servers[0]["price"] = round(servers[0]["price"] * 0.95, 2)  # the auction price fell
    servers[0]["hourly_price"] = round(servers[0]["price"] / 730, 4)
    sold = servers.pop()
    new = copy.deepcopy(servers[1])
    new["id"] = sold["id"] + 1000
    new["datacenter"] = "NBG1-DC3"  # the same configuration in a new location: a new offer
    servers.append(new)
    plan = docs["vultr.metal"]["plans_metal"][0]
    plan["monthly_cost"] = round(plan["monthly_cost"] * 1.2)
    plan["hourly_cost"] = round(plan["monthly_cost"] / 730, 3)
    terms = docs["aws.offer.eu-west-3"]["terms"]["OnDemand"]
    for sku in list(terms)[:1]:
        for term in terms[sku].values():
            for dimension in term["priceDimensions"].values():
                usd = dimension["pricePerUnit"]["USD"]
                dimension["pricePerUnit"]["USD"] = f"{float(usd) * 1.08:.6f}"
    return docs


def expected_changes(before: dict[str, Any], after: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(kind, competitor, sku, region) of every change, from the parsers' own output."""
    out: set[tuple[str, str, str, str]] = set()
    for sid in SERVED:
        spec = get_source(sid)
        ctx = ParseContext(spec.id, spec.competitor, spec.url, __import__("datetime").datetime.now())
        old = {o.key: o for o in parse_body(spec.parser, json.dumps(before[sid]).encode(), ctx)}
        new = {o.key: o for o in parse_body(spec.parser, json.dumps(after[sid]).encode(), ctx)}
        for key in old.keys() | new.keys():
            label = (key[0], key[1], key[2])
            if key not in new:
                out.add(("offer_removed", *label))
            elif key not in old:
                out.add(("offer_added", *label))
            else:
                a, b = old[key], new[key]
                if (a.currency, a.price_hourly, a.price_monthly, a.unit) != (
                    b.currency,
                    b.price_hourly,
                    b.price_monthly,
                    b.unit,
                ):
                    out.add(("price_change", *label))
                if (a.name, a.category, a.vcpu, a.ram_gb, a.disk_gb, a.gpu_model, a.gpu_count) != (
                    b.name, b.category, b.vcpu, b.ram_gb, b.disk_gb, b.gpu_model, b.gpu_count,
                ):  # fmt: skip
                    out.add(("spec_change", *label))
    return out


def serve(httpserver: HTTPServer, docs: dict[str, Any]) -> None:
    httpserver.clear()
    for sid, (path, query, _) in SERVED.items():
        httpserver.expect_request(path, query_string=query, method="GET").respond_with_data(
            json.dumps(docs[sid]).encode(), content_type="application/json"
        )


@pytest.fixture
def home(
    tmp_path: Path, cli: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, any_store: Store
) -> Path:
    """A workspace on each backend (SQLite, and PostgreSQL where reachable) with the served sources on."""
    monkeypatch.setenv("VEILLE_DATABASE_URL", any_store.url)
    for name in CREDENTIAL_FIELDS:
        monkeypatch.delenv(f"VEILLE_{name.upper()}", raising=False)
    base = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("VEILLE_URL_MAP", json.dumps(dict.fromkeys(HOSTS, base)))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    h = tmp_path / "ws"
    assert cli("--home", h, "init")[0] == 0
    ws = Workspace(home=h)
    with ws.store.session() as session:  # only the served catalogues take part
        for spec in sources():
            if spec.kind == "prices" and spec.id not in SERVED:
                session.add(SourceState(source_id=spec.id, enabled=False, consecutive_failures=0))
    ws.store.dispose()
    return h


def tracked_events(cli: Any, home: Path) -> list[dict[str, Any]]:
    code, out, err = cli("--home", home, "events", "--json")
    assert code == 0, err
    return json.loads(out)


def test_watch_once_detects_exactly_the_changes(cli: Any, home: Path, httpserver: HTTPServer) -> None:
    before = first_state()
    after = second_state(before)
    expected = expected_changes(before, after)
    assert {k for k, *_ in expected} == {"price_change", "offer_added", "offer_removed"}

    serve(httpserver, before)
    code, _, err = cli("--home", home, "watch", "--once", "--kind", "prices")
    assert code == 0, err
    assert tracked_events(cli, home) == []  # the first state is the baseline

    serve(httpserver, after)
    assert cli("--home", home, "watch", "--once", "--kind", "prices")[0] == 0
    events = tracked_events(cli, home)
    assert not [e for e in events if e["kind"] in ("source_failure", "price_review")], events
    found = {
        (e["kind"], e["competitor"], e["data"]["offer"]["sku"], e["data"]["offer"]["region"] or "")
        for e in events
    }
    assert found == expected
    assert len(events) == len(expected)
    for event in events:
        assert event["url"].startswith("https://") and event["data"]["capture_id"]

    assert cli("--home", home, "watch", "--once", "--kind", "prices")[0] == 0
    assert len(tracked_events(cli, home)) == len(expected)  # a third identical run detects nothing

    ws = Workspace(home=home)
    with ws.store.session() as session:
        states = {
            s.source_id: s
            for s in session.scalars(select(SourceState).where(SourceState.source_id.in_(SERVED)))
        }
    assert {s.last_status for s in states.values()} == {"ok"} and len(states) == len(SERVED)
