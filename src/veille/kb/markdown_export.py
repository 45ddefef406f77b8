"""Write the knowledge base as a Markdown document in the seed's structure (sections 1 to 12), in
French or English. Importing a document written here gives back the same knowledge base."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from veille.kb import _diagram
from veille.kb._md import country_flag
from veille.kb.labels import DURABILITY, HEADERS, LEVEL_EMOJI, PROBABILITY, SECTIONS, SUB, THREAT, WORDS
from veille.kb.schema import Competitor, KnowledgeBase, Lang, Money, Text


def render_markdown(kb: KnowledgeBase, lang: Lang = "fr") -> str:
    """The whole analysis as Markdown in ``lang``."""
    return _Writer(kb, lang).document()


def format_money(money: Money | None, lang: Lang) -> str:
    """``2 319€`` / ``24$`` in French, ``€2,319`` / ``$24`` in English; ``N/A`` for None."""
    if money is None:
        return "N/A"
    amount = money.amount
    places = 0 if amount == amount.to_integral_value() else max(2, -int(amount.as_tuple().exponent))
    text = f"{amount:,.{places}f}"
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(money.currency)
    if lang == "fr":
        text = text.replace(",", " ").replace(".", ",")
        return f"{text}{symbol}" if symbol else f"{text} {money.currency}"
    return f"{symbol}{text}" if symbol else f"{money.currency} {text}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * (len(h) + 2) for h in header) + "|"]
    out.extend("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)
    return out


def tree(root: str, groups: Sequence[tuple[str, Sequence[str]]], spaced: bool = False) -> list[str]:
    """A box-drawing tree: the root, then groups of leaves (``spaced`` adds a │ under each group)."""
    out = [root, "│"]
    for index, (label, items) in enumerate(groups):
        last = index == len(groups) - 1
        out.append(("└── " if last else "├── ") + label)
        prefix = "    " if last else "│   "
        if spaced:
            out.append(prefix + "│")
        for j, item in enumerate(items):
            out.append(prefix + ("└── " if j == len(items) - 1 else "├── ") + item)
        if not last:
            out.append("│")
    return out


def leaves(root: str, items: Sequence[str]) -> list[str]:
    return [root, "│"] + [("└── " if i == len(items) - 1 else "├── ") + item for i, item in enumerate(items)]


def fence(lines: list[str]) -> list[str]:
    return ["```", *lines, "```"]


class _Writer:
    def __init__(self, kb: KnowledgeBase, lang: Lang) -> None:
        self.kb, self.lang = kb, lang
        self.colon = " : " if lang == "fr" else ": "

    # helpers -------------------------------------------------------------------------------------

    def t(self, text: Text | None) -> str:
        return text.get(self.lang) if text is not None else ""

    def w(self, key: str) -> str:
        return WORDS[key].get(self.lang)

    def h(self, key: str) -> list[str]:
        return [x.get(self.lang) for x in HEADERS[key]]

    def sub(self, key: str) -> str:
        return "### " + SUB[key].get(self.lang)

    def bold(self, key: str, text: str) -> str:
        label = self.w(key)
        return f"**{label}{self.colon.rstrip()}** {text}" if self.lang == "fr" else f"**{label}:** {text}"

    def comp(self, competitor_id: str) -> Competitor:
        return self.kb.competitor(competitor_id)

    # document ------------------------------------------------------------------------------------

    def document(self) -> str:
        meta = self.kb.meta
        parts: list[list[str]] = [
            [
                f"# {self.t(meta.title)}",
                "",
                f"> **{self.t(meta.subtitle)}**",
                f"> {self.w('last_update')}{self.colon}{self.t(meta.updated)}",
            ]
        ]
        parts.extend(self._free_sections(0))
        sections: dict[int, Callable[[], list[str]]] = {
            1: self.market,
            2: self.direct,
            3: self.sheets,
            4: self.gpu,
            5: self.hyperscalers,
            6: self.matrix,
            7: self.differentiators,
            8: self.opportunities,
            9: self.threats,
            10: self.watch,
            11: self.strategy,
            12: self.summary,
        }
        for number, render in sections.items():
            body = [f"## {number}. {SECTIONS[number].get(self.lang)}", "", *render()]
            for extra in self.kb.extra_sections:
                if extra.after == number and extra.level == 3:
                    body += ["", f"### {extra.heading}", ""] if extra.heading else [""]
                    body.append(self.t(extra.body))
            parts.append(body)
            parts.extend(self._free_sections(number))
        footer = self.w("footer").format(updated=self.t(meta.updated))
        parts.append([f"*{footer}*"])
        return "\n\n---\n\n".join("\n".join(p) for p in parts) + "\n"

    def _free_sections(self, after: int) -> list[list[str]]:
        return [
            [f"## {extra.heading}", "", self.t(extra.body)]
            for extra in self.kb.extra_sections
            if extra.after == after and extra.level == 2
        ]

    # 1 -------------------------------------------------------------------------------------------

    def market(self) -> list[str]:
        market = self.kb.market
        title = self.t(market.title) + (f" ({market.period})" if market.period else "")
        facts = [f"{self.t(f.label)}{self.colon}{self.t(f.value)}" for f in market.facts]
        axis = {
            "price": self.w("axis_price"),
            "premium": self.w("axis_premium"),
            "low_cost": self.w("axis_low_cost"),
            "specialist": self.w("axis_specialist"),
            "generalist": self.w("axis_generalist"),
        }
        boxes = [(b.column, b.row, [self.t(x) for x in b.lines]) for b in self.kb.segmentation.boxes]
        return [
            self.sub("market"),
            "",
            *fence(leaves(title, facts)),
            "",
            self.sub("segmentation"),
            "",
            *fence(_diagram.draw_map(boxes, axis)),
        ]

    # 2 -------------------------------------------------------------------------------------------

    def direct(self) -> list[str]:
        direct = self.kb.direct
        rows = []
        for ref in direct.rows:
            comp = self.comp(ref.competitor)
            level = (
                f"{LEVEL_EMOJI[comp.threat]} {THREAT[comp.threat].get(self.lang).upper()}"
                if comp.threat
                else "-"
            )
            rows.append([f"**{ref.label}**", level, self.t(comp.threat_reason)])
        out = [self.sub("who"), "", self.bold("definition", self.t(direct.definition)), ""]
        out += table(self.h("direct"), rows)
        if direct.exclusions:
            out += ["", self.bold("excluded", "").rstrip()]
            out += [f"- {e.label} → {self.t(e.reason)}" for e in direct.exclusions]
        return out

    # 3 -------------------------------------------------------------------------------------------

    def sheets(self) -> list[str]:
        out: list[str] = []
        for index, competitor_id in enumerate(self.kb.profiles, start=1):
            if index > 1:
                out += ["", "---", ""]
            out += self.sheet(index, self.comp(competitor_id))
        return out

    def sheet(self, index: int, comp: Competitor) -> list[str]:
        groups: list[tuple[str, Sequence[str]]] = [
            (self.w("profile"), [f"{self.t(f.label)}{self.colon}{self.t(f.value)}" for f in comp.profile]),
            (self.w("strengths"), [self.t(x) for x in comp.strengths]),
            (self.w("weaknesses"), [self.t(x) for x in comp.weaknesses]),
            (self.w("positioning"), [self.t(comp.positioning)] if comp.positioning else []),
            (
                f"{self.w('advantage')} {comp.vs_label or comp.name.upper()}",
                [self.t(x) for x in comp.our_advantages],
            ),
        ]
        root = f"{self.w('sheet')}{self.colon}{comp.name.upper()}"
        out = [f"### 3.{index} {comp.name} {country_flag(comp.country)}", "", *fence(tree(root, groups))]
        for alert in comp.alerts:
            out += ["", f"**{self.w('alert')}{self.colon}{self.t(alert)}**"]
        if comp.verdict:
            out += ["", self.bold("verdict", self.t(comp.verdict))]
        return out

    # 4 -------------------------------------------------------------------------------------------

    def gpu(self) -> list[str]:
        gpu = self.kb.gpu
        rows = []
        for row in gpu.rows:
            comp = self.comp(row.competitor)
            threat = "-"
            if comp.threat:
                threat = f"{LEVEL_EMOJI[comp.threat]} {THREAT[comp.threat].get(self.lang)}"
                if comp.threat_reason and self.t(comp.threat_reason):
                    threat += f" ({self.t(comp.threat_reason)})"
            origin = f"{country_flag(comp.country)} {comp.country}"
            rows.append([f"**{row.label}**", origin, self.t(row.strengths), self.t(row.weaknesses), threat])
        out = [self.sub("gpu_market"), "", self.t(gpu.intro), "", *table(self.h("gpu"), rows)]
        return [*out, "", self.bold("gpu_opportunity", self.t(gpu.opportunity))]

    # 5 -------------------------------------------------------------------------------------------

    def hyperscalers(self) -> list[str]:
        hyper = self.kb.hyperscalers
        rows = [[self.t(r.criterion), self.t(r.hyperscalers), self.t(r.vmcloud)] for r in hyper.rows]
        out = [self.sub("why_not"), "", *table(self.h("hyperscalers"), rows), ""]
        out += [self.bold("strategy", self.t(hyper.strategy)), ""]
        out += [self.sub("choose_them"), "", *[f"- {self.t(x)}" for x in hyper.choose_them], ""]
        return [*out, self.sub("choose_us"), "", *[f"- {self.t(x)}" for x in hyper.choose_us]]

    # 6 -------------------------------------------------------------------------------------------

    def matrix(self) -> list[str]:
        matrix = self.kb.matrix
        header = self.h("matrix") + [ref.label for ref in matrix.columns]
        rows = []
        for crit in matrix.criteria:
            cells = [f"**{self.t(crit.label)}**"]
            for ref in matrix.columns:
                score = matrix.scores[ref.competitor][crit.id]
                cells.append("●" * score + "○" * (5 - score))
            rows.append(cells)
        prices = self.kb.price_table
        price_rows = [
            [self.t(p.label)]
            + [format_money(prices.prices[p.id][ref.competitor], self.lang) for ref in prices.columns]
            for p in prices.products
        ]
        out = [self.sub("matrix"), "", *table(header, rows), "", self.sub("prices"), ""]
        out += table(self.h("prices") + [ref.label for ref in prices.columns], price_rows)
        return [*out, "", self.bold("analysis", self.t(prices.analysis))]

    # 7 -------------------------------------------------------------------------------------------

    def differentiators(self) -> list[str]:
        groups = [
            (f"{g.icon} {self.t(g.title)}".strip(), [self.t(x) for x in g.items])
            for g in self.kb.differentiators
        ]
        moat = self.kb.moat
        rows = [
            [self.t(r.moat), self.t(r.copyable), DURABILITY[r.durability].get(self.lang)] for r in moat.rows
        ]
        out = [self.sub("unique"), "", *fence(tree(self.w("differentiators"), groups, spaced=True)), ""]
        return [*out, self.sub("moat"), "", *table(self.h("moat"), rows), "", self.t(moat.conclusion)]

    # 8 -------------------------------------------------------------------------------------------

    def opportunities(self) -> list[str]:
        opp = self.kb.opportunities
        segs = [[f"**{self.t(r.segment)}**", self.t(r.problem), self.t(r.opportunity)] for r in opp.segments]
        regions = [
            [f"**{self.t(r.region)}**", self.t(r.dominant), self.t(r.opportunity)] for r in opp.regions
        ]
        uses = [[f"**{self.t(r.use_case)}**", self.t(r.problem), self.t(r.solution)] for r in opp.use_cases]
        out = [self.sub("segments"), "", *table(self.h("segments"), segs), ""]
        out += [self.sub("regions"), "", *table(self.h("regions"), regions), ""]
        return [*out, self.sub("use_cases"), "", *table(self.h("use_cases"), uses)]

    # 9 -------------------------------------------------------------------------------------------

    def threats(self) -> list[str]:
        out: list[str] = []
        for index, threat in enumerate(self.kb.threats, start=1):
            if out:
                out.append("")
            heading = SUB["threat"].get(self.lang).format(n=index, title=self.t(threat.title))
            rows = [
                [
                    self.t(a.aspect),
                    self.t(a.impact),
                    PROBABILITY[a.probability].get(self.lang),
                    self.t(a.mitigation),
                ]
                for a in threat.aspects
            ]
            out += [f"### {heading}", "", self.bold("scenario", self.t(threat.scenario)), ""]
            out += table(self.h("aspects"), rows)
        return out

    # 10 ------------------------------------------------------------------------------------------

    def watch(self) -> list[str]:
        system = self.kb.watch_system
        groups: list[tuple[str, Sequence[str]]] = [
            (self.w("automated"), [self.t(x) for x in system.automated]),
            (self.w("manual"), [self.t(x) for x in system.manual]),
            (self.w("sources"), [self.t(x) for x in system.sources]),
            (
                self.w("frequency"),
                [f"{self.t(f.subject)}{self.colon}{self.t(f.frequency)}" for f in system.frequencies],
            ),
        ]
        rows = [[self.t(i.element), self.t(i.frequency), self.t(i.action)] for i in self.kb.watch_items]
        out = [self.sub("watch_system"), "", *fence(tree(self.w("watch"), groups)), ""]
        return [*out, self.sub("watch_items"), "", *table(self.h("watch_items"), rows)]

    # 11 ------------------------------------------------------------------------------------------

    def strategy(self) -> list[str]:
        rows = []
        for row in self.kb.strategy.rows:
            comp = self.comp(row.competitor)
            rows.append([f"**{row.label}**", self.t(comp.strategy), f'"{self.t(comp.key_message)}"'])
        principles = self.kb.strategy.principles
        groups: list[tuple[str, Sequence[str]]] = [
            (self.w("dont"), [self.t(x) for x in principles.dont]),
            (self.w("do"), [self.t(x) for x in principles.do]),
            (self.w("philosophy"), [self.t(principles.philosophy)]),
        ]
        out = [self.sub("how_to_win"), "", *table(self.h("strategy"), rows), ""]
        return [*out, self.sub("principles"), "", *fence(tree(self.w("strategy_tree"), groups))]

    # 12 ------------------------------------------------------------------------------------------

    def summary(self) -> list[str]:
        entries = [
            _diagram.SummaryEntry(self.t(r.label).split("\n"), self.t(r.text).split("\n"))
            for r in self.kb.summary
        ]
        return fence(_diagram.draw_summary(self.w("summary_title"), entries))


__all__ = ["format_money", "render_markdown"]
