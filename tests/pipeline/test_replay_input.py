"""``veille replay`` on a bad capture set: one clear line, exit 1, no traceback, nothing stored.

Each set holds a good folder first in time, so a replay that checked as it went would store it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.pipeline.conftest import catalogue, item

from veille.settings import Settings
from veille.store.models import Capture, EventRow, OfferVersion, SourceRun
from veille.workspace import Workspace

GOOD = "2026-11-20T10-00-00Z"
BAD = "2026-11-21T10-00-00Z"
META = {"parser": "toy.catalog", "competitor": "hetzner", "url": "https://api.toy.example/c"}


@pytest.fixture
def home(tmp_path: Path, cli: Any, toy_registry: Any) -> Path:
    h = tmp_path / "ws"
    assert cli("--home", h, "init")[0] == 0
    return h


def stored(home: Path) -> tuple[int, ...]:
    ws = Workspace(Settings(home=home, database_url=None))
    with ws.store.session() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (SourceRun, Capture, OfferVersion, EventRow)
        )
    ws.store.dispose()
    return counts


def capture_set(tmp_path: Path) -> tuple[Path, Path]:
    """A set with a good folder (toy.a, first) and an empty one to spoil (toy.b, a day later)."""
    sets = tmp_path / "set"
    good = sets / GOOD / "toy.a"
    good.mkdir(parents=True)
    (good / "p.json").write_bytes(catalogue(item("a", "0.01")))
    (good / "meta.json").write_text(json.dumps(META))
    bad = sets / BAD / "toy.b"
    bad.mkdir(parents=True)
    (bad / "p.json").write_bytes(catalogue(item("b", "0.02")))
    return sets, bad


def page(**kw: Any) -> dict[str, Any]:
    return {**META, "pages": [{"file": "p.json", **kw}]}


WRONG_META: list[tuple[str, Any, str]] = [
    ("not-json", "{not json", "meta.json: document: Invalid JSON"),
    ("a-list", [1, 2], "meta.json: document: Input should be an object"),
    ("pages-a-string", {**META, "pages": "p.json"}, "meta.json: pages: Input should be a valid array"),
    ("page-a-number", {**META, "pages": [1]}, "meta.json: pages.0: Input should be an object"),
    (
        "file-a-number",
        {**META, "pages": [{"file": 5}]},
        "meta.json: pages.0.file: Input should be a valid string",
    ),
    ("no-file", {**META, "pages": [{"url": "https://x.test/"}]}, "meta.json: pages.0.file: Field required"),
    ("headers-a-list", page(headers=["etag"]), "meta.json: pages.0.headers: Input should be an object"),
    ("header-a-dict", page(headers={"etag": {"a": 1}}), "meta.json: pages.0.headers.etag"),
    ("status-a-word", page(status="abc"), "meta.json: pages.0.status: Input should be a valid integer"),
    ("status-999", page(status=999), "meta.json: pages.0.status: Input should be less than or equal to 599"),
    ("fetched-at-a-number", {**META, "fetched_at": 5}, "meta.json: fetched_at: Value error, an ISO time"),
    (
        "fetched-at-a-word",
        {**META, "fetched_at": "yesterday"},
        "meta.json: fetched_at: Value error, 'yesterday'",
    ),
    ("parser-a-number", {**META, "parser": 7}, "meta.json: parser: Input should be a valid string"),
    (
        "competitor-a-list",
        {**META, "competitor": ["x"]},
        "meta.json: competitor: Input should be a valid string",
    ),
    (
        "nul-in-file",
        page(file="p.json\x00x"),
        "meta.json: pages.0.file: Value error, a file name holds no NUL",
    ),
    (
        "unknown-competitor",
        {**META, "competitor": "acme"},
        "meta.json: competitor: Value error, unknown competitor id 'acme'",
    ),
    ("typo-in-a-key", {**META, "page": []}, "meta.json: page: Extra inputs are not permitted"),
    ("unknown-parser", {**META, "parser": "no.such.parser"}, "no.such.parser"),
]


@pytest.mark.parametrize(("case", "meta", "message"), WRONG_META, ids=[c for c, _, _ in WRONG_META])
def test_wrong_meta_json_is_one_line_and_stores_nothing(
    cli: Any, home: Path, tmp_path: Path, case: str, meta: Any, message: str
) -> None:
    sets, bad = capture_set(tmp_path)
    (bad / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    before = stored(home)
    code, _, err = cli("--home", home, "replay", sets)
    assert code == 1, err
    assert err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert stored(home) == before


@pytest.mark.parametrize(
    "name",
    [
        "../../../../../../../../etc/passwd",
        "/etc/passwd",
        "../../2026-11-20T10-00-00Z/toy.a/p.json",
        ".",
        "sub/..",
    ],
)
def test_page_paths_leaving_the_folder_are_refused(cli: Any, home: Path, tmp_path: Path, name: str) -> None:
    sets, bad = capture_set(tmp_path)
    (bad / "sub").mkdir()
    (bad / "meta.json").write_text(json.dumps(page(file=name)))
    code, _, err = cli("--home", home, "replay", sets)
    assert code == 1 and "is outside the folder or a symbolic link" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert stored(home) == (0, 0, 0, 0)


@pytest.mark.parametrize("where", ["page-listed", "page-unlisted", "meta", "source-folder", "time-folder"])
def test_symbolic_links_are_not_followed(cli: Any, home: Path, tmp_path: Path, where: str) -> None:
    sets, bad = capture_set(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_bytes(catalogue(item("secret", "0.03")))
    (outside / "meta.json").write_text(json.dumps(META))
    if where == "page-listed":
        os.symlink(outside / "secret.json", bad / "link.json")
        (bad / "meta.json").write_text(json.dumps(page(file="link.json")))
    elif where == "page-unlisted":
        os.symlink(outside / "secret.json", bad / "link.json")
        (bad / "meta.json").write_text(json.dumps(META))
    elif where == "meta":
        os.symlink(outside / "meta.json", bad / "meta.json")
    elif where == "source-folder":
        os.symlink(outside, bad.parent / "toy.c")
    else:
        os.symlink(bad.parent, sets / "2026-11-22")
    code, _, err = cli("--home", home, "replay", sets)
    assert code == 1 and "symbolic link" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert stored(home) == (0, 0, 0, 0)


def test_a_good_set_with_pages_inside_subfolders_still_replays(cli: Any, home: Path, tmp_path: Path) -> None:
    sets, bad = capture_set(tmp_path)
    (bad / "sub").mkdir()
    (bad / "p.json").rename(bad / "sub" / "p.json")
    (bad / "meta.json").write_text(json.dumps(page(file="sub/p.json", status="200", headers={"ETag": "x"})))
    code, out, err = cli("--home", home, "replay", sets)
    assert code == 0, err
    assert "2 run(s) replayed; 0 failed" in out
    assert stored(home)[:2] == (2, 2)
