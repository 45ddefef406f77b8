"""Whatever the input, importing either succeeds or raises ImportFormatError (never anything else)."""

from __future__ import annotations

import contextlib

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.errors import ImportFormatError
from veille.kb.export import export_text
from veille.kb.importing import import_document
from veille.kb.markdown_import import import_markdown
from veille.kb.store import bundled

BASE = bundled()
SEED_FR = export_text(BASE, "md", "fr").split("\n")
EXPORT = orjson.loads(export_text(BASE, "json", "fr"))


@st.composite
def mangled_lines(draw: st.DrawFn) -> str:
    lines = list(SEED_FR)
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "cut", "swap", "junk"]))
        if action == "drop":
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "cut":
            lines[index] = lines[index][: draw(st.integers(0, max(len(lines[index]) - 1, 0)))]
        elif action == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
        else:
            lines[index] = draw(st.text(max_size=30))
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mangled_lines())
def test_mangled_markdown_never_crashes(doc: str) -> None:
    with contextlib.suppress(ImportFormatError):
        import_markdown(doc, BASE)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(sorted(EXPORT)), value=json_values)
def test_json_with_a_wrong_section_never_crashes(key: str, value: object) -> None:
    data = dict(EXPORT)
    data[key] = value
    with contextlib.suppress(ImportFormatError):
        import_document(orjson.dumps(data), "kb.json", BASE)


@settings(max_examples=40, deadline=None)
@given(
    index=st.integers(0, 16),
    field=st.sampled_from(["id", "profile", "tier", "strengths", "threat"]),
    value=json_values,
)
def test_json_with_a_wrong_competitor_field_never_crashes(index: int, field: str, value: object) -> None:
    data = orjson.loads(orjson.dumps(EXPORT))
    data["competitors"][index][field] = value
    with contextlib.suppress(ImportFormatError):
        import_document(orjson.dumps(data), "kb.json", BASE)
