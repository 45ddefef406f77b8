"""``veille alerts``, ``veille actions`` and ``veille plan`` from the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from veille.act import route_events
from veille.workspace import Workspace

from .conftest import NOW, event_row

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def home(workspace: Workspace, cli: Cli) -> Path:
    code, out, _ = cli("--home", workspace.home, "init")
    assert code == 0 and "default rules" in out
    return workspace.home


def add(home: Path, *events: Any) -> None:
    ws = Workspace(home=home)
    with ws.store.session() as session:
        session.add_all(events)
        session.flush()
        route_events(session, list(events), NOW)


def test_rules_list_shows_the_seed_defaults(home: Path, cli: Cli) -> None:
    code, out, _ = cli("--home", home, "alerts", "rules", "list", "--json")
    rules = {r["name"]: r for r in orjson.loads(out)}
    assert code == 0
    assert rules["prices"]["conditions"] == {"min_change_pct": "5"} and rules["prices"]["mode"] == "immediate"
    assert rules["features"]["mode"] == "monthly" and rules["hiring"]["mode"] == "monthly"
    assert rules["incidents-major"]["conditions"] == {"min_impact": "major"}
    assert rules["source-health"]["channels"] == ["ops"]
    code, out, _ = cli("--home", home, "alerts", "rules", "list")
    assert code == 0 and "funding" in out and "monthly" in out


def test_add_and_remove_rules_and_channels(home: Path, cli: Cli) -> None:
    code, _, err = cli(
        "--home", home, "alerts", "rules", "add", "ovh", "--kind", "mention", "--channel", "slack"
    )
    assert code == 1 and "no channel slack" in err
    code, _, err = cli("--home", home, "alerts", "channels", "add", "slack", "--apprise", "nope://x")
    assert code == 1 and "Apprise does not understand" in err
    secret = "slack://TOKENA/TOKENB/TOKENC/#veille"
    assert cli("--home", home, "alerts", "channels", "add", "slack", "--apprise", secret)[0] == 0
    code, out, _ = cli("--home", home, "alerts", "channels", "list", "--json")
    listed = {c["name"]: c for c in orjson.loads(out)}
    assert (
        listed["slack"]["kind"] == "apprise"
        and "TOKENB" not in out
        and listed["file"]["target"] == "alerts.jsonl"
    )
    code, _, _ = cli(
        "--home", home, "alerts", "rules", "add", "ovh", "--kind", "mention", "--competitor", "ovhcloud",
        "--channel", "slack", "--min-importance", "medium", "--mode", "weekly",
    )  # fmt: skip
    assert code == 0
    rules = {r["name"]: r for r in orjson.loads(cli("--home", home, "alerts", "rules", "list", "--json")[1])}
    assert rules["ovh"] == {
        "name": "ovh", "kinds": ["mention"], "competitors": ["ovhcloud"], "min_importance": "medium",
        "conditions": {}, "channels": ["slack"], "mode": "weekly", "enabled": True,
        "last_error": None, "last_error_at": None,
    }  # fmt: skip
    assert cli("--home", home, "alerts", "channels", "remove", "slack")[0] == 1  # still used
    assert cli("--home", home, "alerts", "rules", "remove", "ovh")[0] == 0
    assert cli("--home", home, "alerts", "rules", "remove", "ovh")[0] == 1
    assert cli("--home", home, "alerts", "channels", "remove", "slack")[0] == 0
    code, _, err = cli("--home", home, "alerts", "rules", "add", "x", "--kind", "prices")
    assert code == 1 and "unknown event kind" in err


def test_alerts_list_and_send(home: Path, cli: Cli, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    import veille.cli.alerts

    freeze_clock(veille.cli.alerts, NOW)  # the monthly digest is not due yet, whatever the real date
    add(home, event_row("funding", title="Raised 40M"), event_row("hiring", title="GPU team"))
    rows = orjson.loads(cli("--home", home, "alerts", "list", "--json")[1])
    assert {(r["rule"], r["status"]) for r in rows} == {("funding", "pending"), ("hiring", "digest")}
    code, out, _ = cli("--home", home, "alerts", "send")
    assert code == 0 and "1 sent" in out
    lines = (home / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 1 and orjson.loads(lines[0])["title"] == "Raised 40M"
    assert "1 sent" in cli("--home", home, "alerts", "send", "--digests")[1]
    assert "0 sent" in cli("--home", home, "alerts", "send", "--digests")[1]
    assert [
        r["status"]
        for r in orjson.loads(cli("--home", home, "alerts", "list", "--status", "sent", "--json")[1])
    ] == ["sent", "sent"]
    assert "40M" in cli("--home", home, "alerts", "list")[1]


def test_actions_list_show_done(home: Path, cli: Cli) -> None:
    add(
        home,
        event_row("incident", competitor="hetzner", impact="major", incident_id="h1", title="fsn1 down"),
        event_row("feature", competitor="scaleway"),
    )
    actions = orjson.loads(cli("--home", home, "actions", "list", "--json")[1])
    assert {a["kind"] for a in actions} == {"comms_draft", "roadmap_candidate"}
    [draft] = orjson.loads(
        cli("--home", home, "actions", "list", "--kind", "comms_draft", "--competitor", "hetzner", "--json")[
            1
        ]
    )
    code, out, _ = cli("--home", home, "actions", "show", str(draft["id"]), "--lang", "en")
    assert code == 0 and "without being a sysadmin" in out and "never sent automatically" in out
    assert cli("--home", home, "actions", "done", str(draft["id"]))[0] == 0
    assert (
        orjson.loads(cli("--home", home, "actions", "list", "--status", "done", "--json")[1])[0]["id"]
        == draft["id"]
    )
    assert cli("--home", home, "actions", "done", "9999")[0] == 1
    assert "hetzner" in cli("--home", home, "actions", "list")[1]


def test_plan_show_and_set(home: Path, cli: Cli) -> None:
    code, out, _ = cli("--home", home, "plan", "show", "--json")
    doc = orjson.loads(out)
    elements = {e["element"]: e for e in doc["elements"]}
    assert code == 0
    assert elements["prices"]["every"] == "1h" and elements["incidents"]["every"] == "2m"
    assert elements["hiring"]["report"] == "monthly" and elements["reviews"]["every"] == "1w"
    assert elements["strategy"]["every"] == "13w" and elements["deep_analysis"]["report"] == "semiannual"
    prices = [s for s in doc["sources"] if s["kind"] == "prices"]
    if not prices:
        pytest.skip("no price source registered in this tree")
    first = prices[0]["source"]
    assert cli("--home", home, "plan", "set", "--kind", "prices", "--every", "30m")[0] == 0
    assert cli("--home", home, "plan", "set", "--source", first, "--every", "2h")[0] == 0
    doc = orjson.loads(cli("--home", home, "plan", "show", "--json")[1])
    by_id = {s["source"]: s for s in doc["sources"]}
    assert (by_id[first]["every"], by_id[first]["origin"]) == ("2h", "source")
    others = [s for s in doc["sources"] if s["kind"] == "prices" and s["source"] != first]
    assert all((s["every"], s["origin"]) == ("30m", "kind") for s in others)
    assert cli("--home", home, "plan", "set", "--source", first, "--reset")[0] == 0
    assert cli("--home", home, "plan", "set", "--kind", "prices", "--every", "soon")[0] == 1
    assert cli("--home", home, "plan", "set", "--every", "1h")[0] == 2
    assert "prix" in cli("--home", home, "plan", "show")[1].lower()


def test_plan_reads_the_knowledge_base_rows() -> None:
    from veille import plan

    rows = {
        r.element.id: r
        for r in plan.plan_rows(
            [
                {"id": "prix", "element": {"fr": "Prix concurrents"}, "frequency": {"fr": "Temps réel"}, "action": {"fr": "Ajuster", "en": "Adjust"}},
                {"id": "rec", "element": {"fr": "Recrutements"}, "frequency": {"fr": "Mensuel"}, "action": {"fr": "Anticiper"}},
            ]
        )
    }  # fmt: skip
    assert (
        rows["prices"].from_kb
        and rows["prices"].report == "immediate"
        and rows["prices"].action_en == "Adjust"
    )
    assert rows["hiring"].report == "monthly" and not rows["funding"].from_kb
    assert plan.parse_every("1d12h") == timedelta(days=1, hours=12)


def test_plan_set_below_the_floor_warns(home: Path, cli: Cli) -> None:
    code, _, err = cli("--home", home, "plan", "set", "--kind", "prices", "--every", "1m")
    assert code == 0 and "prices sources never run more often than every 5m" in err
    code, _, err = cli("--home", home, "plan", "set", "--kind", "prices", "--every", "10m")
    assert code == 0 and "never run" not in err
