"""Readers of sections 7 to 12 of the analysis (what we do about it: differentiators, opportunities, threats,
watch, strategy, summary) for the Markdown importer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from veille.errors import ImportFormatError
from veille.kb import _diagram, _md
from veille.kb._md import Section, fold
from veille.kb._part import Part, slug, split_fact, strip_icon, unquote, words
from veille.kb.labels import WORDS
from veille.kb.schema import (
    Aspect,
    Cadence,
    DifferentiatorGroup,
    Moat,
    MoatRow,
    Opportunities,
    Principles,
    RegionOpportunity,
    SegmentOpportunity,
    StrategyRow,
    StrategySection,
    SummaryRow,
    Text,
    ThreatScenario,
    UseCaseOpportunity,
    WatchFrequency,
    WatchItem,
    WatchSystem,
)

if TYPE_CHECKING:
    from veille.kb._part import Context


def _icon_and_title(text: str) -> tuple[str, str]:
    """'🧑‍💻 HUMAIN' -> ('🧑‍💻', 'HUMAIN')."""
    match = re.match(r"^(?P<icon>[^\w\"'(]*?)\s*(?P<title>[\w\"'(].*)$", text)
    if not match:
        return "", text.strip()
    return match.group("icon").strip(), match.group("title").strip()


def _tree_child(root: _md.Node, key: str) -> _md.Node | None:
    for node in root.children:
        if any(fold(strip_icon(node.text)) == fold(strip_icon(w)) for w in words(WORDS[key])):
            return node
    return None


def _rows(part: Part, where: Section, columns: int, what: str) -> list[list[str]]:
    table = part.need("table", where, what)
    _header, rows = _md.parse_table(table, columns, what)
    return rows


# --- 7. differentiators -----------------------------------------------------------------------------


def read_differentiators(ctx: Context, section: Section) -> None:
    part = Part(ctx, 7, section)
    unique = part.want("unique")
    if unique is not None:
        root = _md.parse_tree(part.need("code", unique, "the differentiator tree"))
        groups = []
        for node in root.children:
            icon, title = _icon_and_title(node.text)
            groups.append(
                DifferentiatorGroup(
                    icon=icon, title=ctx.t(title), items=[ctx.t(c.text) for c in node.children]
                )
            )
        ctx.draft["differentiators"] = groups
    moat = part.want("moat")
    if moat is not None:
        rows = []
        for offset, (name, copyable, durability) in enumerate(_rows(part, moat, 3, "moat table"), start=2):
            level, _note = _md.parse_level(durability, f"moat table row {offset - 1}")
            rows.append(MoatRow(moat=ctx.t(name), copyable=ctx.t(copyable), durability=level))  # type: ignore[arg-type]
        conclusion = part.take("para", moat)
        ctx.draft["moat"] = Moat(
            rows=rows,
            conclusion=ctx.t(" ".join(x.strip() for x in conclusion.lines))
            if conclusion
            else ctx.draft["moat"].conclusion,
        )
    part.finish()


# --- 8. opportunities -------------------------------------------------------------------------------


def read_opportunities(ctx: Context, section: Section) -> None:
    part = Part(ctx, 8, section)
    current: Opportunities = ctx.draft["opportunities"]
    segments, regions, use_cases = current.segments, current.regions, current.use_cases
    child = part.want("segments")
    if child is not None:
        segments = [
            SegmentOpportunity(segment=ctx.t(_md.unbold(a)), problem=ctx.t(b), opportunity=ctx.t(c))
            for a, b, c in _rows(part, child, 3, "table of underserved segments")
        ]
    child = part.want("regions")
    if child is not None:
        regions = [
            RegionOpportunity(region=ctx.t(_md.unbold(a)), dominant=ctx.t(b), opportunity=ctx.t(c))
            for a, b, c in _rows(part, child, 3, "table of regions")
        ]
    child = part.want("use_cases")
    if child is not None:
        use_cases = [
            UseCaseOpportunity(use_case=ctx.t(_md.unbold(a)), problem=ctx.t(b), solution=ctx.t(c))
            for a, b, c in _rows(part, child, 3, "table of use cases")
        ]
    ctx.draft["opportunities"] = Opportunities(segments=segments, regions=regions, use_cases=use_cases)
    part.finish()


# --- 9. threats -------------------------------------------------------------------------------------

_THREAT_HEADING = re.compile(r"^(?:menace|threat)\s*#?\s*(?P<n>\d+)\s*:\s*(?P<title>.+)$", re.IGNORECASE)


def read_threats(ctx: Context, section: Section) -> None:
    part = Part(ctx, 9, section)
    scenarios: list[ThreatScenario] = []
    for child in section.children:
        match = _THREAT_HEADING.match(child.heading)
        if not match:
            continue
        part.used_children.add(id(child))
        scenario = part.prefixed("scenario", child)
        if scenario is None:
            raise ImportFormatError(
                f"line {child.line_no}: threat {match.group('n')}: the '**Scénario :**' line is missing"
            )
        aspects = []
        table = part.need("table", child, f"the table of threat {match.group('n')}")
        _header, rows = _md.parse_table(table, 4, f"threat {match.group('n')} table")
        for offset, (aspect, impact, probability, mitigation) in enumerate(rows, start=2):
            level, _note = _md.parse_level(probability, f"line {table.line_no + offset}")
            aspects.append(
                Aspect(
                    aspect=ctx.t(aspect),
                    impact=ctx.t(impact),
                    probability=level,  # type: ignore[arg-type]
                    mitigation=ctx.t(mitigation),
                )
            )
        scenarios.append(
            ThreatScenario(
                id=f"threat-{match.group('n')}",
                title=ctx.t(match.group("title").strip()),
                scenario=ctx.t(scenario),
                aspects=aspects,
            )
        )
    if not scenarios:
        raise ImportFormatError(f"line {section.line_no}: section 9 holds no '### Menace #N : ...' scenario")
    ctx.draft["threats"] = scenarios
    part.finish()


# --- 10. watch --------------------------------------------------------------------------------------

_WATCH_IDS = (("prix", "prices"), ("price", "prices"), ("feature", "features"), ("incident", "incidents"),
              ("recrut", "hiring"), ("hiring", "hiring"), ("levee", "funding"), ("fund", "funding"))  # fmt: skip
_CADENCES: tuple[tuple[str, Cadence], ...] = (
    ("temps reel", "realtime"), ("real", "realtime"), ("immedia", "immediate"), ("quotid", "daily"),
    ("daily", "daily"), ("hebdo", "weekly"), ("week", "weekly"), ("mensuel", "monthly"), ("month", "monthly"),
    ("trimestr", "quarterly"), ("quarter", "quarterly"), ("semestr", "semiannual"), ("six-month", "semiannual"),
    ("annuel", "yearly"), ("year", "yearly"),
)  # fmt: skip


def cadence_of(frequency: str) -> Cadence | None:
    key = fold(frequency)
    return next((c for k, c in _CADENCES if k in key), None)


def read_watch(ctx: Context, section: Section) -> None:
    part = Part(ctx, 10, section)
    system = part.want("watch_system")
    if system is not None:
        root = _md.parse_tree(part.need("code", system, "the watch-system tree"))
        current: WatchSystem = ctx.draft["watch_system"]
        groups: dict[str, list[Text]] = {}
        for key in ("automated", "manual", "sources"):
            node = _tree_child(root, key)
            groups[key] = [ctx.t(c.text) for c in node.children] if node else getattr(current, key)
        node = _tree_child(root, "frequency")
        frequencies = current.frequencies
        if node is not None:
            frequencies = []
            for leaf in node.children:
                subject, frequency = split_fact(leaf.text, f"line {leaf.line_no}: watch frequency")
                frequencies.append(WatchFrequency(subject=ctx.t(subject), frequency=ctx.t(frequency)))
        ctx.draft["watch_system"] = WatchSystem(frequencies=frequencies, **groups)
    items = part.want("watch_items")
    if items is not None:
        watch_items: list[WatchItem] = []
        for element, frequency, action in _rows(part, items, 3, "table of what we watch"):
            item_id = next((i for k, i in _WATCH_IDS if k in fold(element)), slug(element))
            if item_id in {w.id for w in watch_items}:
                item_id = slug(element)
            watch_items.append(
                WatchItem(
                    id=item_id,
                    element=ctx.t(element),
                    frequency=ctx.t(frequency),
                    action=ctx.t(action),
                    cadence=cadence_of(frequency),
                )
            )
        ctx.draft["watch_items"] = watch_items
    part.finish()


# --- 11. strategy -----------------------------------------------------------------------------------


def read_strategy(ctx: Context, section: Section) -> None:
    part = Part(ctx, 11, section)
    current: StrategySection = ctx.draft["strategy"]
    rows = current.rows
    win = part.want("how_to_win")
    if win is not None:
        table = part.need("table", win, "the strategy table")
        _header, cells = _md.parse_table(table, 3, "strategy table")
        rows = []
        for offset, (name, strategy, message) in enumerate(cells, start=2):
            cid = ctx.resolve(name, f"line {table.line_no + offset}")
            ctx.update(cid, strategy=ctx.t(strategy), key_message=ctx.t(unquote(message)))
            rows.append(StrategyRow(competitor=cid, label=_md.unbold(name)))
    principles = current.principles
    child = part.want("principles")
    if child is not None:
        root = _md.parse_tree(part.need("code", child, "the principles tree"))
        found = {key: _tree_child(root, key) for key in ("dont", "do", "philosophy")}
        missing = [k for k, v in found.items() if v is None]
        if missing:
            raise ImportFormatError(f"line {root.line_no}: principles: missing branch {', '.join(missing)}")
        principles = Principles(
            dont=[ctx.t(n.text) for n in found["dont"].children],  # type: ignore[union-attr]
            do=[ctx.t(n.text) for n in found["do"].children],  # type: ignore[union-attr]
            philosophy=ctx.t(" ".join(n.text for n in found["philosophy"].children)),  # type: ignore[union-attr]
        )
    ctx.draft["strategy"] = StrategySection(rows=rows, principles=principles)
    part.finish()


# --- 12. summary ------------------------------------------------------------------------------------


def read_summary(ctx: Context, section: Section) -> None:
    part = Part(ctx, 12, section)
    block = part.need("code", section, "the summary box")
    _title, entries = _diagram.read_summary(block.lines, block.line_no)
    ctx.draft["summary"] = [
        SummaryRow(label=ctx.t("\n".join(e.label_lines)), text=ctx.t("\n".join(e.text_lines)))
        for e in entries
    ]
    part.finish()


__all__ = ["read_differentiators", "read_opportunities", "read_strategy", "read_summary", "read_threats",
           "read_watch", "slug"]  # fmt: skip
