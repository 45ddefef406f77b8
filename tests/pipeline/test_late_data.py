"""Late data: a snapshot fetched before a source's stored state never becomes the present nor news.

The demo's three weekly capture sets (every kind of source: prices, FX, incidents, changelogs,
mentions, reviews and ratings, jobs, news) are replayed once in order, then again (in order, and
in a shuffled order) into the same workspace: the events and the history must be those of the
single ordered pass.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from veille.collect.replay import check_source, load_pages, plan, replay_one
from veille.demo import _write_capture_set, scenario, weeks
from veille.settings import Settings
from veille.store.models import (
    EventRow,
    FeedItemRow,
    IncidentRow,
    JobRow,
    MentionRow,
    OfferVersion,
    RatingRow,
    ReviewRow,
    SourceRun,
    SourceState,
)
from veille.workspace import Workspace

HISTORY = (IncidentRow, FeedItemRow, MentionRow, JobRow, RatingRow, ReviewRow)
NOT_CONTENT = {"id", "run_id", "capture_id"}  # which run stored a row, not what it says


@pytest.fixture(scope="module")
def capture_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's three weekly capture sets, as ``veille demo`` writes them."""
    out = tmp_path_factory.mktemp("late")
    times = weeks()
    for step, at in enumerate(times):
        _write_capture_set(out, at, scenario.state(step, times))
    return out / "capture-sets"


def replay_steps(ws: Workspace, steps: list[tuple[datetime, Path]]) -> list[str]:
    """Replay ``steps`` in the order given; returns each run's status."""
    statuses = []
    for when, folder in steps:
        step = check_source(folder, when)
        statuses.append(replay_one(ws, step.spec, load_pages(step), when).status)
    return statuses


def new_workspace(home: Path) -> Workspace:
    ws = Workspace(Settings(home=home, database_url=None))
    ws.init_store()
    return ws


def _rows(session: Any, model: Any) -> list[tuple[Any, ...]]:
    columns = [c for c in model.__table__.columns if c.name not in NOT_CONTENT]
    return sorted((tuple(map(repr, row)) for row in session.execute(select(*columns)).all()), key=str)


def outcome(ws: Workspace) -> dict[str, Any]:
    """The events (kind, competitor, dedup key) and the history, without row ids."""
    with ws.store.session() as session:
        events = sorted(session.execute(select(EventRow.kind, EventRow.competitor, EventRow.dedup_key)).all())
        found: dict[str, Any] = {"events": [tuple(e) for e in events]}
        for model in (OfferVersion, *HISTORY):
            found[model.__tablename__] = _rows(session, model)
    return found


def assert_clean_offer_history(ws: Workspace) -> None:
    """Every version has valid_from <= valid_to, and the versions of one offer never overlap."""
    with ws.store.session() as session:
        versions = session.scalars(
            select(OfferVersion).order_by(OfferVersion.valid_from, OfferVersion.id)
        ).all()
    by_key: dict[tuple[str, ...], list[OfferVersion]] = {}
    for v in versions:
        assert v.valid_to is None or v.valid_from <= v.valid_to, (v.sku, v.valid_from, v.valid_to)
        by_key.setdefault((v.source_id, v.competitor, v.sku, v.region, v.billing), []).append(v)
    for key, chain in by_key.items():
        for before, after in itertools.pairwise(chain):
            assert before.valid_to is not None and before.valid_to <= after.valid_from, key
        assert sum(v.valid_to is None for v in chain) <= 1, key


@pytest.fixture(scope="module")
def ordered(capture_sets: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ws = new_workspace(tmp_path_factory.mktemp("ordered"))
    assert "late" not in replay_steps(ws, plan(capture_sets))
    assert_clean_offer_history(ws)
    found = outcome(ws)
    assert {e[0] for e in found["events"]} >= {
        "price_change",
        "offer_added",
        "offer_removed",
        "rating_change",
    }
    return found


@pytest.mark.parametrize("order", ["again", "shuffled", "reversed"])
def test_a_second_pass_changes_nothing(
    order: str, capture_sets: Path, ordered: dict[str, Any], tmp_path: Path
) -> None:
    ws = new_workspace(tmp_path / "ws")
    steps = plan(capture_sets)
    replay_steps(ws, steps)
    again = list(steps)
    if order == "shuffled":
        random.Random(12).shuffle(again)
    elif order == "reversed":
        again.reverse()
    statuses = replay_steps(ws, again)
    found = outcome(ws)
    assert found["events"] == ordered["events"]  # no event raised again, none dated in the past
    assert_clean_offer_history(ws)
    assert found == ordered
    latest = max(when for when, _ in steps)
    assert statuses.count("late") == sum(when < latest for when, _ in steps)


def test_a_late_run_is_recorded_with_its_reason(capture_sets: Path, tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    steps = plan(capture_sets)
    first, last = min(when for when, _ in steps), max(when for when, _ in steps)
    replay_steps(ws, [s for s in steps if s[0] == last])
    replay_steps(ws, [s for s in steps if s[0] == first])
    with ws.store.session() as session:
        late = session.scalars(select(SourceRun).where(SourceRun.started_at == first)).all()
        assert late and {r.status for r in late} == {"late"}
        assert all("before the stored state" in (r.error or "") for r in late)
        late_ids = {r.id for r in late}
        assert not [e for e in session.scalars(select(EventRow)) if e.run_id in late_ids]
        states = session.scalars(select(SourceState)).all()
        assert states and all(st.last_run_at == last for st in states)  # the state stays the newest


def test_a_manual_entry_dated_before_the_latest_one_is_refused(cli: Any, workspace: Workspace) -> None:
    args = ["--home", workspace.home, "prices", "add", "hetzner", "cx22", "--vcpu", "2", "--ram-gb", "4",
            "--url", "https://www.hetzner.com/cloud/"]  # fmt: skip
    assert cli(*args, "--price-monthly", "4.15", "--date", "2026-11-30")[0] == 0
    code, _, err = cli(*args, "--price-monthly", "3.79", "--date", "2026-11-23")
    assert code == 1 and "already stored" in err and "Traceback" not in err
    assert (
        cli(*args, "--price-monthly", "3.79", "--region", "fsn1", "--date", "2026-11-23")[0] == 0
    )  # another offer
    assert cli(*args, "--price-monthly", "4.15", "--date", "2026-11-30")[0] == 0  # the same time: not late
    assert_clean_offer_history(workspace)
    with workspace.store.session() as session:
        events = session.scalars(select(EventRow)).all()
        runs = session.scalars(select(SourceRun)).all()
    offers = sorted(e.kind for e in events if e.kind != "claim_contradicted")  # prices add re-checks claims
    assert offers == ["offer_added", "offer_added"] and len(runs) == 3


def test_replaying_the_demo_sets_twice_says_late_and_raises_nothing(
    cli: Any, capture_sets: Path, workspace: Workspace
) -> None:
    code, out, _ = cli("--home", workspace.home, "replay", capture_sets)
    assert code == 0 and "45 run(s) replayed; 1 failed" in out and " late" not in out
    code, out, err = cli("--home", workspace.home, "replay", capture_sets)
    assert code == 0 and "Traceback" not in err
    assert "0 failed; 0 new event(s); 30 late (fetched before what their source already stored" in " ".join(
        out.split()
    )
