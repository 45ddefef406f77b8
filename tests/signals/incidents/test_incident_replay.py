"""Replaying two successive states of every incident source gives exactly the expected events, and
a third identical state gives none (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.sources.declared import sources_of

from veille.events import EventDraft
from veille.ingest import IngestContext, ingest
from veille.settings import Settings
from veille.sources import betterstack, infomaniak_status, status_feeds, statusio, statuspage, vultr_status
from veille.sources._registry import ParseContext, SourceSpec
from veille.store.db import Store
from veille.store.models import IncidentRow

FIX = Path(__file__).resolve().parents[2] / "fixtures"
T1 = datetime(2026, 11, 20, 9, 59, tzinfo=UTC)
T2 = T1 + timedelta(minutes=12)
T3 = T2 + timedelta(minutes=2)
KINDS = ("incident", "incident_escalated", "incident_resolved")


def spec_of(module: object, source_id: str) -> SourceSpec:
    return next(s for s in sources_of(module) if s.id == source_id)


def run(
    store: Store, spec: SourceSpec, parse: Callable[..., list], body: bytes, now: datetime
) -> list[EventDraft]:  # type: ignore[type-arg]
    pctx = ParseContext(spec.id, spec.competitor, spec.url, now)
    observations = parse(body, pctx)
    with store.session() as session:
        drafts = ingest(
            IngestContext(session, spec, None, now, Settings(home=Path("/nonexistent"))), observations
        )
    return [d for d in drafts if d.kind in KINDS]


def keys(drafts: list[EventDraft]) -> list[tuple[str, str, str]]:
    return sorted((d.kind, d.dedup_key, d.importance) for d in drafts)


CASES = [
    pytest.param(
        statuspage,
        "digitalocean.status.summary",
        statuspage.parse_summary,
        "statuspage/summary_1.json",
        "statuspage/summary_2.json",
        [
            ("incident", "incident:digitalocean:k7yz2m9cq1wv", "medium"),
            ("incident", "incident:digitalocean:p3m8v0x6wq2d", "low"),
        ],
        # the maintenance leaves the summary: that is not a resolution
        [
            ("incident", "incident:digitalocean:b9q4r2t8k1zx", "high"),
            ("incident_escalated", "incident_escalated:digitalocean:k7yz2m9cq1wv:major", "high"),
        ],
        id="statuspage-summary",
    ),
    pytest.param(
        statuspage,
        "digitalocean.status.incidents",
        statuspage.parse_incidents,
        "statuspage/incidents_1.json",
        "statuspage/incidents_2.json",
        [
            ("incident", "incident:digitalocean:k7yz2m9cq1wv", "medium")
        ],  # the October one is backlog: stored, silent
        [
            ("incident_escalated", "incident_escalated:digitalocean:k7yz2m9cq1wv:major", "high"),
            ("incident_resolved", "incident_resolved:digitalocean:k7yz2m9cq1wv", "medium"),
        ],
        id="statuspage-incidents",
    ),
    pytest.param(
        vultr_status,
        "vultr.status",
        vultr_status.parse_vultr_status,
        "vultr_status/status_1.json",
        "vultr_status/status_2.json",
        [("incident", "incident:vultr:4f1c2d7e", "medium")],
        [
            ("incident", "incident:vultr:9a0b3c55", "low"),
            ("incident_resolved", "incident_resolved:vultr:4f1c2d7e", "low"),
        ],
        id="vultr",
    ),
    pytest.param(
        statusio,
        "coreweave.status.api",
        statusio.parse_statusio,
        "statusio/status_1.json",
        "statusio/status_2.json",
        [("incident", "incident:coreweave:6a3f0e0b1d2c3b4a5f6e7d80", "medium")],
        [
            ("incident", "incident:coreweave:6a3f0e0b1d2c3b4a5f6e7d90", "low"),
            ("incident_escalated", "incident_escalated:coreweave:6a3f0e0b1d2c3b4a5f6e7d80:critical", "high"),
        ],
        id="statusio",
    ),
    pytest.param(
        betterstack,
        "runpod.status",
        betterstack.parse_betterstack,
        "betterstack/index_1.json",
        "betterstack/index_2.json",
        [("incident", "incident:runpod:3300001", "medium")],
        [
            ("incident", "incident:runpod:3300002", "high"),
            ("incident_resolved", "incident_resolved:runpod:3300001", "low"),
        ],
        id="betterstack",
    ),
    pytest.param(
        infomaniak_status,
        "infomaniak.status",
        infomaniak_status.parse_events,
        "infomaniak_status/events_1.json",
        "infomaniak_status/events_2.json",
        [("incident", "incident:infomaniak:2301001", "medium")],
        [
            ("incident", "incident:infomaniak:2301002", "low"),
            ("incident_resolved", "incident_resolved:infomaniak:2301001", "low"),
        ],
        id="infomaniak",
    ),
    pytest.param(
        status_feeds,
        "hetzner.status.feed",
        status_feeds.parse_status_feed,
        "status_feeds/hetzner_en_1.atom",
        "status_feeds/hetzner_en_2.atom",
        [
            (
                "incident",
                "incident:hetzner:7f0e2a1c-5b3d-4e8f-9a6b-1c2d3e4f5a60",
                "medium",
            )
        ],
        [
            (
                "incident",
                "incident:hetzner:0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e50",
                "low",
            ),
            (
                "incident_resolved",
                "incident_resolved:hetzner:7f0e2a1c-5b3d-4e8f-9a6b-1c2d3e4f5a60",
                "low",
            ),
        ],
        id="hetzner-feed",
    ),
    pytest.param(
        status_feeds,
        "contabo.status.feed",
        status_feeds.parse_status_feed,
        "status_feeds/contabo_1.rss",
        "status_feeds/contabo_2.rss",
        [("incident", "incident:contabo:1187", "medium")],
        [("incident_resolved", "incident_resolved:contabo:1187", "low")],
        id="contabo-feed",
    ),
]


@pytest.mark.parametrize(
    ("module", "source_id", "parse", "state1", "state2", "expected1", "expected2"), CASES
)
def test_two_states_then_an_identical_third(
    any_store: Store, module, source_id, parse, state1, state2, expected1, expected2
) -> None:  # type: ignore[no-untyped-def]
    spec = spec_of(module, source_id)
    body1, body2 = (FIX / state1).read_bytes(), (FIX / state2).read_bytes()
    assert keys(run(any_store, spec, parse, body1, T1)) == sorted(expected1)
    assert keys(run(any_store, spec, parse, body2, T2)) == sorted(expected2)
    assert run(any_store, spec, parse, body2, T3) == []
    assert run(any_store, spec, parse, body1, T3) == []  # an older state replayed changes nothing either
    pctx = ParseContext(spec.id, spec.competitor, spec.url, T1)
    ids = {o.id for o in parse(body1, pctx) + parse(body2, pctx)}
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(IncidentRow)) == len(ids)


def test_resolution_comes_only_from_the_source(any_store: Store) -> None:
    """An incident that leaves the summary stays open; incidents.json then resolves it once."""
    summary = spec_of(statuspage, "digitalocean.status.summary")
    incidents = spec_of(statuspage, "digitalocean.status.incidents")
    run(any_store, summary, statuspage.parse_summary, (FIX / "statuspage/summary_2.json").read_bytes(), T1)
    empty = b'{"page": {"id": "s2k7tnzlhrpw"}, "status": {"indicator": "none"}, "incidents": [], "scheduled_maintenances": []}'
    assert run(any_store, summary, statuspage.parse_summary, empty, T2) == []
    with any_store.session() as session:
        row = session.execute(
            select(IncidentRow).where(IncidentRow.incident_id == "k7yz2m9cq1wv")
        ).scalar_one()
        assert (row.status, row.resolved_at, row.impact) == ("identified", None, "major")
    drafts = run(
        any_store,
        incidents,
        statuspage.parse_incidents,
        (FIX / "statuspage/incidents_2.json").read_bytes(),
        T3,
    )
    assert keys(drafts) == [("incident_resolved", "incident_resolved:digitalocean:k7yz2m9cq1wv", "medium")]
    resolved = drafts[0]
    assert resolved.data["duration_minutes"] == 98
    with any_store.session() as session:
        rows = (
            session.execute(select(IncidentRow).where(IncidentRow.incident_id == "k7yz2m9cq1wv"))
            .scalars()
            .all()
        )
        assert len(rows) == 1  # one row per incident, whichever source saw it first
        assert rows[0].resolved_at == datetime(2026, 11, 20, 11, 20, tzinfo=UTC)


def test_history_backfill_is_stored_silently(any_store: Store, reference: Path) -> None:
    spec = spec_of(statuspage, "ovhcloud.status.public-cloud.history")
    body = (reference / "signals/status_ovhcloud-public-cloud_history.json").read_bytes()
    drafts = run(any_store, spec, statuspage.parse_history, body, datetime(2026, 8, 22, 21, 0, tzinfo=UTC))
    # only what is unresolved or ended in the last 7 days raises an event
    assert sorted(d.data["incident_id"] for d in drafts) == [
        "6ypgy8vdz3xw",
        "hq1jqjmdjg42",
        "pgh1bjm3mr3v",
        "pp8bc27rrxg8",
        "s0t5gcmfx903",
    ]
    assert all(d.kind == "incident" for d in drafts)
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(IncidentRow)) == 119


def test_feed_and_api_of_one_page_share_the_incident(any_store: Store) -> None:
    api = spec_of(statusio, "coreweave.status.api")
    feed = spec_of(status_feeds, "coreweave.status.feed")
    first = run(any_store, api, statusio.parse_statusio, (FIX / "statusio/status_1.json").read_bytes(), T1)
    assert keys(first) == [("incident", "incident:coreweave:6a3f0e0b1d2c3b4a5f6e7d80", "medium")]
    second = run(
        any_store,
        feed,
        status_feeds.parse_status_feed,
        (FIX / "status_feeds/coreweave_statusio_2.rss").read_bytes(),
        T2,
    )
    assert keys(second) == [
        ("incident_resolved", "incident_resolved:coreweave:6a3f0e0b1d2c3b4a5f6e7d80", "low")
    ]
    with any_store.session() as session:
        row = session.execute(select(IncidentRow)).scalar_one()
        assert (row.impact, row.status, row.components) == ("minor", "resolved", ["Kubernetes", "US-EAST-04"])


def test_an_upcoming_maintenance_announced_long_ago_is_news(any_store: Store, reference: Path) -> None:
    spec = spec_of(status_feeds, "hetzner.status.feed")  # any incident source: the rule is the ingestor's
    body = (reference / "signals/status_ovhcloud-public-cloud_history.atom").read_bytes()
    drafts = run(
        any_store, spec, status_feeds.parse_status_feed, body, datetime(2026, 8, 22, 21, 0, tzinfo=UTC)
    )
    ids = {d.data["incident_id"] for d in drafts}
    assert "dzhnzw4zfnmj" in ids  # announced on 3 July for 16 September
    assert "5wfh7dszppld" not in ids  # resolved on 5 August: backlog
