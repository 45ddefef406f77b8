"""Readers of sections 1 to 6 of the analysis (the market and its players: market, direct competitors, sheets, GPU,
hyperscalers, matrix) for the Markdown importer; 7 to 12 are in ``_strategy_sections``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from veille.errors import ImportFormatError
from veille.kb import _diagram, _md
from veille.kb._md import Section, fold
from veille.kb._part import Part, matches, slug, split_fact, strip_icon, words
from veille.kb.labels import PROFILE_KEYS, SUB, WORDS
from veille.kb.schema import (
    CompareRow,
    Criterion,
    DirectSection,
    Exclusion,
    GpuRow,
    GpuSection,
    HyperscalerSection,
    Market,
    MarketFact,
    Matrix,
    Meta,
    Money,
    Placement,
    PriceTable,
    Product,
    ProductSpec,
    ProfileFact,
    Ref,
    Segmentation,
    SegmentBox,
    Text,
)

if TYPE_CHECKING:
    from veille.kb._part import Context


# --- preamble ---------------------------------------------------------------------------------------


def read_preamble(ctx: Context, doc: _md.Document) -> None:
    meta = ctx.draft["meta"]
    subtitle, updated = meta.subtitle, meta.updated
    for block in doc.preamble:
        if block.kind != "quote":
            continue
        for line in block.lines:
            content = line.lstrip("> ").strip()
            bold = re.fullmatch(r"\*\*(.+)\*\*", content)
            if bold:
                subtitle = ctx.t(bold.group(1).strip())
                continue
            for label in words(WORDS["last_update"]):
                match = re.match(rf"^{re.escape(label)}\s*:\s*(.+)$", content, re.IGNORECASE)
                if match:
                    updated = ctx.t(match.group(1).strip())
    ctx.draft["meta"] = Meta(title=ctx.t(doc.title), subtitle=subtitle, updated=updated)


# --- 1. market --------------------------------------------------------------------------------------

_FACT_IDS = (("total", "total"), ("croissance", "growth"), ("growth", "growth"), ("hyperscal", "share_hyperscalers"),
             ("europ", "share_european"), ("loca", "share_local"), ("niche", "share_local"))  # fmt: skip


def read_market(ctx: Context, section: Section) -> None:
    part = Part(ctx, 1, section)
    market = part.want("market")
    if market is not None:
        root = _md.parse_tree(part.need("code", market, "the market tree"))
        match = re.fullmatch(r"(?P<title>.*?)\s*\((?P<period>[^()]*)\)", root.text)
        title, period = (match.group("title"), match.group("period")) if match else (root.text, "")
        facts: list[MarketFact] = []
        for node in root.children:
            label, value = split_fact(node.text, f"line {node.line_no}: market")
            fact_id = next((fid for key, fid in _FACT_IDS if key in fold(label)), slug(label))
            facts.append(MarketFact(id=fact_id, label=ctx.t(label), value=ctx.t(value)))
        ctx.draft["market"] = Market(title=ctx.t(title), period=period, facts=facts)
    seg = part.want("segmentation")
    if seg is not None:
        block = part.need("code", seg, "the segmentation map")
        drawn = _diagram.read_boxes(block.lines, block.line_no)
        boxes: list[SegmentBox] = []
        placements: list[Placement] = []
        for box in drawn:
            players: list[str] = []
            for line in box.lines:
                for name in line.split("/"):
                    found = _find(ctx, name)
                    if found and found not in players:
                        players.append(found)
            boxes.append(
                SegmentBox(
                    column=box.column, row=box.row, lines=[ctx.t(x) for x in box.lines], players=players
                )
            )
            for player in players:
                placements.append(
                    Placement(
                        competitor=player,
                        price=("premium", "mid", "low_cost")[box.column],
                        scope=("specialist", "balanced", "generalist")[box.column],
                    )
                )
        ctx.draft["segmentation"] = Segmentation(boxes=boxes, placements=placements)
    part.finish()


def _find(ctx: Context, name: str) -> str | None:
    from veille.kb.ids import find_competitor

    found = find_competitor(name.strip())
    return found if found in ctx.competitors else None


# --- 2. direct competitors --------------------------------------------------------------------------


def read_direct(ctx: Context, section: Section) -> None:
    part = Part(ctx, 2, section)
    where = part.child("who") or section
    current: DirectSection = ctx.draft["direct"]
    definition = part.prefixed("definition", where)
    table = part.need("table", where, "the table of direct competitors")
    _header, rows = _md.parse_table(table, 3, "direct competitors table")
    refs: list[Ref] = []
    for offset, (name, level, reason) in enumerate(rows, start=2):
        at = f"line {table.line_no + offset}"
        cid = ctx.resolve(name, at)
        threat, _note = _md.parse_level(level, at)
        ctx.update(cid, threat=threat, threat_reason=ctx.t(reason))
        refs.append(Ref(competitor=cid, label=_md.unbold(name)))
    exclusions = current.exclusions
    if part.prefixed("excluded", where) is not None or part.prefixed("excluded", section) is not None:
        items = part.need("list", where, "the list of exclusions")
        exclusions = []
        for item in _md.list_items(items):
            pieces = re.split(r"\s*(?:→|->)\s*", item, maxsplit=1)
            if len(pieces) != 2:
                raise ImportFormatError(f"line {items.line_no}: exclusion {item!r} has no '→ reason'")
            label, reason = pieces
            ids = [ctx.resolve(n, f"line {items.line_no}: exclusions") for n in label.split("/")]
            exclusions.append(Exclusion(label=label.strip(), competitors=ids, reason=ctx.t(reason.strip())))
    ctx.draft["direct"] = DirectSection(
        definition=ctx.t(definition) if definition is not None else current.definition,
        rows=refs,
        exclusions=exclusions,
    )
    part.finish()


# --- 3. competitor sheets ---------------------------------------------------------------------------

_SHEET_PARTS = {"profile": "profile", "strengths": "strengths", "weaknesses": "weaknesses",
                "positioning": "positioning", "advantage": "our_advantages"}  # fmt: skip


def read_sheets(ctx: Context, section: Section) -> None:
    part = Part(ctx, 3, section)
    order: list[str] = []
    for child in section.children:
        match = re.match(r"^\d+(?:\.\d+)?\s+(?P<name>.+)$", child.heading)
        name = re.sub(r"[\U0001F1E6-\U0001F1FF]", "", match.group("name") if match else child.heading).strip()
        cid = _find(ctx, name) if match else None
        if cid is None:
            continue
        part.used_children.add(id(child))
        order.append(cid)
        _read_sheet(ctx, part, child, cid, name)
    if not order:
        raise ImportFormatError(f"line {section.line_no}: section 3 holds no competitor sheet")
    ctx.draft["profiles"] = order
    part.finish()


def _read_sheet(ctx: Context, part: Part, child: Section, cid: str, name: str) -> None:
    changes: dict[str, object] = {"name": name}
    country = _md.flag_country(child.heading)
    if country:
        changes["country"] = country
    block = part.need("code", child, f"the sheet of {name}")
    root = _md.parse_tree(block)
    for node in root.children:
        title = strip_icon(node.text)
        key = next(
            (
                k
                for k in _SHEET_PARTS
                if any(fold(title).startswith(fold(strip_icon(w))) for w in words(WORDS[k]))
            ),
            None,
        )
        if key is None:
            ctx.free(
                3,
                f"{name}: {node.text}",
                "\n".join(c.text for c in node.children),
                f"{name}: unrecognised part {node.text!r} of the sheet (line {node.line_no})",
            )
            continue
        items = [c.text for c in node.children]
        if key == "profile":
            facts = []
            for item in items:
                label, value = split_fact(item, f"{name} profile")
                fact_key = next((k for k, t in PROFILE_KEYS.items() if matches(label, t)), slug(label))
                facts.append(ProfileFact(key=fact_key, label=ctx.t(label), value=ctx.t(value)))
            changes["profile"] = facts
        elif key == "positioning":
            changes["positioning"] = ctx.t(" ".join(items)) if items else None
        else:
            if key == "advantage":
                vs = re.search(r"\bVS\.?\s+(.+)$", title, re.IGNORECASE)
                changes["vs_label"] = vs.group(1).strip() if vs else None
            changes[_SHEET_PARTS[key]] = [ctx.t(i) for i in items]
    verdict = part.prefixed("verdict", child)
    changes["verdict"] = ctx.t(verdict) if verdict is not None else None
    alerts = []
    for block in part.blocks(child):
        text = " ".join(line.strip() for line in block.lines)
        for word in words(WORDS["alert"]):
            bare = strip_icon(word)
            match = re.fullmatch(rf"\*\*(?:⚠️?\s*)?{re.escape(bare)}\s*:\s*(?P<text>.+?)\*\*", text)
            if block.kind == "para" and match:
                alerts.append(ctx.t(match.group("text").strip()))
                part.used.add(id(block))
                break
    changes["alerts"] = alerts
    ctx.update(cid, **changes)


# --- 4. GPU -----------------------------------------------------------------------------------------


def read_gpu(ctx: Context, section: Section) -> None:
    part = Part(ctx, 4, section)
    where = part.child("gpu_market") or section
    current: GpuSection = ctx.draft["gpu"]
    opportunity = part.prefixed("gpu_opportunity", where)
    table = part.need("table", where, "the GPU table")
    intro = part.take("para", where)
    _header, rows = _md.parse_table(table, 5, "GPU table")
    gpu_rows: list[GpuRow] = []
    for offset, (name, origin, strengths, weaknesses, threat) in enumerate(rows, start=2):
        at = f"line {table.line_no + offset}"
        cid = ctx.resolve(name, at)
        level, note = _md.parse_level(threat, at)
        changes: dict[str, object] = {"threat": level, "threat_reason": ctx.t(note) if note else None}
        country = _md.flag_country(origin) or (
            origin.strip() if re.fullmatch(r"[A-Z]{2}", origin.strip()) else None
        )
        if country:
            changes["country"] = country
        ctx.update(cid, **changes)
        gpu_rows.append(
            GpuRow(
                competitor=cid,
                label=_md.unbold(name),
                strengths=ctx.t(strengths),
                weaknesses=ctx.t(weaknesses),
            )
        )
    ctx.draft["gpu"] = GpuSection(
        intro=ctx.t(" ".join(x.strip() for x in intro.lines)) if intro else current.intro,
        rows=gpu_rows,
        opportunity=ctx.t(opportunity) if opportunity is not None else current.opportunity,
    )
    part.finish()


# --- 5. hyperscalers --------------------------------------------------------------------------------


def read_hyperscalers(ctx: Context, section: Section) -> None:
    part = Part(ctx, 5, section)
    current: HyperscalerSection = ctx.draft["hyperscalers"]
    where = part.child("why_not") or section
    table = part.need("table", where, "the hyperscaler comparison")
    _header, rows = _md.parse_table(table, 3, "hyperscaler comparison")
    strategy = part.prefixed("strategy", where)
    lists: dict[str, list[Text]] = {}
    for key in ("choose_them", "choose_us"):
        child = part.child(key)
        if child is None:
            ctx.warn(f"section 5: the list '{SUB[key].get(ctx.lang)}' is missing: kept the current one")
            lists[key] = getattr(current, key)
            continue
        block = part.need("list", child, f"the list '{child.heading}'")
        lists[key] = [ctx.t(item) for item in _md.list_items(block)]
    ctx.draft["hyperscalers"] = HyperscalerSection(
        competitors=current.competitors,
        rows=[CompareRow(criterion=ctx.t(a), hyperscalers=ctx.t(b), vmcloud=ctx.t(c)) for a, b, c in rows],
        strategy=ctx.t(strategy) if strategy is not None else current.strategy,
        choose_them=lists["choose_them"],
        choose_us=lists["choose_us"],
    )
    part.finish()


# --- 6. matrix and prices ---------------------------------------------------------------------------

_CRITERIA = (("prix", "price"), ("price", "price"), ("perform", "performance"), ("support", "support"),
             ("ux", "ux"), ("interface", "ux"), ("api", "api"), ("devex", "api"), ("gpu", "gpu"),
             ("souverain", "sovereignty"), ("sovereign", "sovereignty"), ("ecosys", "ecosystem"),
             ("flexib", "flexibility"), ("image", "brand"), ("brand", "brand"))  # fmt: skip


def read_matrix(ctx: Context, section: Section) -> None:
    part = Part(ctx, 6, section)
    matrix_part = part.want("matrix")
    if matrix_part is not None:
        table = part.need("table", matrix_part, "the comparison matrix")
        header, rows = _md.parse_table(table, None, "comparison matrix")
        columns = [
            Ref(competitor=ctx.resolve(h, f"line {table.line_no}: matrix"), label=h) for h in header[1:]
        ]
        criteria: list[Criterion] = []
        current: Matrix = ctx.draft["matrix"]
        known = {fold(t): c.id for c in current.criteria for t in (c.label.fr, c.label.en) if t}
        scores: dict[str, dict[str, int]] = {c.competitor: {} for c in columns}
        for offset, cells in enumerate(rows, start=2):
            label = _md.unbold(cells[0])
            crit = known.get(fold(label)) or next(
                (c for key, c in _CRITERIA if key in fold(label)), slug(label)
            )
            if crit in {c.id for c in criteria}:
                raise ImportFormatError(
                    f"line {table.line_no + offset}: matrix: criterion {label!r} appears twice"
                )
            criteria.append(Criterion(id=crit, label=ctx.t(label)))
            for ref, cell in zip(columns, cells[1:], strict=True):
                scores[ref.competitor][crit] = _md.parse_dots(cell, f"line {table.line_no + offset}: {label}")
        ctx.draft["matrix"] = Matrix(criteria=criteria, columns=columns, scores=scores)
    prices_part = part.want("prices")
    if prices_part is not None:
        ctx.draft["price_table"] = _read_prices(ctx, part, prices_part)
    part.finish()


_PRODUCTS = (("vps entry", "vps-entry"), ("vps pro", "vps-pro"), ("gpu t4", "gpu-t4"), ("gpu a100", "gpu-a100"),
             ("storage", "storage-tb"), ("stockage", "storage-tb"))  # fmt: skip


def _read_prices(ctx: Context, part: Part, where: Section) -> PriceTable:
    current: PriceTable = ctx.draft["price_table"]
    table = part.need("table", where, "the price table")
    header, rows = _md.parse_table(table, None, "price table")
    columns = [
        Ref(competitor=ctx.resolve(h, f"line {table.line_no}: price table"), label=h) for h in header[1:]
    ]
    known = {p.id: p for p in current.products}
    by_label = {fold(t): p.id for p in current.products for t in (p.label.fr, p.label.en) if t}
    products: list[Product] = []
    prices: dict[str, dict[str, Money | None]] = {}
    for offset, cells in enumerate(rows, start=2):
        at = f"line {table.line_no + offset}"
        label = _md.unbold(cells[0])
        pid = by_label.get(fold(label)) or next(
            (i for k, i in _PRODUCTS if fold(label).startswith(k)), slug(label)
        )
        if pid in prices:
            raise ImportFormatError(f"{at}: price table: product {label!r} appears twice")
        spec = known[pid].spec if pid in known else _guess_spec(label)
        products.append(Product(id=pid, label=ctx.t(label), spec=spec))
        prices[pid] = {}
        for ref, cell in zip(columns, cells[1:], strict=True):
            money = _md.parse_money(cell, f"{at}: {label}/{ref.label}")
            prices[pid][ref.competitor] = Money(amount=money[0], currency=money[1]) if money else None
    analysis = part.prefixed("analysis", where)
    return PriceTable(
        products=products,
        columns=columns,
        prices=prices,
        analysis=ctx.t(analysis) if analysis is not None else current.analysis,
    )


def _guess_spec(label: str) -> ProductSpec:
    """A best-effort spec from a label such as 'VPS Pro (8vCPU/32GB)' or 'GPU H100'."""
    text = fold(label)
    vcpu = re.search(r"(\d+)\s*v?cpu", text)
    ram = re.search(r"(\d+)\s*g[bo]", text)
    if "gpu" in text:
        from veille.normalise.gpu import canonical_gpu

        model = re.sub(r"(?i)^gpu\s*", "", label).strip()
        return ProductSpec(category="gpu", gpu_model=canonical_gpu(model) if model else None, gpu_count=1)
    if "storage" in text or "stockage" in text:
        return ProductSpec(category="storage", storage_tb=Decimal(1))
    return ProductSpec(
        category="vps", vcpu=int(vcpu.group(1)) if vcpu else None, ram_gb=int(ram.group(1)) if ram else None
    )
