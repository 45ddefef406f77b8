"""Finding the plans of a pricing page (HTML): the generic extractor and the declarative one.

``extract_plans(html)`` reads plan tables (a header naming vCPU / RAM / disk / GPU / price columns)
and plan cards (the smallest elements holding both a price and a spec); ``extract_with(html,
selectors)`` reads the cards or tables that a page's CSS selectors point at. Prices and specs are read
by ``_html_prices``. Scripts, styles and frames are dropped before anything is read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from veille.sources._html_prices import (
    CPU_WORDS,
    DISK_WORDS,
    MAX_TEXT,
    NUMBER,
    RAM_WORDS,
    ParsedPrice,
    Specs,
    find_prices,
    parse_amount,
    parse_price,
    period_of,
    read_specs,
)


@dataclass
class Plan:
    """One plan read from a page, before it becomes an ``Offer``."""

    name: str
    prices: list[ParsedPrice]
    specs: Specs
    list_price: ParsedPrice | None = None
    extractor: str = "generic"
    extra: dict[str, str] = field(default_factory=dict)


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    return re.sub(r"\s+", " ", node.text(separator=" ") or "").strip()[:MAX_TEXT]


def load_html(html: str | bytes) -> HTMLParser:
    tree = HTMLParser(html)
    tree.strip_tags(["script", "style", "noscript", "template", "svg", "iframe"])
    return tree


def _struck(card: Node, decimal_separator: str | None) -> ParsedPrice | None:
    """The crossed-out (regular) price of a promo card, removed from the card."""
    old = None
    for node in card.css("s, del, strike, [class*=old-price], [class*=strike], [class*=regular-price]"):
        old = old or parse_price(_text(node), decimal_separator=decimal_separator)
        node.decompose()
    return old


def _name(card: Node) -> str:
    for selector in ("h1, h2, h3, h4, h5", "[class*=name], [class*=title]", "strong, b"):
        node = card.css_first(selector)
        if node is not None and _text(node):
            return _text(node)[:120]
    return _text(card)[:60]


_COLUMN_ROLES = {
    "gpu": re.compile(r"\bGPU|Grafik", re.I),
    "vcpu": re.compile(rf"\b(?:{CPU_WORDS})\b", re.I),
    "ram": re.compile(rf"\b(?:{RAM_WORDS})\b", re.I),
    "disk": re.compile(rf"\b(?:{DISK_WORDS})\b", re.I),
    "price": re.compile(r"pri[cx]e?|preis|tarif|cost|kosten|€|\$|/h|/mo|hour|mois|monat|stunde|heure", re.I),
    "name": re.compile(
        r"\b(?:name|nom|plan|offre|instance|flavou?r|modell?|typ|type|produkt|produit|server)\b", re.I
    ),
}


def _cell_number(text: str) -> Decimal | None:
    m = re.search(NUMBER, text)
    return parse_amount(m.group(1), ",") if m and "," in m.group(1) else Decimal(m.group(1)) if m else None


def _tables(tables: Iterable[Node], decimal_separator: str | None) -> Iterable[Plan]:
    for table in tables:
        rows = table.css("tr")
        if len(rows) < 2:
            continue
        headers = [_text(c) for c in rows[0].css("th, td")]
        roles: dict[int, str] = {}
        for index, header in enumerate(headers):
            for role, pattern in _COLUMN_ROLES.items():
                if (pattern.search(header) and role not in roles.values()) or (
                    role == "price" and pattern.search(header)
                ):
                    roles.setdefault(index, role)
                    break
        if "price" not in roles.values():
            continue
        for row in rows[1:]:
            cells = [_text(c) for c in row.css("th, td")]
            specs, prices, name = Specs(), [], cells[0] if cells else ""
            for index, cell in enumerate(cells):
                column = roles.get(index)
                header = headers[index] if index < len(headers) else ""
                if column == "price":
                    price = parse_price(cell, decimal_separator=decimal_separator)
                    if price is not None and price.period is None:
                        price = dataclasses.replace(
                            price,
                            period=period_of(header),
                            per_gpu=price.per_gpu or bool(re.search(r"\bGPU\b", header)),
                        )
                    prices += [price] if price else []
                elif column == "name":
                    name = cell
                elif column == "vcpu":
                    specs.vcpu = _cell_number(cell)
                elif column in ("ram", "disk"):
                    got = read_specs(f"{cell} {header}")
                    value = got.ram_gb if column == "ram" else got.disk_gb
                    if value is None and (number := _cell_number(cell)) is not None:
                        terabytes = re.search(r"\bT[Bo]\b", header + cell)
                        value = number * ((1024 if column == "ram" else 1000) if terabytes else 1)
                    setattr(specs, "ram_gb" if column == "ram" else "disk_gb", value)
                elif column == "gpu":
                    got = read_specs(cell)
                    specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb = (
                        got.gpu_name,
                        got.gpu_count,
                        got.gpu_memory_gb,
                    )
            if specs.gpu_name is None:
                got = read_specs(" ".join(cells))
                specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb = (
                    got.gpu_name,
                    got.gpu_count,
                    got.gpu_memory_gb,
                )
            if prices and specs.any:
                yield Plan(name=name[:120], prices=prices, specs=specs, extractor="table")


def _smallest(nodes: list[Node]) -> list[Node]:
    """The nodes of ``nodes`` that contain no other node of ``nodes``."""
    ids = {n.mem_id for n in nodes}
    outer: set[int] = set()
    for node in nodes:
        parent = node.parent
        while parent is not None:
            if parent.mem_id in ids:
                outer.add(parent.mem_id)
            parent = parent.parent
    return [n for n in nodes if n.mem_id not in outer]


def card_prices(card: Node, decimal_separator: str | None) -> list[ParsedPrice]:
    """Prices of a card, each read from the smallest element holding it (never across elements)."""
    holders = [
        n
        for n in card.traverse(include_text=False)
        if parse_price(_text(n), decimal_separator=decimal_separator)
    ]
    prices = []
    for node in _smallest(holders):
        prices += find_prices(_text(node), decimal_separator=decimal_separator)
    return prices


def _cards(tree: HTMLParser, decimal_separator: str | None) -> Iterable[Plan]:
    root = tree.body or tree.root
    if root is None:
        return
    candidates = []
    for node in root.traverse(include_text=False):
        if node.tag in ("table", "tr", "td", "th", "thead", "tbody", "html", "body") or _inside_table(node):
            continue
        text = _text(node)
        if not text or len(text) >= MAX_TEXT or node.css_first("table") is not None:
            continue
        if parse_price(text, decimal_separator=decimal_separator) and read_specs(text).any:
            candidates.append(node)
    for node in _smallest(candidates):
        list_price = _struck(node, decimal_separator)
        prices = card_prices(node, decimal_separator)
        if prices:
            specs = read_specs(_text(node))
            yield Plan(name=_name(node), prices=prices, specs=specs, list_price=list_price, extractor="card")


def _inside_table(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False


def extract_plans(html: str | bytes, *, decimal_separator: str | None = None) -> list[Plan]:
    """The generic extractor: plans from tables first, then from cards, without duplicates."""
    tree = load_html(html)
    plans, seen = [], set()
    for plan in [*_tables(tree.css("table"), decimal_separator), *_cards(tree, decimal_separator)]:
        key = (plan.name.lower(), tuple((p.amount, p.period) for p in plan.prices))
        if key not in seen:
            seen.add(key)
            plans.append(plan)
    return plans


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of one pricing page: the plan card, and within it the name, price and specs."""

    card: str = ""
    name: str = ""
    price: str = ""
    specs: str | None = None  # where the spec lines are (default: the whole card)
    table: str | None = None  # or: the plan table(s), read column by column like the generic extractor


def extract_with(
    html: str | bytes, selectors: Selectors, *, decimal_separator: str | None = None
) -> list[Plan]:
    """The declarative extractor: one plan per ``selectors.card`` that has a name and a price."""
    tree = load_html(html)
    if selectors.table:
        return [
            dataclasses.replace(p, extractor="selectors")
            for p in _tables(tree.css(selectors.table), decimal_separator)
        ]
    plans = []
    for card in tree.css(selectors.card):
        list_price = _struck(card, decimal_separator)
        name = _text(card.css_first(selectors.name)) if card.css_first(selectors.name) is not None else ""
        prices = [
            p
            for n in card.css(selectors.price)
            for p in find_prices(_text(n), decimal_separator=decimal_separator)
        ]
        spec_text = " ".join(_text(n) for n in card.css(selectors.specs)) if selectors.specs else _text(card)
        if name and prices:
            plans.append(
                Plan(
                    name=name[:120],
                    prices=prices,
                    specs=read_specs(spec_text),
                    list_price=list_price,
                    extractor="selectors",
                )
            )
    return plans
