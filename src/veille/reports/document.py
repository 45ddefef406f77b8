"""A report as an ordered list of blocks: Markdown text and charts.

The Markdown output keeps the text (a chart becomes a one-line note); the HTML and PDF outputs render
the text and draw the charts inline as SVG. Untrusted text goes through ``md_text``/``md_cell`` so that
it can neither break a table nor inject markup (the HTML renderer also refuses raw HTML).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


@dataclass(frozen=True)
class Chart:
    """An SVG chart with the sentence a text-only reader gets instead."""

    svg: str
    alt: str


@dataclass(frozen=True)
class Columns:
    """Markdown blocks side by side in HTML and PDF (one after the other in Markdown)."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Boxed:
    """Markdown shown in a frame in HTML and PDF (an executive summary); plain in Markdown."""

    text: str


@dataclass
class Document:
    """What a report builder produces. ``layout`` ``card`` prints on one dense page (battlecards)."""

    title: str
    lang: str
    name: str  # file stem, e.g. "battlecard-ovhcloud-fr"
    blocks: list[str | Chart | Columns | Boxed] = field(default_factory=list)
    layout: str = "page"

    def add(self, *lines: str) -> None:
        self.blocks.append("\n".join(lines))

    def chart(self, chart: Chart) -> None:
        self.blocks.append(chart)

    def columns(self, *parts: str) -> None:
        self.blocks.append(Columns(tuple(parts)))

    def boxed(self, *lines: str) -> None:
        self.blocks.append(Boxed("\n".join(lines)))


def md_text(value: object) -> str:
    """Text from outside, safe inside Markdown: markup characters escaped, one line."""
    text = " ".join(str(value or "").split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_kb(value: object) -> str:
    """Text of the knowledge base: its own Markdown (bold, italics) kept, on one line.

    Safe in HTML all the same: the renderer refuses raw HTML and non-http(s) links.
    """
    return " ".join(str(value or "").split())


def md_cell(value: object) -> str:
    return md_text(value) or "—"


def md_link(label: object, url: str | None) -> str:
    """A link only for http(s) URLs; anything else is shown as plain text."""
    text = md_text(label)
    if url and re.match(r"^https?://", url) and not re.search(r"[\s()<>]", url):
        return f"[{text}]({url})"
    return text


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
