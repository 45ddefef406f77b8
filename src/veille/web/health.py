"""Probes and metrics for the people who run veille: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` says the process answers; ``/readyz`` that the database is reachable and its schema current
(503 otherwise, with the failing check named); ``/metrics`` is Prometheus text, read from the database
on each scrape so that every server process and worker reports the same figures.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from veille.web.deps import api_user, bearer_scheme

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


def _check_database(request: Request) -> dict[str, str]:
    from veille.store.db import schema_is_current

    engine = request.app.state.store.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means unreachable
        return {"database": f"unreachable: {exc.__class__.__name__}"}
    try:
        current = schema_is_current(engine)
    except Exception as exc:
        return {"database": "ok", "schema": f"unreadable: {exc.__class__.__name__}"}
    return {"database": "ok", "schema": "ok" if current else "not current: run `veille init`"}


def _check_queue(request: Request) -> str:
    engine = request.app.state.store.engine
    if engine.dialect.name != "postgresql":
        return "ok (in-process scheduler)"
    try:
        with engine.connect() as conn:
            installed = inspect(conn).has_table("procrastinate_jobs")
    except Exception as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return "ok (task queue)" if installed else "not installed: run `veille init`"


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready: database reachable, schema current, task queue installed (PostgreSQL workspaces)."""
    checks = _check_database(request)
    checks.setdefault("schema", "unknown")
    checks["queue"] = _check_queue(request)
    ready = all(value.startswith("ok") for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unready", "checks": checks}, status_code=200 if ready else 503
    )


def metrics_reader(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> None:
    """The scraper's own token (``VEILLE_METRICS_TOKEN``) or any account's API token."""
    configured = request.app.state.settings.metrics_token
    offered = credentials.credentials.encode() if credentials is not None else b""
    if (
        configured is not None
        and offered
        and hmac.compare_digest(offered, configured.get_secret_value().encode())
    ):
        return
    api_user(request, credentials)


@router.get("/metrics", dependencies=[Depends(metrics_reader)])
def metrics(request: Request) -> Response:
    """Prometheus text exposition of the workspace's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkspaceCollector(request.app.state.store))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class WorkspaceCollector(Collector):
    """Source runs, source health, the due queue, the outbox and events, read in one session."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        with self.store.session() as session:
            yield from _run_metrics(session)
            yield from _state_metrics(session, now)
            yield from _outbox_and_events(session)
            yield from _model_metrics(session)
            if session.get_bind().dialect.name == "postgresql":
                yield from _queue_metrics(session)


def _run_metrics(session: Session) -> Iterator[Metric]:
    from veille.store.models import SourceRun

    runs = CounterMetricFamily(
        "veille_source_runs", "Runs of each source by outcome.", labels=["source", "status"]
    )
    seconds = GaugeMetricFamily(
        "veille_source_last_run_seconds", "Duration of each source's latest finished run.", labels=["source"]
    )
    for source, status, count in session.execute(
        select(SourceRun.source_id, SourceRun.status, func.count()).group_by(
            SourceRun.source_id, SourceRun.status
        )
    ):
        runs.add_metric([source, status], count)
    latest = (
        select(SourceRun.source_id, func.max(SourceRun.id).label("id"))
        .where(SourceRun.finished_at.is_not(None))
        .group_by(SourceRun.source_id)
        .subquery()
    )
    for source, started, finished in session.execute(
        select(SourceRun.source_id, SourceRun.started_at, SourceRun.finished_at).join(
            latest, SourceRun.id == latest.c.id
        )
    ):
        seconds.add_metric([source], max((_aware(finished) - _aware(started)).total_seconds(), 0.0))
    yield runs
    yield seconds


def _state_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    from veille.store.models import SourceRun, SourceState

    age = GaugeMetricFamily(
        "veille_source_last_success_age_seconds",
        "Seconds since each source's last successful run.",
        labels=["source"],
    )
    failures = GaugeMetricFamily(
        "veille_source_consecutive_failures", "Failed runs in a row, per source.", labels=["source"]
    )
    ok = select(SourceRun.source_id, func.max(SourceRun.finished_at)).where(
        SourceRun.status.in_(("ok", "unchanged"))
    )
    for source, finished in session.execute(ok.group_by(SourceRun.source_id)):
        age.add_metric([source], (now - _aware(finished)).total_seconds())
    due, oldest = 0, None
    for source, count, next_run, enabled in session.execute(
        select(
            SourceState.source_id,
            SourceState.consecutive_failures,
            SourceState.next_run_at,
            SourceState.enabled,
        )
    ):
        failures.add_metric([source], count or 0)
        if next_run is not None and _aware(next_run) <= now and enabled is not False:
            due += 1
            oldest = min(oldest or _aware(next_run), _aware(next_run))
    yield age
    yield failures
    yield GaugeMetricFamily("veille_sources_due", "Sources whose next run is due now.", value=due)
    yield GaugeMetricFamily(
        "veille_oldest_due_age_seconds",
        "How long the longest-waiting due source has waited.",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )


def _outbox_and_events(session: Session) -> Iterator[Metric]:
    from veille.store.models import Alert, EventRow

    outbox = GaugeMetricFamily("veille_outbox_alerts", "Alerts in the outbox by status.", labels=["status"])
    for status, count in session.execute(select(Alert.status, func.count()).group_by(Alert.status)):
        outbox.add_metric([status], count)
    events = CounterMetricFamily("veille_events", "Detected events by kind.", labels=["kind"])
    for kind, count in session.execute(select(EventRow.kind, func.count()).group_by(EventRow.kind)):
        events.add_metric([kind], count)
    yield outbox
    yield events


def _model_metrics(session: Session) -> Iterator[Metric]:
    from veille.store.models import AiCall

    tokens = CounterMetricFamily(
        "veille_model_tokens",
        "Tokens spent on model calls (prompt and answer; cached answers cost none).",
        labels=["purpose"],
    )
    spent = AiCall.prompt_tokens + AiCall.completion_tokens
    for purpose, total in session.execute(select(AiCall.purpose, func.sum(spent)).group_by(AiCall.purpose)):
        tokens.add_metric([purpose], int(total or 0))
    yield tokens


def _queue_metrics(session: Session) -> Iterator[Metric]:
    if not inspect(session.connection()).has_table("procrastinate_jobs"):
        return
    jobs = GaugeMetricFamily(
        "veille_queue_jobs", "Jobs of the task queue by queue and status.", labels=["queue", "status"]
    )
    for queue, status, count in session.execute(
        text("SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2")
    ):
        jobs.add_metric([queue, status], count)
    oldest = session.execute(
        text(
            "SELECT extract(epoch FROM now() - min(e.at)) FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' WHERE j.status = 'todo'"
        )
    ).scalar()
    yield jobs
    yield GaugeMetricFamily(
        "veille_queue_oldest_waiting_seconds",
        "Age of the oldest job waiting for a worker.",
        value=float(oldest or 0),
    )


def _aware(value: datetime | None) -> datetime:
    """A stored time with its zone (SQLite gives naive UTC); the epoch for a missing one."""
    if value is None:
        return datetime.fromtimestamp(0, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
