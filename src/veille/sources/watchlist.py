"""The watch list as data: sources written as YAML mappings, read and written the same way for the list
shipped with veille (``data/watchlist.yaml``), a plugin's entries, a workspace's records and
``veille sources export|import``.

One entry::

    - id: acme.status
      competitor: acme
      kind: incidents          # what it observes: prices, incidents, changelog, mentions, jobs...
      parser: statuspage.incidents
      url: https://status.acme.example/api/v2/incidents.json
      cadence: 10m             # 5m, 2h, 1d, 1w
      options: {}              # what the parser reads besides the body (selectors, field map...)

and, when needed: ``method``, ``params``, ``headers``, ``json`` (a request body), ``credential`` (a
setting's name), ``also_needs``, ``auth`` and ``paginate`` (registered names), ``html``, ``streaming``,
``verified``, ``enabled_by_default``, ``max_pages``, ``description``.

Errors name the file and line (PyYAML's marks): a watch list is refused whole, never half read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from typing import Any

import yaml

from veille.errors import NotFoundError, ValidationError
from veille.sources._registry import (
    SourceSpec,
    get_auth,
    get_paginator,
    has_parser,
    name_of,
    watch_list_format,
)

SHIPPED = "watchlist.yaml"
_FIELDS = [
    "id",
    "competitor",
    "kind",
    "parser",
    "url",
    "cadence",
    "description",
    "method",
    "params",
    "headers",
    "json",
    "credential",
    "also_needs",
    "auth",
    "paginate",
    "html",
    "streaming",
    "verified",
    "enabled_by_default",
    "max_pages",
    "options",
]
_REQUIRED = ("id", "kind", "parser", "url", "cadence")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,119}$")
_DURATION = re.compile(r"(\d+)(w|d|h|m|s)")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster, same marks
_DEFAULTS = SourceSpec(id="-", competitor=None, kind="-", parser="-", url="-", cadence=timedelta(0))


class WatchListError(ValidationError):
    """A watch list (or one entry) that cannot be read; the message names where."""


@dataclass(frozen=True)
class WatchList:
    """What one YAML document holds: sources (with their line) and, when present, competitors."""

    sources: list[tuple[SourceSpec, int]] = field(default_factory=list)
    competitors: list[tuple[dict[str, Any], int]] = field(default_factory=list)


def parse_cadence(text: str | int) -> timedelta:
    """``10m``, ``2h``, ``1d12h``, ``1w`` or a number of seconds -> a timedelta."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        cleaned = str(text).strip().lower().replace("min", "m").replace(" ", "")
        parts = _DURATION.findall(cleaned)
        if not parts or "".join(n + u for n, u in parts) != cleaned:
            raise ValidationError(f"cannot read the cadence {text!r}: write it like 10m, 2h, 1d or 1w")
        seconds = sum(int(n) * _SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValidationError("the cadence must be longer than zero")
    return timedelta(seconds=seconds)


def format_cadence(delta: timedelta) -> str:
    seconds, out = int(delta.total_seconds()), []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0s"


def _mapping(entry: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = entry.get(key) or {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{key} must be a mapping")
    return dict(value)


def _check_entry(entry: Any) -> None:
    if not isinstance(entry, Mapping):
        raise ValidationError("a source must be a mapping of fields")
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise ValidationError(f"missing {missing[0]!r}")
    if not _ID.match(str(entry["id"])):
        raise ValidationError(f"source id {entry['id']!r}: lower-case letters, digits and . _ : - only")
    if not has_parser(str(entry["parser"])):
        raise ValidationError(f"unknown parser {entry['parser']!r}; `veille sources parsers` lists them")


def spec_from_entry(entry: Any, *, origin: str = "builtin") -> SourceSpec:
    """One watch-list mapping -> a ``SourceSpec``; ``ValidationError`` says what is wrong."""
    _check_entry(entry)
    try:
        auth = get_auth(entry["auth"]) if entry.get("auth") else None
        paginate = get_paginator(entry["paginate"]) if entry.get("paginate") else None
    except NotFoundError as error:
        raise ValidationError(str(error)) from None
    competitor = entry.get("competitor")
    return SourceSpec(
        id=str(entry["id"]),
        competitor=str(competitor) if competitor else None,
        kind=str(entry["kind"]),
        parser=str(entry["parser"]),
        url=str(entry["url"]),
        cadence=parse_cadence(entry["cadence"]),
        description=str(entry.get("description") or ""),
        method=str(entry.get("method") or "GET").upper(),
        params={str(k): str(v) for k, v in _mapping(entry, "params").items()},
        headers={str(k): str(v) for k, v in _mapping(entry, "headers").items()},
        json=entry.get("json"),
        credential=entry.get("credential") or None,
        also_needs=tuple(entry.get("also_needs") or ()),
        auth=auth,
        paginate=paginate,
        html=bool(entry.get("html", False)),
        streaming=bool(entry.get("streaming", False)),
        verified=bool(entry.get("verified", True)),
        enabled_by_default=bool(entry.get("enabled_by_default", True)),
        max_pages=int(entry.get("max_pages") or _DEFAULTS.max_pages),
        options=_mapping(entry, "options"),
        origin=origin,
    )


def entry_of(spec: SourceSpec) -> dict[str, Any]:
    """A ``SourceSpec`` -> its watch-list mapping, fields left at their default omitted."""
    out: dict[str, Any] = {
        "id": spec.id,
        "competitor": spec.competitor,
        "kind": spec.kind,
        "parser": spec.parser,
        "url": spec.url,
        "cadence": format_cadence(spec.cadence),
    }
    extra = {
        "description": spec.description,
        "method": spec.method,
        "params": dict(spec.params),
        "headers": dict(spec.headers),
        "json": spec.json,
        "credential": spec.credential,
        "also_needs": list(spec.also_needs),
        "auth": name_of(spec.auth),
        "paginate": name_of(spec.paginate),
        "html": spec.html,
        "streaming": spec.streaming,
        "verified": spec.verified,
        "enabled_by_default": spec.enabled_by_default,
        "max_pages": spec.max_pages,
        "options": dict(spec.options),
    }
    for key, value in extra.items():
        default = getattr(_DEFAULTS, key)
        if key in ("params", "headers", "options"):
            default = dict(default)
        elif key == "also_needs":
            default = list(default)
        elif key in ("auth", "paginate"):
            default = None
        if value != default:
            out[key] = value
    return out


def _fail(where: str, line: int | None, message: str) -> WatchListError:
    return WatchListError(f"{where}{f', line {line}' if line else ''}: {message}")


def _items(root: yaml.Node, key: str) -> list[yaml.Node]:
    if not isinstance(root, yaml.MappingNode):
        raise WatchListError("expected a mapping with `sources:` (and `competitors:`)")
    for k, value in root.value:
        if k.value == key:
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                return []
            if not isinstance(value, yaml.SequenceNode):
                raise WatchListError(f"line {value.start_mark.line + 1}: `{key}` must be a list")
            return list(value.value)
    return []


def _compose(text: str, where: str) -> tuple[yaml.Node | None, Any]:
    """The YAML document as nodes (for lines) and as data; one error naming the line if malformed."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise _fail(where, mark.line + 1 if mark else None, f"not valid YAML ({error.problem})") from None
    except yaml.YAMLError as error:
        raise _fail(where, None, f"not valid YAML ({error})") from None
    finally:
        loader.dispose()


def _specs(
    nodes: list[yaml.Node], entries: list[Any], where: str, origin: str
) -> list[tuple[SourceSpec, int]]:
    seen: dict[str, int] = {}
    specs: list[tuple[SourceSpec, int]] = []
    for node, entry in zip(nodes, entries, strict=True):
        line = node.start_mark.line + 1
        try:
            spec = spec_from_entry(entry, origin=origin)
        except ValidationError as error:
            raise _fail(where, line, str(error)) from None
        if spec.id in seen:
            raise _fail(where, line, f"duplicate source id {spec.id!r} (first on line {seen[spec.id]})")
        seen[spec.id] = line
        specs.append((spec, line))
    return specs


def read(text: str, where: str = "watch list", *, origin: str = "workspace") -> WatchList:
    """Read one YAML watch list; refuses the whole of it at the first error, naming its line."""
    root, data = _compose(text, where)
    if root is None:
        return WatchList()
    for key in (k.value for k, _ in root.value) if isinstance(root, yaml.MappingNode) else ():
        if key not in ("version", "sources", "competitors"):
            raise _fail(where, None, f"unknown section {key!r} (expected sources, competitors)")
    specs = _specs(_items(root, "sources"), data.get("sources") or [], where, origin)
    competitors = [
        (dict(entry), node.start_mark.line + 1)
        for node, entry in zip(_items(root, "competitors"), data.get("competitors") or [], strict=True)
    ]
    return WatchList(specs, competitors)


def dump(specs: Sequence[SourceSpec], competitors: Sequence[Mapping[str, Any]] = ()) -> str:
    """A YAML watch list (sources sorted by id), for review in git and ``import``."""
    doc: dict[str, Any] = {"version": 1}
    if competitors:
        doc["competitors"] = [dict(c) for c in competitors]
    doc["sources"] = [entry_of(spec) for spec in sorted(specs, key=lambda s: s.id)]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def read_shipped() -> list[SourceSpec]:
    """The default watch list shipped with veille."""
    text = resources.files("veille.sources").joinpath("data", SHIPPED).read_text(encoding="utf-8")
    return [spec for spec, _ in read(text, SHIPPED, origin="builtin").sources]


watch_list_format(shipped=read_shipped, entry=spec_from_entry)
