"""Import a document of any supported format into the knowledge base (what ``veille kb import`` runs)."""

from __future__ import annotations

import re
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


# A well-formed UTF-8 sequence of two to four bytes (RFC 3629): a legacy file holds none.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def decode(data: bytes, name: str = "the file") -> str:
    """UTF-8 (with or without BOM), or a whole file saved in Windows-1252 (not one UTF-8 sequence in it,
    every byte defined in that code page). Anything else, such as stray invalid bytes in a UTF-8 file,
    is refused: guessing would store text its author never wrote.

    (Text whose UTF-8 was read as Windows-1252 and saved again *as UTF-8*, the seed's damage, is valid
    UTF-8: the Markdown importer repairs it, see :mod:`veille.kb.repair`.)"""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if not _UTF8_SEQUENCE.search(data):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    line = data.count(b"\n", 0, bad) + 1
    raise ImportFormatError(
        f"{name}: not UTF-8 (byte 0x{data[bad]:02x} on line {line}) nor a Windows-1252 file; save it as UTF-8"
    )


def read_document(path: Path) -> bytes:
    """The bytes of ``path``, reading at most MAX_FILE_BYTES + 1 (``/dev/zero`` ends too)."""
    with path.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFormatError(f"{path.name}: file too large (more than {MAX_FILE_BYTES} bytes)")
    return data


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
    text = decode(data, name)
    fmt = fmt or guess_format(name, text)
    if fmt == "md":
        return import_markdown(text, base)
    return from_export(parse_data_file(text, fmt), base)
