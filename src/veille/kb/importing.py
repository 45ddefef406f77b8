"""Import a document of any supported format into the knowledge base (what ``veille kb import`` runs)."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

from veille.errors import ImportFormatError
from veille.kb.export import from_export, parse_data_file
from veille.kb.markdown_import import MAX_DOCUMENT_CHARS, ImportResult, import_markdown
from veille.kb.schema import KnowledgeBase

DocFormat = Literal["md", "json", "yaml"]
MAX_FILE_BYTES = 8 * MAX_DOCUMENT_CHARS

_EXTENSIONS: dict[str, DocFormat] = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def _windows_1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("veille-cp1252", _windows_1252)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); any byte that is not part of valid UTF-8 is read as Windows-1252,
    so files saved in Windows-1252 (or mixing both) read as their author wrote them."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="veille-cp1252")


def guess_format(name: str, text: str) -> DocFormat:
    fmt = _EXTENSIONS.get(Path(name).suffix.lower())
    if fmt:
        return fmt
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json"
    if stripped.startswith("#"):
        return "md"
    if stripped.startswith(("schema_version", "---\nschema_version")):
        return "yaml"
    raise ImportFormatError(f"{name}: cannot tell the format (use a .md, .json or .yaml file, or --format)")


def import_document(
    data: bytes, name: str, base: KnowledgeBase, fmt: DocFormat | None = None
) -> ImportResult:
    """Read ``data`` (the bytes of ``name``) over ``base``. Raises ImportFormatError; changes nothing."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFormatError(f"{name}: file too large ({len(data)} bytes)")
    if not data.strip():
        raise ImportFormatError(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise ImportFormatError(f"{name}: binary file, not an analysis document")
    text = decode(data)
    fmt = fmt or guess_format(name, text)
    if fmt == "md":
        return import_markdown(text, base)
    return from_export(parse_data_file(text, fmt), base)
