"""``/healthz``, ``/readyz`` and ``/metrics``: probes for operators, metrics read by Prometheus's own parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text
from tests.conftest import _postgres_database
from tests.web.conftest import Site, seed_workspace

from veille.settings import Settings
from veille.store.models import Alert, EventRow, SourceRun
from veille.web.app import create_app
from veille.workspace import Workspace


def _families(body: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_healthz_answers_anyone(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_then_not_when_the_schema_is_behind(site: Site, client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {
        "database": "ok",
        "schema": "ok",
        "queue": "ok (in-process scheduler)",
    }
    with site.workspace.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unready" and "not current" in response.json()["checks"]["schema"]


def test_metrics_need_a_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_metrics_parse_and_agree_with_the_database(site: Site, client: TestClient) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {site.tokens['viewer']}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = _families(response.text)
    with site.workspace.store.session() as session:
        events = dict(session.execute(select(EventRow.kind, func.count()).group_by(EventRow.kind)).all())
        runs = session.scalar(select(func.count()).select_from(SourceRun))
        alerts = session.scalar(select(func.count()).select_from(Alert))
    assert events and {dict(k)["kind"]: v for k, v in found["veille_events_total"].items()} == events
    assert sum(found.get("veille_source_runs_total", {}).values()) == runs
    assert sum(found.get("veille_outbox_alerts", {}).values()) == alerts
    assert ("veille_sources_due" in found) and ("veille_oldest_due_age_seconds" in found)


def test_metrics_count_the_models_tokens(site: Site, client: TestClient) -> None:
    from datetime import UTC, datetime

    from veille.store.models import AiCall

    with site.workspace.store.session() as session:
        for purpose, prompt, answer in (
            ("price_page", 1200, 300),
            ("price_page", 800, 200),
            ("summary", 50, 25),
        ):
            session.add(AiCall(created_at=datetime.now(UTC), purpose=purpose, endpoint="http://127.0.0.1:9/v1",
                               model="m", prompt_version="1", cache_key=purpose + str(prompt), status="ok",
                               prompt_tokens=prompt, completion_tokens=answer))  # fmt: skip
    response = client.get("/metrics", headers={"Authorization": f"Bearer {site.tokens['viewer']}"})
    tokens = {dict(k)["purpose"]: v for k, v in _families(response.text)["veille_model_tokens_total"].items()}
    assert tokens == {"price_page": 2500, "summary": 75}


def test_metrics_take_the_scrapers_own_token(tmp_path: Path) -> None:
    from tests.web.conftest import make_site

    site = make_site(tmp_path / "ws")
    settings = Settings(home=site.workspace.home, secret_key="test-secret-key", metrics_token="scrape-me")
    app = create_app(Workspace(settings))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-you"}).status_code == 401
    site.workspace.store.dispose()


def _token(ws: Workspace) -> str:
    from veille.auth import new_token

    with ws.store.session() as session:
        return new_token(session, "viewer")


@pytest.fixture
def pg_url() -> Iterator[str]:
    gen = _postgres_database()
    yield next(gen)
    next(gen, None)


@pytest.mark.postgres
def test_readyz_turns_unready_when_postgresql_goes(pg_url: str, tmp_path: Path) -> None:
    ws = Workspace(Settings(home=tmp_path / "ws", database_url=pg_url, secret_key="k"))
    seed_workspace(ws)
    app = create_app(ws)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.get("/readyz")
        assert response.status_code == 503 and "run `veille init`" in response.json()["checks"]["queue"]
        from veille.watch.tasks import ensure_queue_schema

        ensure_queue_schema(ws)
        response = client.get("/readyz")
        assert response.status_code == 200 and response.json()["checks"]["queue"] == "ok (task queue)"
        metrics = client.get("/metrics", headers={"Authorization": "Bearer " + _token(ws)})
        assert "veille_queue_oldest_waiting_seconds" in _families(metrics.text)
        ws.store.dispose()
        from sqlalchemy import create_engine

        admin = create_engine(pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{pg_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"].startswith("unreachable")
        assert client.get("/healthz").status_code == 200
