"""Strict readers shared by the price parsers: JSON bodies, required fields, numbers, GPU names.

Every failure becomes a ``ParseError`` naming the parser and what was wrong, so a truncated body, an
HTML error page served with status 200, or a renamed field never turns into an empty or partial
snapshot.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qsl, urlsplit

from veille.errors import ParseError
from veille.normalise.units import to_decimal
from veille.sources._registry import Request

__all__ = [
    "decimal_field",
    "fail",
    "gpu_fields",
    "gpu_name",
    "guarded",
    "load_json",
    "mapping",
    "obj",
    "optional_decimal",
    "sequence",
    "text_field",
    "with_params",
    "with_query",
]


def fail(parser_id: str, message: str) -> NoReturn:
    raise ParseError(parser_id, message)


F = TypeVar("F", bound=Callable[..., Any])


def guarded(parser_id: str) -> Callable[[F], F]:
    """Turn a lookup on a value of the wrong type deep in a parser into a ``ParseError``.

    Parsers check what they need explicitly; this is the net under them, so that a schema change
    never escapes as a bare ``AttributeError`` and never yields a partial result.
    """

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ParseError:
                raise
            except (AttributeError, TypeError, KeyError, IndexError, ValueError, InvalidOperation) as exc:
                fail(parser_id, f"unexpected document shape ({type(exc).__name__}: {exc})")

        return run  # type: ignore[return-value]

    return wrap


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a valid number")


def load_json(body: bytes | str, parser_id: str) -> Any:
    """Decode a JSON body with every non-integer number as an exact ``Decimal``."""
    if isinstance(body, bytes):
        if not body.strip():
            fail(parser_id, "empty body: expected a JSON document")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            fail(parser_id, f"body is not UTF-8 text (byte {exc.start}): expected JSON")
    else:
        text = body
    head = text.lstrip()[:200].lower()
    if not head:
        fail(parser_id, "empty body: expected a JSON document")
    if head.startswith("<"):
        kind = "HTML" if ("<html" in head or "<!doctype" in head or "<head" in head) else "XML/HTML"
        fail(parser_id, f"got {kind} where JSON was expected (an error or login page?)")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        if exc.msg.startswith("Unterminated") or exc.pos >= len(text.rstrip()) - 1:
            fail(parser_id, f"truncated JSON: the document ends early ({where})")
        fail(parser_id, f"malformed JSON: {exc.msg} ({where})")
    except (ValueError, RecursionError) as exc:
        fail(parser_id, f"malformed JSON: {exc}")


def mapping(value: Any, parser_id: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        fail(parser_id, f"{where}: expected an object, got {type(value).__name__}")
    return value


def obj(value: Any) -> Mapping[str, Any]:
    """``value`` when it is an object, else an empty one (for optional sub-objects)."""
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any, parser_id: str, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        fail(parser_id, f"{where}: expected an array, got {type(value).__name__}")
    return value


def _get(obj: Mapping[str, Any], path: str, parser_id: str, where: str) -> Any:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            fail(parser_id, f"{where}: missing field {path!r}")
        current = current[part]
    return current


def text_field(obj: Mapping[str, Any], path: str, parser_id: str, where: str) -> str:
    """A required, non-empty string field (dotted ``path``)."""
    value = _get(obj, path, parser_id, where)
    if not isinstance(value, str) or not value.strip():
        fail(parser_id, f"{where}: field {path!r} should be a non-empty string, got {value!r}")
    return value


def decimal_field(obj: Mapping[str, Any], path: str, parser_id: str, where: str) -> Decimal:
    """A required number (JSON number or numeric string) as ``Decimal``."""
    value = _get(obj, path, parser_id, where)
    try:
        return to_decimal(value)
    except ValueError:
        fail(parser_id, f"{where}: field {path!r} should be a number, got {value!r}")


def optional_decimal(obj: Mapping[str, Any], path: str, parser_id: str, where: str) -> Decimal | None:
    """A number that may be absent or null; present but not numeric is still an error."""
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or current.get(part) is None:
            return None
        current = current[part]
    try:
        return to_decimal(current)
    except ValueError:
        fail(parser_id, f"{where}: field {path!r} should be a number, got {current!r}")


def gpu_name(raw: str, memory_gb: Decimal | None = None) -> str:
    """The canonical GPU model name ("NVIDIA H100 80GB") from ``veille.normalise.gpu``."""
    from veille.normalise.gpu import canonical_gpu

    return canonical_gpu(raw, memory_gb)


_GB_SUFFIX = re.compile(r"(\d+(?:\.\d+)?)GB$")


def gpu_fields(raw: str, count: Decimal | None, memory_gb: Decimal | None = None) -> dict[str, Any]:
    """``gpu_model``, ``gpu_count`` and per-GPU ``gpu_memory_gb`` of an offer (memory from the canonical
    name when the source does not give it)."""
    if count is None or count <= 0:
        return {}
    model = gpu_name(raw, memory_gb)
    if memory_gb is None:
        match = _GB_SUFFIX.search(model)
        memory_gb = Decimal(match.group(1)) if match else None
    return {"gpu_model": model, "gpu_count": count, "gpu_memory_gb": memory_gb}


def with_query(request: Request, link: str, *, keep: Sequence[str] = ()) -> Request:
    """The next request of a paginated source: ``request``'s URL with the query of ``link``.

    Providers return next links as absolute or relative URLs; only their query matters, so the next
    request stays on the configured host (the real API, or a loopback server in tests). Parameters
    named in ``keep`` are carried over from ``request`` when ``link`` does not repeat them.
    """
    query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    for name in keep:
        if name not in query and name in request.params:
            query[name] = request.params[name]
    return Request(request.url, request.method, query, dict(request.headers), request.json)


def with_params(request: Request, **params: str) -> Request:
    """``request`` again with ``params`` set (same URL, method and headers): a paginator's next page."""
    return Request(request.url, request.method, {**request.params, **params}, dict(request.headers))
