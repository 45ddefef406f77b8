"""Capture bodies are stored once, compressed, under their digest, whatever happened to the folders."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

from veille.capture import capture_path, open_body, store_body


def test_a_body_is_stored_once_and_reads_back(tmp_path: Path) -> None:
    body = b'{"items": []}'
    digest, size = store_body(tmp_path, body)
    assert (digest, size) == (hashlib.sha256(body).hexdigest(), len(body))
    path = capture_path(tmp_path, digest)
    assert gzip.decompress(path.read_bytes()) == body
    stamp = path.stat().st_mtime_ns
    assert store_body(tmp_path, body, digest) == (digest, size) and path.stat().st_mtime_ns == stamp
    with open_body(tmp_path, digest) as stored:
        assert stored.read() == body
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]  # no temporary file left


def test_folders_removed_while_the_process_runs_are_made_again(tmp_path: Path) -> None:
    body = b"<html>a price page</html>"
    digest, _ = store_body(tmp_path, body)  # the folder is now known to this process
    shutil.rmtree(tmp_path)
    assert store_body(tmp_path, body) == (digest, len(body))
    assert gzip.decompress(capture_path(tmp_path, digest).read_bytes()) == body
