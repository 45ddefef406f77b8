"""The outbox: stored before sent, retried with back-off, sent once, never lost across a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update

from veille.act import outbox
from veille.act.channels import FileChannel, read_file_alerts
from veille.act.outbox import backoff, digest_period, dispatch
from veille.store.db import Store
from veille.store.models import Alert, Channel

from .conftest import NOW, event_row


def alerts(store: Store) -> list[Alert]:
    with store.session() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_alerts_are_rows_before_they_are_messages(store: Store, tmp_path: Path) -> None:
    from veille.act import route_events

    with pytest.raises(RuntimeError), store.session() as session:
        event = event_row("funding")
        session.add(event)
        session.flush()
        assert route_events(session, [event], NOW) == 1
        raise RuntimeError("the run failed: its events and alerts go together")
    assert alerts(store) == []


def test_sent_once(store: Store, add_events: Callable[..., list[int]], tmp_path: Path) -> None:
    [funding] = add_events(event_row("funding", title="Raised 10M"))
    [row] = alerts(store)
    assert (row.rule, row.event_id, row.channel, row.status) == ("funding", funding, "file", "pending")
    assert not (tmp_path / "alerts.jsonl").exists()  # queued, not sent

    summary = dispatch(store, tmp_path, NOW)
    assert (summary.sent, summary.retried, summary.failed) == (1, 0, 0)
    [line] = read_file_alerts(tmp_path / "alerts.jsonl")
    assert line["id"] == row.id and line["rule"] == "funding" and line["event_id"] == funding
    assert line["channel"] == "file" and line["kind"] == "funding" and line["title"] == "Raised 10M"
    assert line["competitor"] == "hetzner" and line["importance"] == "medium" and line["url"]
    [row] = alerts(store)
    assert row.status == "sent" and row.sent_at == NOW and row.attempts == 1

    assert dispatch(store, tmp_path, NOW + timedelta(days=1)).claimed == 0
    assert len(read_file_alerts(tmp_path / "alerts.jsonl")) == 1


def test_routing_twice_queues_nothing_new(store: Store, add_events: Callable[..., list[int]]) -> None:
    from veille.act import route_events

    [event_id] = add_events(event_row("price_change", pct="12.5"))
    with store.session() as session:
        from veille.store.models import EventRow

        event = session.get(EventRow, event_id)
        assert event is not None
        assert route_events(session, [event], NOW) == 0
    assert len(alerts(store)) == 1


def test_failures_back_off_then_succeed(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    with store.session() as session:
        session.execute(
            update(Channel).where(Channel.name == "file").values(target=str(blocked))
        )  # a folder: unwritable
    add_events(event_row("funding"))

    now = NOW
    for attempt in (1, 2, 3):
        summary = dispatch(store, tmp_path, now)
        assert (summary.claimed, summary.retried) == (1, 1)
        [row] = alerts(store)
        assert row.status == "pending" and row.attempts == attempt
        assert row.next_attempt_at == now + backoff(attempt) and "cannot open" in (row.last_error or "")
        assert (
            dispatch(store, tmp_path, now + backoff(attempt) - timedelta(seconds=1)).claimed == 0
        )  # not yet due
        now += backoff(attempt)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 20)] == [30, 60, 120, 6 * 3600]

    with store.session() as session:
        session.execute(update(Channel).where(Channel.name == "file").values(target="alerts.jsonl"))
    assert dispatch(store, tmp_path, now).sent == 1
    assert len(read_file_alerts(tmp_path / "alerts.jsonl")) == 1


def test_crash_after_writing_before_marking_sent(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path
) -> None:
    add_events(event_row("funding"), event_row("funding"))
    claimed = outbox._claim(store, NOW, False, 100)  # the dispatcher claims...
    assert len(claimed) == 2 and outbox._claim(store, NOW, False, 100) == []  # ...exclusively
    FileChannel(tmp_path / "alerts.jsonl").send([claimed[0].line])  # ...writes one, then the process dies
    assert [a.status for a in alerts(store)] == ["sending", "sending"]

    assert dispatch(store, tmp_path, NOW + timedelta(seconds=10)).claimed == 0  # the lease still holds
    summary = dispatch(store, tmp_path, NOW + outbox.SENDING_LEASE)
    assert summary.sent == 2
    lines = read_file_alerts(tmp_path / "alerts.jsonl")
    assert sorted(line["id"] for line in lines) == sorted(c.id for c in claimed)  # each once
    assert [a.status for a in alerts(store)] == ["sent", "sent"]


def test_file_channel_skips_ids_already_written_and_mends_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(orjson.dumps({"id": 1}) + b"\n" + b'{"id": 2, "ti')  # torn by a crash
    channel = FileChannel(path)
    channel.send([{"id": 1, "title": "again"}, {"id": 2, "title": "two"}, {"id": 3, "title": "three"}])
    channel.send([{"id": 3, "title": "three again"}])
    assert [a["id"] for a in read_file_alerts(path)] == [1, 2, 3]
    assert FileChannel(path).send([{"id": 2}]) is None and len(read_file_alerts(path)) == 3  # a fresh index


def test_digests_wait_for_their_period(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path
) -> None:
    add_events(event_row("feature", title="Managed Kubernetes GA"))
    [row] = alerts(store)
    assert row.status == "digest" and row.payload["digest"] == "2026-11"
    _label, due = digest_period("monthly", NOW)
    assert row.next_attempt_at == due and due.isoformat() == "2026-12-01T00:00:00+00:00"
    assert dispatch(store, tmp_path, NOW + timedelta(days=2)).claimed == 0
    assert dispatch(store, tmp_path, due).sent == 1
    [line] = read_file_alerts(tmp_path / "alerts.jsonl")
    assert line["digest"] == "2026-11" and line["mode"] == "monthly"


def test_digests_can_be_flushed_now(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path
) -> None:
    add_events(event_row("hiring"), event_row("funding"))
    assert dispatch(store, tmp_path, NOW).sent == 1
    assert dispatch(store, tmp_path, NOW, include_digests=True).sent == 1


def test_weekly_and_daily_periods() -> None:
    assert digest_period("weekly", NOW) == ("2026-W48", NOW.replace(day=30, hour=0))
    assert digest_period("daily", NOW)[1] == NOW.replace(day=27, hour=0)
    assert digest_period("monthly", NOW.replace(month=12))[1].year == 2027


def test_apprise_channel_delivers_over_http(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    with store.session() as session:
        session.add(Channel(name="hook", kind="apprise", target=f"json://127.0.0.1:{httpserver.port}/hook"))
        session.execute(
            update(Channel).where(Channel.name == "file").values(kind="apprise", target="json://")
        )
    from veille.act.rules import RuleSpec, add_rule

    with store.session() as session:
        add_rule(session, RuleSpec("funding", kinds=("funding",), channels=("hook", "file")))
    add_events(event_row("funding", title="Series B"))
    summary = dispatch(store, tmp_path, NOW)
    assert (summary.sent, summary.failed) == (1, 1)  # "json://" alone is no address: a permanent failure
    [(request, _response)] = httpserver.log
    body = orjson.loads(request.data)
    assert "Series B" in body["message"] and "Levée de fonds / Funding round" in body["title"]
    statuses = {a.channel: a.status for a in alerts(store)}
    assert statuses == {"hook": "sent", "file": "failed"}


def test_an_apprise_digest_is_one_message(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/digest", method="POST").respond_with_data("ok")
    with store.session() as session:
        session.execute(
            update(Channel)
            .where(Channel.name == "file")
            .values(kind="apprise", target=f"json://127.0.0.1:{httpserver.port}/digest")
        )
    add_events(
        event_row("feature", competitor="scaleway", title="Serverless GPUs"),
        event_row("feature", competitor="ovhcloud", title="New region in Milan"),
        event_row("hiring", competitor="digitalocean", title="12 GPU engineers"),
    )
    assert dispatch(store, tmp_path, NOW + timedelta(days=40)).sent == 3
    [(request, _)] = httpserver.log  # the monthly digest of one channel and one month: one message
    body = orjson.loads(request.data)
    assert "Synthèse / Digest 2026-11" in body["title"] and "3 alerte(s)" in body["title"]
    assert "Serverless GPUs" in body["message"] and "New region in Milan" in body["message"]
    assert "Recrutement / Hiring" in body["message"]


def test_a_failing_apprise_endpoint_is_retried(
    store: Store, add_events: Callable[..., list[int]], tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("ok")
    with store.session() as session:
        session.execute(
            update(Channel)
            .where(Channel.name == "file")
            .values(kind="apprise", target=f"json://127.0.0.1:{httpserver.port}/hook")
        )
    add_events(event_row("funding"))
    assert dispatch(store, tmp_path, NOW).retried == 1
    [row] = alerts(store)
    assert row.status == "pending" and "could not deliver" in (row.last_error or "")
    assert dispatch(store, tmp_path, NOW + backoff(1)).sent == 1
    assert [a.status for a in alerts(store)] == ["sent"] and len(httpserver.log) == 2


def test_a_message_gives_the_title_in_french_then_in_english() -> None:
    from veille.act.channels import render_text

    payload = {
        "kind": "offer_added", "competitor": "hetzner", "importance": "medium",
        "title": "hetzner CX62 (nbg1): new offer", "url": "https://api.hetzner.cloud/v1/server_types",
        "data": {"offer": {"sku": "cx62", "name": "CX62", "region": "nbg1", "monthly_eur": "64.9"}},
    }  # fmt: skip
    _, body = render_text([payload], None)
    assert (
        "CX62 (nbg1): nouvelle offre, 64,90\u00a0€ / mois\n  CX62 (nbg1): new offer, €64.90 / month" in body
    )
    _, plain = render_text([{**payload, "kind": "funding", "data": {}, "title": "Series B"}], None)
    assert plain.count("Series B") == 1  # no data to write it again: as stored, once
