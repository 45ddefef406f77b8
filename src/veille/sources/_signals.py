"""Strict decoding helpers of the signal parsers (mentions, reviews, jobs, filings, press).

Every helper raises ``ParseError`` naming the parser, so a body of the wrong kind (an HTML block page
instead of JSON, a truncated document, a field of the wrong type) is reported clearly and stores
nothing. XML goes through the shared ``_feedparse.parse_xml`` (defusedxml, no DTD or entities).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

import orjson

from veille.errors import ParseError

MAX_BODY = 32 * 1024 * 1024  # no signal document is anywhere near this; refuse bigger ones
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _check_size(parser_id: str, body: bytes) -> None:
    if not isinstance(body, bytes | bytearray):
        raise ParseError(parser_id, f"expected bytes, got {type(body).__name__}")
    if len(body) > MAX_BODY:
        raise ParseError(parser_id, f"body of {len(body)} bytes exceeds the {MAX_BODY}-byte cap")
    if not body.strip():
        raise ParseError(parser_id, "empty body")


def load_json(parser_id: str, body: bytes) -> Any:
    """Decode a JSON body; HTML or truncated bodies raise ``ParseError`` with a short hint."""
    _check_size(parser_id, body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        head = body.lstrip()[:1]
        hint = " (the server answered HTML: a block page or error page?)" if head == b"<" else ""
        raise ParseError(parser_id, f"not valid JSON{hint}: {exc}") from None


def expect(parser_id: str, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it is of ``kind``, else ``ParseError`` saying where the shape broke."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ParseError(parser_id, f"{where}: expected {name}, got {type(value).__name__}")
    return value


def field(parser_id: str, obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """A required field of ``obj`` with its type checked."""
    if key not in obj:
        raise ParseError(parser_id, f"{where}: missing field {key!r}")
    return expect(parser_id, obj[key], kind, f"{where}.{key}")


def parse_time(parser_id: str, value: Any, where: str) -> datetime | None:
    """ISO 8601 text, epoch seconds, or epoch milliseconds (numbers above 1e11) -> aware UTC datetime."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
                return parse_time(parser_id, float(text), where)
            if text.endswith(" UTC"):  # Recruitee: "2021-03-02 10:00:00 UTC"
                text = text[:-4] + "+00:00"
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        pass
    raise ParseError(parser_id, f"{where}: unreadable time {value!r}")


def to_decimal(parser_id: str, value: Any, where: str) -> Decimal | None:
    """A JSON number or numeric string as an exact Decimal (floats go through ``str``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ParseError(parser_id, f"{where}: expected a number, got a boolean")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ParseError(parser_id, f"{where}: not a number: {value!r}") from None
    if not result.is_finite():
        raise ParseError(parser_id, f"{where}: not a finite number: {value!r}")
    return result


def to_int(parser_id: str, value: Any, where: str) -> int | None:
    """An optional integer count (JSON integers, or floats with no fraction such as Reddit's)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(parser_id, f"{where}: expected an integer, got {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise ParseError(parser_id, f"{where}: expected an integer, got {value!r}")
    return int(value)


def plain_text(markup: str | None, limit: int = 20_000) -> str:
    """Text of an HTML fragment (tags dropped, entities decoded, spaces collapsed), capped at ``limit``."""
    if not markup:
        return ""
    text = html.unescape(_TAG.sub(" ", html.unescape(markup)))
    return _SPACE.sub(" ", text).strip()[:limit]


def xml_text(element: Element | None, path: str) -> str:
    """Stripped text of the child at ``path`` (empty when absent)."""
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""
