"""``veille backup`` / ``restore``: a live workspace out and back, and every damaged backup refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from tests.conftest import _postgres_database

from veille.settings import Settings
from veille.store.db import Store
from veille.store.models import Alert, EventRow, KbRevision, OfferVersion
from veille.workspace import Workspace

TABLES = (EventRow, Alert, OfferVersion, KbRevision)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from veille.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "veille-demo"
    run_demo(out, lambda _line: None, pdf=False)
    return out


def _ids(url: str) -> dict[str, set[int]]:
    store = Store(url)
    try:
        with store.session() as session:
            return {m.__tablename__: set(session.scalars(select(m.id))) for m in TABLES}
    finally:
        store.dispose()


def _insert_events(url: str, stop: threading.Event, written: list[int]) -> None:
    """Stand for a watch process: record events, one transaction each, until told to stop."""
    store = Store(url)
    try:
        while not stop.is_set():
            n = len(written)
            with store.session() as session:
                row = EventRow(kind="mention", competitor="hetzner", title=f"live write {n}", importance="low",
                               detected_at=datetime.now(UTC), dedup_key=f"backup-test:{n}", data={})  # fmt: skip
                session.add(row)
                session.flush()
                written.append(row.id)
    finally:
        store.dispose()


def test_a_live_workspace_backs_up_and_restores_whole(cli: Any, demo_home: Path, tmp_path: Path) -> None:
    url = Settings(home=demo_home).db_url
    before = _ids(url)
    assert all(before.values()), before  # the demo holds events, alerts, offer versions and revisions
    stop, written = threading.Event(), []  # type: ignore[var-annotated]
    writer = threading.Thread(target=_insert_events, args=(url, stop, written))
    writer.start()
    try:
        code, _, err = cli("--home", demo_home, "backup", tmp_path / "bk")
    finally:
        stop.set()
        writer.join()
    assert code == 0, err
    assert "backed up sqlite database" in err and written
    code, _, err = cli("--home", tmp_path / "restored", "restore", tmp_path / "bk")
    assert code == 0, err
    after = _ids(Settings(home=tmp_path / "restored").db_url)
    for table, ids in before.items():
        assert ids <= after[table], table  # every row present before the backup began
    assert after["events"] <= before["events"] | set(written)  # nothing that was never written
    assert sorted(p.name for p in (tmp_path / "restored" / "reports").iterdir()) == sorted(
        p.name for p in (demo_home / "reports").iterdir()
    )
    store = Store(Settings(home=tmp_path / "restored").db_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    store.dispose()
    code, _, err = cli("--home", tmp_path / "restored", "events", "--json", "--limit", "1")
    assert code == 0, err


@pytest.fixture(scope="module")
def backup_dir(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from veille.store.backup import backup

    dest = tmp_path_factory.mktemp("bk") / "backup"
    backup(demo_home, Settings(home=demo_home).db_url, dest)
    return dest


def _copy(backup_dir: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(backup_dir, tmp_path / "copy"))


def _damage_capture(folder: Path) -> None:
    victim = next(p for p in sorted((folder / "captures").rglob("*")) if p.is_file())
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_damage_capture, "does not match its checksum"),
        (lambda f: (f / "veille.db").unlink(), "veille.db is missing"),
        (lambda f: (f / "manifest.json").unlink(), "not a veille backup (no manifest.json"),
        (lambda f: (f / "manifest.json").write_bytes(b'{"format": "veille-backup", "ver'), "is damaged"),
        (lambda f: (f / "manifest.json").write_bytes(b"[1, 2]"), "not a veille backup manifest"),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    cli: Any, backup_dir: Path, tmp_path: Path, damage: Any, message: str
) -> None:
    folder = _copy(backup_dir, tmp_path)
    damage(folder)
    code, _, err = cli("--home", tmp_path / "new", "restore", folder)
    assert code == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(
    cli: Any, backup_dir: Path, tmp_path: Path
) -> None:
    import orjson

    folder = _copy(backup_dir, tmp_path)
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["../../etc/passwd"] = {"size": 1, "sha256": "0"}
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    code, _, err = cli("--home", tmp_path / "new", "restore", folder)
    assert code == 1 and "outside the backup folder" in err


def test_restore_never_overwrites_a_workspace(cli: Any, backup_dir: Path, demo_home: Path) -> None:
    code, _, err = cli("--home", demo_home, "restore", backup_dir)
    assert code == 1 and "already holds a workspace" in err


def test_a_sqlite_backup_does_not_go_into_postgresql(cli: Any, backup_dir: Path, tmp_path: Path) -> None:
    env = {"VEILLE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/never_used"}
    code, _, err = cli("--home", tmp_path / "new", "restore", backup_dir, env=env)
    assert code == 1 and "holds a sqlite database and the workspace uses postgresql" in err


def test_backup_refuses_a_folder_in_use_and_a_missing_workspace(
    cli: Any, demo_home: Path, tmp_path: Path
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, _, err = cli("--home", demo_home, "backup", tmp_path / "full")
    assert code == 1 and "is not empty" in err
    code, _, err = cli("--home", tmp_path / "nothing", "backup", tmp_path / "bk")
    assert code == 1 and "veille --home" in err and "init" in err


@pytest.fixture
def two_postgres() -> Iterator[tuple[str, str]]:
    first, second = _postgres_database(), _postgres_database()
    yield next(first), next(second)
    for gen in (first, second):
        next(gen, None)


@pytest.mark.postgres
def test_postgresql_backs_up_through_pg_dump_and_restores(
    cli: Any, two_postgres: tuple[str, str], tmp_path: Path
) -> None:
    source, target = two_postgres
    assert cli("--home", tmp_path / "a", "init", env={"VEILLE_DATABASE_URL": source})[0] == 0
    ws = Workspace(Settings(home=tmp_path / "a", database_url=source))
    with ws.store.session() as session:
        session.add(EventRow(kind="funding", competitor="scaleway", title="Series B", importance="high",
                             detected_at=datetime.now(UTC), dedup_key="pg-backup", data={"amount": "12"}))  # fmt: skip
    ws.store.dispose()
    code, _, err = cli(
        "--home", tmp_path / "a", "backup", tmp_path / "bk", env={"VEILLE_DATABASE_URL": source}
    )
    assert code == 0, err
    assert (tmp_path / "bk" / "database.pgdump").stat().st_size > 0
    code, _, err = cli(
        "--home", tmp_path / "b", "restore", tmp_path / "bk", env={"VEILLE_DATABASE_URL": target}
    )
    assert code == 0, err
    store = Store(target)
    with store.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.dedup_key == "pg-backup")
            )
            == 1
        )
        assert session.scalar(select(func.count()).select_from(KbRevision)) >= 1
    store.dispose()
    code, _, err = cli(
        "--home", tmp_path / "b", "restore", tmp_path / "bk", env={"VEILLE_DATABASE_URL": target}
    )
    assert code == 1 and "already holds a workspace" in err
