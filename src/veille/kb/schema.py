"""The knowledge base as typed data: every section of the competitive analysis, in French and English.

Every text a person reads is a :class:`Text` holding both languages (``text.get("en")``). Figures are
typed: scores are ints 0..5, prices :class:`Money` with a ``Decimal`` amount, levels ``high|medium|low``.
Competitors are referred to everywhere by their stable id (the competitor records, see :mod:`veille.kb.ids`).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Literal

import orjson
from pydantic import Field, field_validator, model_validator

from veille.kb.ids import CompetitorRecord, is_competitor_id
from veille.kb.types import (
    LANGS,
    SCHEMA_VERSION,
    Cadence,
    KbModel,
    Lang,
    Level,
    Money,
    PriceAxis,
    ScopeAxis,
    T,
    Text,
    Tier,
    plain_text_language,
)

__all__ = ["LANGS", "SCHEMA_VERSION", "Cadence", "KbModel", "Lang", "Level", "Money", "PriceAxis", "ScopeAxis",
           "T", "Text", "Tier", "plain_text_language"]  # fmt: skip


# --- document and market ---------------------------------------------------------------------------


class Meta(KbModel):
    title: Text
    subtitle: Text
    updated: Text = Field(description="When the analysis was last updated, as written (e.g. Décembre 2025).")


class MarketFact(KbModel):
    id: str
    label: Text
    value: Text


class Market(KbModel):
    """Section 1: the size of the European cloud market and who holds it."""

    title: Text
    period: str
    facts: list[MarketFact]


class SegmentBox(KbModel):
    """One box of the segmentation map: its place in the grid and the players it holds."""

    column: int = Field(
        ge=0, le=2, description="0 = premium / specialist side, 2 = low-cost / generalist side"
    )
    row: int = Field(ge=0)
    lines: list[Text]
    players: list[str]


class Placement(KbModel):
    """Where one player sits on the two axes of the segmentation map."""

    competitor: str
    price: PriceAxis
    scope: ScopeAxis


class Segmentation(KbModel):
    boxes: list[SegmentBox]
    placements: list[Placement]


# --- competitors -------------------------------------------------------------------------------------


class ProfileFact(KbModel):
    key: str = Field(
        description="hq, founded, employees, revenue, customers, ipo, group, positioning, target..."
    )
    label: Text
    value: Text


class Competitor(KbModel):
    id: str
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    tier: Tier
    website: str | None = None
    threat: Level | None = None
    threat_reason: Text | None = None
    vs_label: str | None = Field(default=None, description='Name used in "our advantage vs X" (e.g. OVH).')
    profile: list[ProfileFact] = Field(default_factory=list)
    strengths: list[Text] = Field(default_factory=list)
    weaknesses: list[Text] = Field(default_factory=list)
    positioning: Text | None = None
    our_advantages: list[Text] = Field(default_factory=list)
    verdict: Text | None = None
    alerts: list[Text] = Field(default_factory=list)
    strategy: Text | None = None
    key_message: Text | None = None

    @field_validator("id")
    @classmethod
    def _known_id(cls, value: str) -> str:
        if not is_competitor_id(value):
            raise ValueError(f"unknown competitor id {value!r}")
        return value

    @property
    def has_sheet(self) -> bool:
        """True when section 3 holds a detailed sheet for this competitor."""
        return bool(self.profile or self.strengths or self.weaknesses)

    def fact(self, key: str) -> ProfileFact | None:
        return next((f for f in self.profile if f.key == key), None)


def sheet_of(record: CompetitorRecord) -> Competitor:
    """A bare sheet for a competitor the analysis does not describe yet (its record's facts only;
    ``ZZ``, the ISO code for "unknown", when the record has no country)."""
    return Competitor(
        id=record.id,
        name=record.name,
        country=record.country or "ZZ",
        tier=record.tier,
        website=record.website,
        threat=record.threat,
    )


class Ref(KbModel):
    """A competitor as a table row or column: its id and the label the table shows."""

    competitor: str
    label: str


class Exclusion(KbModel):
    label: str
    competitors: list[str]
    reason: Text


class DirectSection(KbModel):
    """Section 2: who the direct competitors are, and who is left out and why."""

    definition: Text
    rows: list[Ref]
    exclusions: list[Exclusion]


class GpuRow(KbModel):
    competitor: str
    label: str
    strengths: Text
    weaknesses: Text


class GpuSection(KbModel):
    """Section 4: the GPU specialists (tier 2). Threat levels live on the competitors."""

    intro: Text
    rows: list[GpuRow]
    opportunity: Text


class CompareRow(KbModel):
    criterion: Text
    hyperscalers: Text
    vmcloud: Text


class HyperscalerSection(KbModel):
    """Section 5: why AWS, GCP and Azure are not direct competitors."""

    competitors: list[str]
    rows: list[CompareRow]
    strategy: Text
    choose_them: list[Text] = Field(description="When a prospect chooses AWS rather than VMCloud.")
    choose_us: list[Text] = Field(description="When a prospect chooses VMCloud rather than AWS.")


# --- matrix and prices -------------------------------------------------------------------------------


class Criterion(KbModel):
    id: str
    label: Text


class Matrix(KbModel):
    """Section 6: scores 0..5 per criterion and provider."""

    criteria: list[Criterion]
    columns: list[Ref]
    scores: dict[str, dict[str, int]]

    @model_validator(mode="after")
    def _complete(self) -> Matrix:
        criteria = [c.id for c in self.criteria]
        for ref in self.columns:
            row = self.scores.get(ref.competitor)
            if row is None:
                raise ValueError(f"matrix: no scores for {ref.competitor}")
            missing = [c for c in criteria if c not in row]
            if missing:
                raise ValueError(f"matrix: {ref.competitor} has no score for {', '.join(missing)}")
            for crit, score in row.items():
                if crit not in criteria:
                    raise ValueError(f"matrix: unknown criterion {crit!r} for {ref.competitor}")
                if not 0 <= score <= 5:
                    raise ValueError(f"matrix: score {score} for {ref.competitor}/{crit} is not in 0..5")
        extra = set(self.scores) - {r.competitor for r in self.columns}
        if extra:
            raise ValueError(f"matrix: scores for providers without a column: {', '.join(sorted(extra))}")
        return self


class ProductSpec(KbModel):
    """What a reference product is, so live offers can be matched against it."""

    category: Literal["vps", "gpu", "storage"]
    vcpu: int | None = None
    ram_gb: int | None = None
    gpu_model: str | None = Field(default=None, description='Canonical name, e.g. "NVIDIA T4 16GB".')
    gpu_count: int | None = None
    storage_tb: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=6)


class Product(KbModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Text
    spec: ProductSpec


class PriceTable(KbModel):
    """Section 6: monthly prices of reference products; ``None`` where the provider has none (N/A)."""

    products: list[Product]
    columns: list[Ref]
    prices: dict[str, dict[str, Money | None]]
    analysis: Text

    @model_validator(mode="after")
    def _complete(self) -> PriceTable:
        ids = [p.id for p in self.products]
        if len(set(ids)) != len(ids):
            raise ValueError("price table: duplicate product ids")
        cols = [r.competitor for r in self.columns]
        for pid in ids:
            row = self.prices.get(pid)
            if row is None:
                raise ValueError(f"price table: no prices for {pid}")
            missing = [c for c in cols if c not in row]
            if missing:
                raise ValueError(f"price table: {pid} has no cell for {', '.join(missing)}")
            extra = [c for c in row if c not in cols]
            if extra:
                raise ValueError(f"price table: {pid} has cells for unknown columns {', '.join(extra)}")
        extra_products = set(self.prices) - set(ids)
        if extra_products:
            raise ValueError(f"price table: prices for unknown products {', '.join(sorted(extra_products))}")
        return self


# --- differentiation, opportunities, threats --------------------------------------------------------


class DifferentiatorGroup(KbModel):
    icon: str
    title: Text
    items: list[Text]


class MoatRow(KbModel):
    moat: Text
    copyable: Text
    durability: Level


class Moat(KbModel):
    rows: list[MoatRow]
    conclusion: Text


class SegmentOpportunity(KbModel):
    segment: Text
    problem: Text
    opportunity: Text


class RegionOpportunity(KbModel):
    region: Text
    dominant: Text
    opportunity: Text


class UseCaseOpportunity(KbModel):
    use_case: Text
    problem: Text
    solution: Text


class Opportunities(KbModel):
    segments: list[SegmentOpportunity]
    regions: list[RegionOpportunity]
    use_cases: list[UseCaseOpportunity]


class Aspect(KbModel):
    aspect: Text
    impact: Text
    probability: Level
    mitigation: Text


class ThreatScenario(KbModel):
    id: str
    title: Text
    scenario: Text
    aspects: list[Aspect]


# --- watch, strategy, summary ------------------------------------------------------------------------


class WatchFrequency(KbModel):
    subject: Text
    frequency: Text


class WatchSystem(KbModel):
    """Section 10: how the watch runs (automated, manual, sources, frequencies)."""

    automated: list[Text]
    manual: list[Text]
    sources: list[Text]
    frequencies: list[WatchFrequency]


class WatchItem(KbModel):
    """One row of "what we watch": element, frequency, action when it changes."""

    id: str
    element: Text
    frequency: Text
    action: Text
    cadence: Cadence | None = None


class StrategyRow(KbModel):
    competitor: str
    label: str


class Principles(KbModel):
    dont: list[Text]
    do: list[Text]
    philosophy: Text


class StrategySection(KbModel):
    """Section 11: rows (strategy and key message live on each competitor) and principles."""

    rows: list[StrategyRow]
    principles: Principles


class SummaryRow(KbModel):
    label: Text = Field(description="Upper-case label; a line break splits a long label over two lines.")
    text: Text = Field(description="Line breaks are kept as written.")


class FreeSection(KbModel):
    """A section the importer did not recognise, kept as Markdown after section ``after``."""

    after: int = Field(ge=0)
    level: Literal[2, 3] = Field(
        default=3, description="2: a section of its own; 3: a part of section `after`"
    )
    heading: str = Field(description="Empty for loose content at the end of section `after`.")
    body: Text


class KnowledgeBase(KbModel):
    """The whole competitive analysis."""

    schema_version: Literal[1] = SCHEMA_VERSION
    meta: Meta
    market: Market
    segmentation: Segmentation
    competitors: list[Competitor]
    direct: DirectSection
    profiles: list[str] = Field(description="Competitors with a detailed sheet in section 3, in order.")
    gpu: GpuSection
    hyperscalers: HyperscalerSection
    matrix: Matrix
    price_table: PriceTable
    differentiators: list[DifferentiatorGroup]
    moat: Moat
    opportunities: Opportunities
    threats: list[ThreatScenario]
    watch_system: WatchSystem
    watch_items: list[WatchItem]
    strategy: StrategySection
    summary: list[SummaryRow]
    extra_sections: list[FreeSection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> KnowledgeBase:
        ids = [c.id for c in self.competitors]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"competitors listed twice: {', '.join(sorted(dupes))}")
        known = set(ids)
        used: list[tuple[str, str]] = []
        used += [("segmentation", p) for b in self.segmentation.boxes for p in b.players]
        used += [("segmentation", p.competitor) for p in self.segmentation.placements]
        used += [("direct competitors", r.competitor) for r in self.direct.rows]
        used += [("exclusions", c) for e in self.direct.exclusions for c in e.competitors]
        used += [("profiles", c) for c in self.profiles]
        used += [("GPU table", r.competitor) for r in self.gpu.rows]
        used += [("hyperscalers", c) for c in self.hyperscalers.competitors]
        used += [("matrix", r.competitor) for r in self.matrix.columns]
        used += [("price table", r.competitor) for r in self.price_table.columns]
        used += [("strategy", r.competitor) for r in self.strategy.rows]
        for where, cid in used:
            if cid not in known:
                raise ValueError(f"{where}: competitor {cid!r} has no entry")
        return self

    # -- access -------------------------------------------------------------------------------------

    def competitor(self, competitor_id: str) -> Competitor:
        """The competitor with this id (KeyError when absent)."""
        for comp in self.competitors:
            if comp.id == competitor_id:
                return comp
        raise KeyError(competitor_id)

    def product(self, product_id: str) -> Product:
        for product in self.price_table.products:
            if product.id == product_id:
                return product
        raise KeyError(product_id)

    def canonical(self) -> dict[str, Any]:
        """The full bilingual data as JSON-compatible values (decimals as strings)."""
        data: dict[str, Any] = orjson.loads(self.model_dump_json())
        return data

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: equal digests mean equal knowledge bases."""
        data = orjson.dumps(self.canonical(), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(data).hexdigest()
