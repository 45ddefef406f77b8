"""Raw responses kept as evidence: content-addressed (sha256 of the body) and gzip-compressed.

A body lives once under ``<workspace>/captures/ab/cd/<sha256>.gz`` however often it is fetched; each
fetch gets its own ``captures`` row (URL, status, headers, fetch time, size). Files are written
atomically before the run's transaction commits; a file whose run rolled back is harmless (the next
identical body reuses it).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import insert
from sqlalchemy.orm import Session

from veille.store.models import Capture

_CHUNK = 1024 * 1024
# Response headers worth keeping as evidence; cookies and the like are dropped.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "etag",
        "last-modified",
        "date",
        "link",
        "x-total-count",
        "retry-after",
        "cache-control",
        "x-ms-ratelimit-remaining-retailprices-requests",
    }
)


def capture_path(captures_dir: Path, sha256: str) -> Path:
    """Where the body with this digest is (or would be) stored."""
    return captures_dir / sha256[:2] / sha256[2:4] / f"{sha256}.gz"


def store_body(captures_dir: Path, body: bytes | Path, sha256: str | None = None) -> tuple[str, int]:
    """Store ``body`` (bytes, or a file to copy) once; returns (sha256, size in bytes)."""
    if not sha256:
        sha256, size = _digest(body)
    else:
        size = len(body) if isinstance(body, bytes) else body.stat().st_size
    target = capture_path(captures_dir, sha256)
    if target.exists():
        return sha256, size
    fd, tmp = _temp_file(target.parent)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz,
        ):
            if isinstance(body, bytes):
                gz.write(body)
            else:
                with body.open("rb") as src:
                    shutil.copyfileobj(src, gz, _CHUNK)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256, size


_FOLDERS: set[Path] = set()  # capture folders this process made or found: no mkdir (two system calls) again


def _temp_file(folder: Path) -> tuple[int, str]:
    """A new temporary file in ``folder`` (made if missing), as ``tempfile.mkstemp`` gives it."""
    if folder not in _FOLDERS:
        folder.mkdir(parents=True, exist_ok=True)
        _FOLDERS.add(folder)
    try:
        return tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".gz")
    except FileNotFoundError:  # removed since (by hand): make it again
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".gz")


def record(
    session: Session,
    captures_dir: Path,
    *,
    source_id: str,
    run_id: int | None,
    url: str,
    status: int,
    headers: Mapping[str, str],
    fetched_at: datetime,
    body: bytes | Path,
    sha256: str | None = None,
) -> int:
    """Store the body and insert its ``captures`` row in the session's transaction; returns the row's id.

    The row goes straight to the connection (Core INSERT ... RETURNING): nothing reads it back as an
    ORM object, and the unit of work cost more than the rest of recording a capture.
    """
    digest, size = store_body(captures_dir, body, sha256)
    row = {
        "source_id": source_id,
        "run_id": run_id,
        "url": url,
        "status": status,
        "headers": {k.lower(): v for k, v in headers.items() if k.lower() in KEPT_HEADERS},
        "fetched_at": fetched_at,
        "sha256": digest,
        "size": size,
    }
    return int(session.connection().execute(_INSERT, row).scalar_one())


_INSERT = insert(Capture).returning(Capture.id)


def open_body(captures_dir: Path, sha256: str) -> IO[bytes]:
    """The stored body as a binary file (decompressed on the fly)."""
    path = capture_path(captures_dir, sha256)
    if not path.exists():
        raise FileNotFoundError(f"capture {sha256} is not in {captures_dir}")
    return gzip.GzipFile(path, "rb")  # type: ignore[return-value]


def read_body(captures_dir: Path, sha256: str) -> bytes:
    with open_body(captures_dir, sha256) as handle:
        return handle.read()


def _digest(body: bytes | Path) -> tuple[str, int]:
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest(), len(body)
    digest = hashlib.sha256()
    size = 0
    with body.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
