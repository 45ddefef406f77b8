"""What the section readers share: the reading context (:class:`Context`), a section being read
(:class:`Part`) and small text helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veille.errors import ImportFormatError
from veille.kb import _md
from veille.kb._md import Block, Section, fold
from veille.kb.ids import competitor_ids, find_competitor
from veille.kb.labels import SUB, WORDS
from veille.kb.schema import Competitor, FreeSection, Lang, Text


@dataclass
class Context:
    """What section readers share: the language read, a translation memory, the draft and warnings."""

    lang: Lang
    memory: dict[str, str]
    draft: dict[str, Any]
    competitors: dict[str, Competitor]
    warnings: list[str] = field(default_factory=list)
    untranslated: int = 0

    def t(self, text: str) -> Text:
        """A Text in the language read, with its translation from the memory when known."""
        other = self.memory.get(text, "")
        if text and not other:
            self.untranslated += 1
        return Text(fr=text, en=other) if self.lang == "fr" else Text(fr=other, en=text)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def resolve(self, name: str, where: str) -> str:
        name = _md.unbold(name)
        competitor_id = find_competitor(name)
        if competitor_id is None:
            raise ImportFormatError(
                f"{where}: unknown competitor {name!r} (known ids: {', '.join(competitor_ids())})"
            )
        if competitor_id not in self.competitors:
            raise ImportFormatError(f"{where}: {name!r} ({competitor_id}) has no entry in the knowledge base")
        return competitor_id

    def update(self, competitor_id: str, **changes: Any) -> None:
        self.competitors[competitor_id] = self.competitors[competitor_id].model_copy(update=changes)

    def free(self, after: int, heading: str, body: str, why: str, level: int = 3) -> None:
        self.warn(f"{why}: kept as free text")
        section = FreeSection(after=after, level=2 if level == 2 else 3, heading=heading, body=self.t(body))
        self.draft["extra_sections"].append(section)


def matches(text: str, label: Text) -> bool:
    return fold(text).strip() in (fold(label.fr).strip(), fold(label.en).strip())


def words(label: Text) -> tuple[str, str]:
    return (label.fr, label.en)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "item"


def strip_icon(text: str) -> str:
    """'🏢 PROFIL' -> 'PROFIL'."""
    return re.sub(r"^[^\w\"'(]+", "", text).strip()


def split_fact(text: str, where: str) -> tuple[str, str]:
    match = re.match(r"^(?P<label>[^:]+?)\s*:\s+(?P<value>.+)$", text)
    if not match:
        raise ImportFormatError(f"{where}: expected 'label : value', found {text!r}")
    return match.group("label").strip(), match.group("value").strip()


class Part:
    """A section being read: hands out its blocks and sub-sections and reports what was left over."""

    def __init__(self, ctx: Context, number: int, section: Section) -> None:
        self.ctx, self.number, self.section = ctx, number, section
        self.used: set[int] = set()
        self.used_children: set[int] = set()

    def child(self, key: str) -> Section | None:
        for child in self.section.children:
            if id(child) not in self.used_children and matches(child.heading, SUB[key]):
                self.used_children.add(id(child))
                return child
        return None

    def want(self, key: str) -> Section | None:
        """Like :meth:`child`, with a warning when the part is missing (its current data is kept)."""
        child = self.child(key)
        if child is None:
            title = SUB[key].get(self.ctx.lang)
            self.ctx.warn(f"section {self.number}: the part '{title}' is missing: kept the current data")
        return child

    def blocks(self, where: Section | None = None) -> list[Block]:
        return [b for b in (where or self.section).blocks if id(b) not in self.used]

    def take(
        self, kind: str, where: Section | None = None, test: Callable[[Block], bool] | None = None
    ) -> Block | None:
        for block in self.blocks(where):
            if block.kind == kind and (test is None or test(block)):
                self.used.add(id(block))
                return block
        return None

    def need(
        self, kind: str, where: Section | None, what: str, test: Callable[[Block], bool] | None = None
    ) -> Block:
        block = self.take(kind, where, test)
        if block is None:
            at = (where or self.section).line_no
            raise ImportFormatError(f"line {at}: section {self.number}: {what} is missing")
        return block

    def prefixed(self, key: str, where: Section | None = None) -> str | None:
        """The text of the paragraph that starts with ``**<WORDS[key]> :**``."""
        for block in self.blocks(where):
            if block.kind == "para":
                rest = _md.bold_prefix(block, words(WORDS[key]))
                if rest is not None:
                    self.used.add(id(block))
                    return rest
        return None

    def finish(self) -> None:
        """Keep whatever was not read as free text, with a warning."""

        def leftovers(section: Section, heading: str) -> None:
            for block in section.blocks:
                if id(block) in self.used or block.kind == "rule" or _md.is_footer(block):
                    continue
                self.ctx.free(
                    self.number,
                    heading,
                    "\n".join(block.lines),
                    f"section {self.number}: unrecognised content at line {block.line_no}",
                )

        leftovers(self.section, "")
        for child in self.section.children:
            if id(child) in self.used_children:
                leftovers(child, "")
            else:
                self.ctx.free(
                    self.number,
                    child.heading,
                    child_body(child),
                    f"section {self.number}: unrecognised part {child.heading!r} (line {child.line_no})",
                )


def child_body(section: Section) -> str:
    parts = [section.text()] if section.text() else []
    parts.extend(c.markdown() for c in section.children)
    return "\n\n".join(parts)


def unquote(text: str) -> str:
    """'"Cloud pro"' -> 'Cloud pro' (also « ... » and “ ... ”); other texts unchanged."""
    match = re.fullmatch(r'\s*(?:"(?P<a>.*)"|«\s*(?P<b>.*?)\s*»|“(?P<c>.*)”)\s*', text)
    if not match:
        return text.strip()
    return next(g for g in match.groups() if g is not None)
