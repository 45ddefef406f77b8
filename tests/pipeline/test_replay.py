"""Capture sets: folder times, meta.json, ordering and clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.pipeline.conftest import catalogue, item

from veille.collect.replay import parse_folder_time, plan, replay
from veille.errors import ImportFormatError, NotFoundError
from veille.settings import Settings
from veille.store.models import Capture, EventRow
from veille.workspace import Workspace


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2026-11-20T10-00-00Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T10:30:00+01:00", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        ("2026-11-20T10-30", datetime(2026, 11, 20, 10, 30, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
    ],
)
def test_folder_times(name: str, expected: datetime) -> None:
    assert parse_folder_time(name) == expected


def test_bad_folder_time_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "yesterday" / "toy.catalog").mkdir(parents=True)
    with pytest.raises(ImportFormatError, match="not an ISO time"):
        plan(tmp_path)
    with pytest.raises(NotFoundError):
        plan(tmp_path / "missing")


def write(folder: Path, pages: dict[str, bytes], meta: dict[str, Any] | None = None) -> None:
    folder.mkdir(parents=True)
    for name, body in pages.items():
        (folder / name).write_bytes(body)
    if meta is not None:
        (folder / "meta.json").write_text(json.dumps(meta))


def test_meta_json_pages_urls_and_time_order(tmp_path: Path, toy_registry: Any) -> None:
    ws = Workspace(Settings(home=tmp_path / "ws"))
    ws.init_store()
    sets = tmp_path / "set"
    meta = {"parser": "toy.catalog", "competitor": "hetzner", "url": "https://api.toy.example/c"}
    # written out of order on purpose: replay goes by time
    rest = [item(f"c{i}", "0.05") for i in range(3)]
    write(sets / "2026-11-21" / "toy.a", {"p.json": catalogue(item("a", "0.011"), *rest)}, meta)
    write(
        sets / "2026-11-20T12-00-00Z" / "toy.a",
        {"2.json": catalogue(item("b", "0.01"), *rest), "1.json": catalogue(item("a", "0.01"))},
        {**meta, "pages": [{"file": "1.json", "url": "https://api.toy.example/c?page=1", "headers": {"ETag": "x"}},
                           {"file": "2.json", "url": "https://api.toy.example/c?page=2"}]},
    )  # fmt: skip
    summary = replay(ws, sets)
    assert [r.status for r in summary.results] == ["ok", "ok"]
    with ws.store.session() as s:
        captures = s.scalars(select(Capture).order_by(Capture.id)).all()
        assert [c.url for c in captures[:2]] == [
            "https://api.toy.example/c?page=1",
            "https://api.toy.example/c?page=2",
        ]
        assert captures[0].headers == {"etag": "x"}
        kinds = sorted(e.kind for e in s.scalars(select(EventRow)))
    assert kinds == ["offer_removed", "price_change"]


def test_unknown_source_needs_a_parser(tmp_path: Path, toy_registry: Any) -> None:
    ws = Workspace(Settings(home=tmp_path / "ws"))
    ws.init_store()
    write(tmp_path / "set" / "2026-11-20" / "nobody.knows", {"p.json": b"{}"})
    with pytest.raises(NotFoundError, match=r"give 'parser' in meta\.json"):
        replay(ws, tmp_path / "set")
