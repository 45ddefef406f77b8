"""Incident statistics (per month, by impact, MTTR) and ``veille incidents``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.sources.declared import sources_of

from veille.analysis.incidents import by_impact, list_incidents, mean_time_to_resolve, per_month, statistics
from veille.ingest import IngestContext, ingest
from veille.settings import Settings
from veille.sources import statuspage
from veille.sources._registry import ParseContext
from veille.store.db import Store
from veille.workspace import Workspace

NOW = datetime(2026, 8, 22, 21, 0, tzinfo=UTC)
HISTORY = next(s for s in sources_of(statuspage) if s.id == "ovhcloud.status.public-cloud.history")


def load_history(store: Store, reference: Path) -> None:
    body = (reference / "signals/status_ovhcloud-public-cloud_history.json").read_bytes()
    observations = statuspage.parse_history(body, ParseContext(HISTORY.id, "ovhcloud", HISTORY.url, NOW))
    with store.session() as session:
        ingest(IngestContext(session, HISTORY, None, NOW, Settings(home=Path("/nonexistent"))), observations)


def test_statistics_of_the_ovh_history(any_store: Store, reference: Path) -> None:
    load_history(any_store, reference)
    with any_store.session() as session:
        records = list_incidents(session, competitor="ovhcloud")
        assert len(records) == 119
        assert per_month(records) == {"ovhcloud": {"2026-05": 1, "2026-06": 31, "2026-07": 28, "2026-08": 14}}
        assert by_impact(records) == {"ovhcloud": {"major": 47, "minor": 13, "none": 14}}
        durations = [r.minutes_to_resolve for r in records if r.kind == "incident"]
        assert all(d is not None for d in durations)
        assert (
            mean_time_to_resolve(records)
            == {"ovhcloud": round(sum(durations) / len(durations), 1)}
            == {"ovhcloud": 1026.5}
        )
        july = statistics(
            session, since=datetime(2026, 7, 1, tzinfo=UTC), until=datetime(2026, 8, 1, tzinfo=UTC)
        )
    [row] = july["competitors"]
    assert (row["competitor"], row["incidents"], row["per_month"]) == ("ovhcloud", 28, {"2026-07": 28})
    assert row["unresolved"] == 0 and row["maintenances"] > 0


def test_cli_incidents(tmp_path: Path, reference: Path, cli: Any) -> None:
    ws = Workspace(Settings(home=tmp_path / "ws"))
    store, _ = ws.init_store()
    load_history(store, reference)
    code, out, err = cli(
        "--home", str(tmp_path / "ws"), "incidents", "--stats", "--json", "--competitor", "ovhcloud"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["competitors"][0]["incidents"] == 74
    assert data["competitors"][0]["mttr_minutes"] == 1026.5
    code, out, _ = cli("--home", str(tmp_path / "ws"), "incidents", "--json", "--limit", "3")
    assert code == 0
    listed = json.loads(out)
    assert [i["id"] for i in listed] == ["s0t5gcmfx903", "6ypgy8vdz3xw", "hq1jqjmdjg42"]
    code, out, _ = cli("--home", str(tmp_path / "ws"), "incidents", "--stats")
    assert code == 0 and "ovhcloud" in out
    code, _, err = cli("--home", str(tmp_path / "ws"), "incidents", "--since", "not-a-date")
    assert code == 1 and "not a date" in err


@pytest.mark.parametrize("args", [("incidents",), ("incidents", "--stats")])
def test_cli_on_an_empty_workspace(tmp_path: Path, cli: Any, args: tuple[str, ...]) -> None:
    Workspace(Settings(home=tmp_path / "ws")).init_store()
    code, _, err = cli("--home", str(tmp_path / "ws"), *args)
    assert code == 0, err
