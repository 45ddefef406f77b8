"""The watch list as data: the shipped list equals what the modules declared in Python, and YAML errors
name their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veille.errors import ValidationError
from veille.sources import sources
from veille.sources.watchlist import dump, parse_cadence, read

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "sources" / "builtin_snapshot.json"


def _row(spec) -> dict:  # type: ignore[no-untyped-def]
    def name(func):  # type: ignore[no-untyped-def]
        if func is None:
            return None
        return f"{func.__module__}.{func.__name__}" if hasattr(func, "__name__") else type(func).__name__

    return {
        "id": spec.id, "competitor": spec.competitor, "kind": spec.kind, "parser": spec.parser,
        "url": spec.url, "cadence": int(spec.cadence.total_seconds()), "method": spec.method,
        "params": dict(spec.params), "headers": dict(spec.headers), "json": spec.json,
        "credential": spec.credential, "also_needs": list(spec.also_needs), "html": spec.html,
        "streaming": spec.streaming, "verified": spec.verified, "enabled_by_default": spec.enabled_by_default,
        "max_pages": spec.max_pages, "description": spec.description,
        "auth": name(spec.auth), "paginate": name(spec.paginate),
    }  # fmt: skip


def test_shipped_watch_list_is_the_python_declared_one() -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    # the X searches came after the snapshot (one per competitor record with a ``mentions`` identifier)
    loaded = [_row(s) for s in sources() if s.origin == "builtin" and s.parser != "x.recent_search"]
    assert len(loaded) == len(expected) == 217
    assert [r["id"] for r in loaded] == [r["id"] for r in expected]
    for got, want in zip(loaded, expected, strict=True):
        assert got == want, got["id"]


def test_dump_then_read_gives_the_same_sources() -> None:
    shipped = [s for s in sources() if s.origin == "builtin"]
    again = [spec for spec, _ in read(dump(shipped), origin="builtin").sources]
    assert again == sorted(shipped, key=lambda s: s.id)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n- id: a.f\n  url: x: y\n  kind: changelog\n", "line 3: not valid YAML"),
        ("sources:\n- id: a.feed\n  kind: changelog\n  parser: no.such\n  url: https://a.example/f\n  cadence: 1h\n",
         "line 2: unknown parser 'no.such'"),
        ("sources:\n- {id: a.f, kind: changelog, parser: feed, url: 'https://a.example/', cadence: 1h}\n"
         "- {id: a.f, kind: changelog, parser: feed, url: 'https://a.example/2', cadence: 1h}\n",
         "line 3: duplicate source id 'a.f' (first on line 2)"),
        ("sources:\n- {id: a.f, kind: changelog, parser: feed, url: 'https://a.example/', cadence: often}\n",
         "line 2: cannot read the cadence 'often'"),
        ("sources:\n- {id: a.f, kind: changelog, parser: feed, cadence: 1h}\n", "line 2: missing 'url'"),
        ("sources:\n- {id: a.f, kind: changelog, parser: feed, url: x, cadence: 1h, colour: red}\n",
         "line 2: unknown field 'colour'"),
    ],
)  # fmt: skip
def test_bad_watch_lists_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read(text, "list.yaml")
    assert f"list.yaml, {message}" in str(caught.value)


def test_cadences() -> None:
    assert parse_cadence("10m").total_seconds() == 600
    assert parse_cadence("1d12h").total_seconds() == 129600
    assert parse_cadence("30min").total_seconds() == 1800
    with pytest.raises(ValidationError):
        parse_cadence("0s")
