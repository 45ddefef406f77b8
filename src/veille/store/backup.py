"""A whole workspace out to a folder and back: the database, the captures, the reports, a manifest.

The database is copied consistently while other processes write to it: SQLite through its online backup
API, PostgreSQL through ``pg_dump`` (custom format). Every file gets its size and SHA-256 in
``manifest.json``, written last, so a folder without a manifest is an unfinished backup. ``restore``
checks the manifest, every checksum and the schema revision before it writes anything, and only into an
empty workspace.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from veille import __version__
from veille.errors import ConfigError, ValidationError

FORMAT = "veille-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "veille.db"
PG_FILE = "database.pgdump"
FOLDERS = ("captures", "reports")
PG_TIMEOUT = 3600  # seconds a pg_dump or pg_restore may take


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore wrote."""

    folder: Path
    database: str
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://u@h/db`` as the ``postgresql://u@h/db`` that pg_dump understands."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run_pg(args: list[str]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise ConfigError(f"{tool} is not installed: PostgreSQL workspaces need the PostgreSQL client tools")
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{tool} took longer than {PG_TIMEOUT} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"{tool} failed: {last}")


def _dump_database(db_url: str, dest: Path) -> str:
    """Copy the database into ``dest``; returns its kind (``sqlite`` or ``postgresql``)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(str(url.database), timeout=30)
        target = sqlite3.connect(dest / SQLITE_FILE)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return "sqlite"
    _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(dest / PG_FILE),
             _libpq_url(db_url)])  # fmt: skip
    return "postgresql"


def _schema_revision(db_url: str) -> str | None:
    from sqlalchemy import text

    from veille.store.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _copy_folders(home: Path, dest: Path) -> None:
    for name in FOLDERS:
        if (home / name).is_dir():
            shutil.copytree(home / name, dest / name, symlinks=False)


def _inventory(dest: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        rel = path.relative_to(dest).as_posix()
        if rel != MANIFEST:
            files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return files


def backup(home: Path, db_url: str, dest: Path) -> BackupSummary:
    """Write a backup of the workspace at ``home`` (database ``db_url``) into the new folder ``dest``."""
    if dest.exists() and any(dest.iterdir()):
        raise ValidationError(f"{dest} is not empty: a backup goes into a new or empty folder")
    revision = _schema_revision(db_url)
    if revision is None:
        raise ConfigError(
            f"no workspace database at {make_url(db_url).render_as_string()}: nothing to back up"
        )
    dest.mkdir(parents=True, exist_ok=True)
    kind = _dump_database(db_url, dest)
    _copy_folders(home, dest)
    files = _inventory(dest)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "veille_version": __version__,
        "database": {"kind": kind, "schema_revision": revision},
        "files": files,
    }
    partial = dest / (MANIFEST + ".part")
    partial.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    partial.replace(dest / MANIFEST)
    return BackupSummary(dest, kind, len(files), sum(f["size"] for f in files.values()))


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, checked against every file it lists; ValidationError if anything is off."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ValidationError(
            f"{folder} is not a veille backup (no {MANIFEST}; an unfinished backup has none)"
        )
    try:
        manifest = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"{path} is damaged: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(f"{path} is not a veille backup manifest")
    if manifest.get("version") != VERSION:
        raise ValidationError(
            f"backup format {manifest.get('version')!r} is not supported (this veille reads {VERSION})"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(manifest.get("database"), dict):
        raise ValidationError(f"{path} is damaged: no file list or database entry")
    for rel, entry in files.items():
        _check_file(folder, rel, entry)
    return manifest


def _check_file(folder: Path, rel: str, entry: Any) -> None:
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder.resolve()) or path.is_symlink():
        raise ValidationError(f"backup lists {rel!r}, which lies outside the backup folder")
    if not path.is_file():
        raise ValidationError(f"backup is damaged: {rel} is missing")
    if (
        not isinstance(entry, dict)
        or path.stat().st_size != entry.get("size")
        or _sha256(path) != entry.get("sha256")
    ):
        raise ValidationError(f"backup is damaged: {rel} does not match its checksum")


def _check_target(home: Path, db_url: str, kind: str) -> None:
    target_kind = "sqlite" if make_url(db_url).get_backend_name() == "sqlite" else "postgresql"
    if target_kind != kind:
        raise ValidationError(
            f"this backup holds a {kind} database and the workspace uses {target_kind}: "
            "restore it into a workspace of the same kind"
        )
    for name in (SQLITE_FILE, *FOLDERS):
        if (home / name).exists() and (not (home / name).is_dir() or any((home / name).iterdir())):
            raise ValidationError(f"{home} already holds a workspace: restore into a new, empty one")
    if kind == "postgresql" and _schema_revision(db_url) is not None:
        raise ValidationError(
            "the target PostgreSQL database already holds a workspace: restore into an empty one"
        )


def restore(folder: Path, home: Path, db_url: str) -> BackupSummary:
    """Restore the backup in ``folder`` into the empty workspace at ``home`` (database ``db_url``)."""
    from veille.store.db import SCHEMA_HEAD

    manifest = read_manifest(folder)
    database = manifest["database"]
    kind, revision = database.get("kind"), database.get("schema_revision")
    if revision != SCHEMA_HEAD:
        raise ValidationError(f"backup has schema {revision!r}; this veille needs {SCHEMA_HEAD!r}")
    _check_target(home, db_url, str(kind))
    home.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        if (folder / name).is_dir():
            shutil.copytree(folder / name, home / name, dirs_exist_ok=True)
    if kind == "sqlite":
        _restore_sqlite(folder / SQLITE_FILE, Path(str(make_url(db_url).database)))
    else:
        _run_pg(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", _libpq_url(db_url),
                 str(folder / PG_FILE)])  # fmt: skip
    files = manifest["files"]
    return BackupSummary(home, str(kind), len(files), sum(f["size"] for f in files.values()))


def _restore_sqlite(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, partial)
    conn = sqlite3.connect(partial)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if verdict != "ok":
        partial.unlink()
        raise ValidationError(f"backup is damaged: its database fails the integrity check ({verdict})")
    partial.replace(target)
