"""Read an analysis written in the seed's Markdown format into the knowledge base.

The file brings the text of one language (French for the seed) and every figure; whatever it does not
carry (the other language, websites, product specs, the companies it does not describe) is kept from
the knowledge base it is imported into. Broken encodings are repaired first (see :mod:`.repair`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from veille.errors import ImportFormatError
from veille.kb import _md, _sections, _sections_b
from veille.kb._part import child_body
from veille.kb.ids import competitor_ids, find_competitor
from veille.kb.labels import SECTIONS
from veille.kb.repair import repair_text
from veille.kb.schema import Competitor, FreeSection, KnowledgeBase, Lang, Text

MAX_DOCUMENT_CHARS = 2_000_000

READERS = {
    1: _sections.read_market,
    2: _sections.read_direct,
    3: _sections.read_sheets,
    4: _sections.read_gpu,
    5: _sections.read_hyperscalers,
    6: _sections.read_matrix,
    7: _sections_b.read_differentiators,
    8: _sections_b.read_opportunities,
    9: _sections_b.read_threats,
    10: _sections_b.read_watch,
    11: _sections_b.read_strategy,
    12: _sections_b.read_summary,
}


@dataclass
class ImportResult:
    kb: KnowledgeBase
    lang: Lang
    sections: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    repaired: int = 0  # characters restored by the encoding repair
    untranslated: int = 0  # texts with no translation in the other language


def iter_texts(value: Any) -> Iterator[Text]:
    """Every :class:`Text` inside a model, list or dict."""
    if isinstance(value, Text):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_texts(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_texts(item)


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


def _memory(base: KnowledgeBase, lang: Lang) -> dict[str, str]:
    memory: dict[str, str] = {}
    for text in iter_texts(base):
        source, other = (text.fr, text.en) if lang == "fr" else (text.en, text.fr)
        if source and other:
            memory.setdefault(source, other)
    return memory


def _section_number(heading: str) -> tuple[int | None, str]:
    match = re.match(r"^(\d+)\.?\s+(.*)$", heading)
    if match:
        return int(match.group(1)), match.group(2).strip()
    return None, heading.strip()


def _recognise(heading: str) -> tuple[int | None, Lang | None]:
    """Which known section a ``##`` heading is, and in which language, by its title."""
    _number, title = _section_number(heading)
    key = _md.fold(title)
    for known, text in SECTIONS.items():
        if key == _md.fold(text.fr):
            return known, "fr"
        if key == _md.fold(text.en):
            return known, "en"
    return None, None


def import_markdown(text: str, base: KnowledgeBase) -> ImportResult:
    """Read ``text`` (an analysis in the seed's format) over ``base``; nothing is changed on error."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ImportFormatError(f"document too large ({len(text)} characters; at most {MAX_DOCUMENT_CHARS})")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text, repaired = repair_text(text)
    doc = _md.parse_document(text)
    known = [(s, *_recognise(s.heading)) for s in doc.sections]
    recognised = [(s, n, lang) for s, n, lang in known if n is not None and lang is not None]
    if len(recognised) < 3:
        raise ImportFormatError(
            "not a competitive analysis: fewer than three of its sections are known ones "
            "(expected headings such as '## 6. Matrice comparative' or '## 6. Comparison matrix')"
        )
    langs = [lang for _s, _n, lang in recognised]
    lang: Lang = "en" if langs.count("en") > langs.count("fr") else "fr"
    draft: dict[str, Any] = {name: getattr(base, name) for name in type(base).model_fields}
    draft["extra_sections"] = []
    ctx = Context(
        lang=lang,
        memory=_memory(base, lang),
        draft=draft,
        competitors={c.id: c for c in base.competitors},
    )
    result = ImportResult(kb=base, lang=lang, repaired=repaired)
    _sections.read_preamble(ctx, doc)
    last_known = 0
    seen: set[int] = set()
    for section, number, _lang in known:
        if number is None:
            ctx.free(
                last_known,
                section.heading,
                child_body(section),
                f"section {section.heading!r} is not recognised",
                level=2,
            )
            continue
        if number in seen:
            raise ImportFormatError(f"line {section.line_no}: section {number} appears twice")
        seen.add(number)
        last_known = number
        READERS[number](ctx, section)
        result.sections.append(f"{number}. {SECTIONS[number].get(lang)}")
    for number in sorted(set(SECTIONS) - seen):
        ctx.warn(f"section {number} ({SECTIONS[number].get(lang)}) is missing: kept the current data")
    draft["competitors"] = list(ctx.competitors.values())
    try:
        kb = KnowledgeBase.model_validate({k: _dump(v) for k, v in draft.items()})
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportFormatError(
            f"the document does not make a valid knowledge base: {where}: {first['msg']}"
        ) from None
    result.kb = kb
    result.warnings = ctx.warnings
    result.untranslated = ctx.untranslated
    return result


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value
