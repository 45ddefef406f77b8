"""The knowledge base as typed data: every section of the competitive analysis, in French and English.

Every text a person reads is a :class:`Text` holding both languages (``text.get("en")``). Figures are
typed: scores are ints 0..5, prices :class:`Money` with a ``Decimal`` amount, levels ``high|medium|low``.
Competitors are referred to everywhere by their stable id (see :mod:`veille.kb.ids`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veille.kb.ids import COMPETITOR_IDS

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
Level = Literal["high", "medium", "low"]
Tier = Literal["self", "direct", "gpu", "hyperscaler", "low_cost", "other"]
PriceAxis = Literal["premium", "mid", "low_cost"]
ScopeAxis = Literal["specialist", "balanced", "generalist"]
Cadence = Literal["realtime", "immediate", "daily", "weekly", "monthly", "quarterly", "semiannual", "yearly"]

SCHEMA_VERSION: Literal[1] = 1

# The language a bare string stands for while validating (a JSON/YAML export holds one language).
_plain_lang: ContextVar[Lang] = ContextVar("veille_kb_plain_lang", default="fr")


@contextmanager
def plain_text_language(lang: Lang) -> Iterator[None]:
    """While active, a bare string given where a :class:`Text` is expected is read as ``lang``."""
    token = _plain_lang.set(lang)
    try:
        yield
    finally:
        _plain_lang.reset(token)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Text(BaseModel):
    """One text in French and English. A missing translation is the empty string."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fr: str = ""
    en: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, data: Any) -> Any:
        if isinstance(data, str | int | Decimal) and not isinstance(data, bool):
            return {_plain_lang.get(): str(data)}
        return data

    def get(self, lang: Lang) -> str:
        """The text in ``lang``; falls back on the other language when that one is missing."""
        value = self.en if lang == "en" else self.fr
        return value or (self.fr if lang == "en" else self.en)

    def has(self, lang: Lang) -> bool:
        return bool(self.en if lang == "en" else self.fr)

    def __str__(self) -> str:
        return self.get("fr")


def T(fr: str, en: str = "") -> Text:
    """Shorthand for ``Text(fr=..., en=...)``."""
    return Text(fr=fr, en=en)


class Money(_Model):
    """An exact amount in a currency (ISO 4217)."""

    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @field_validator("amount")
    @classmethod
    def _canonical_amount(cls, value: Decimal) -> Decimal:
        """One spelling per value: 49 (not 49.00 or 4.9E+1), 4.5 (not 4.50)."""
        if not value.is_finite():
            raise ValueError("an amount must be a finite number")
        if value == value.to_integral_value():
            return value.quantize(Decimal(1))
        return value.normalize()


# --- document and market ---------------------------------------------------------------------------


class Meta(_Model):
    title: Text
    subtitle: Text
    updated: Text = Field(description="When the analysis was last updated, as written (e.g. Décembre 2025).")


class MarketFact(_Model):
    id: str
    label: Text
    value: Text


class Market(_Model):
    """Section 1: the size of the European cloud market and who holds it."""

    title: Text
    period: str
    facts: list[MarketFact]


class SegmentBox(_Model):
    """One box of the segmentation map: its place in the grid and the players it holds."""

    column: int = Field(
        ge=0, le=2, description="0 = premium / specialist side, 2 = low-cost / generalist side"
    )
    row: int = Field(ge=0)
    lines: list[Text]
    players: list[str]


class Placement(_Model):
    """Where one player sits on the two axes of the segmentation map."""

    competitor: str
    price: PriceAxis
    scope: ScopeAxis


class Segmentation(_Model):
    boxes: list[SegmentBox]
    placements: list[Placement]


# --- competitors -------------------------------------------------------------------------------------


class ProfileFact(_Model):
    key: str = Field(
        description="hq, founded, employees, revenue, customers, ipo, group, positioning, target..."
    )
    label: Text
    value: Text


class Competitor(_Model):
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
        if value not in COMPETITOR_IDS:
            raise ValueError(f"unknown competitor id {value!r}")
        return value

    @property
    def has_sheet(self) -> bool:
        """True when section 3 holds a detailed sheet for this competitor."""
        return bool(self.profile or self.strengths or self.weaknesses)

    def fact(self, key: str) -> ProfileFact | None:
        return next((f for f in self.profile if f.key == key), None)


class Ref(_Model):
    """A competitor as a table row or column: its id and the label the table shows."""

    competitor: str
    label: str


class Exclusion(_Model):
    label: str
    competitors: list[str]
    reason: Text


class DirectSection(_Model):
    """Section 2: who the direct competitors are, and who is left out and why."""

    definition: Text
    rows: list[Ref]
    exclusions: list[Exclusion]


class GpuRow(_Model):
    competitor: str
    label: str
    strengths: Text
    weaknesses: Text


class GpuSection(_Model):
    """Section 4: the GPU specialists (tier 2). Threat levels live on the competitors."""

    intro: Text
    rows: list[GpuRow]
    opportunity: Text


class CompareRow(_Model):
    criterion: Text
    hyperscalers: Text
    vmcloud: Text


class HyperscalerSection(_Model):
    """Section 5: why AWS, GCP and Azure are not direct competitors."""

    competitors: list[str]
    rows: list[CompareRow]
    strategy: Text
    choose_them: list[Text] = Field(description="When a prospect chooses AWS rather than VMCloud.")
    choose_us: list[Text] = Field(description="When a prospect chooses VMCloud rather than AWS.")


# --- matrix and prices -------------------------------------------------------------------------------


class Criterion(_Model):
    id: str
    label: Text


class Matrix(_Model):
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


class ProductSpec(_Model):
    """What a reference product is, so live offers can be matched against it."""

    category: Literal["vps", "gpu", "storage"]
    vcpu: int | None = None
    ram_gb: int | None = None
    gpu_model: str | None = Field(default=None, description='Canonical name, e.g. "NVIDIA T4 16GB".')
    gpu_count: int | None = None
    storage_tb: Decimal | None = None


class Product(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Text
    spec: ProductSpec


class PriceTable(_Model):
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


class DifferentiatorGroup(_Model):
    icon: str
    title: Text
    items: list[Text]


class MoatRow(_Model):
    moat: Text
    copyable: Text
    durability: Level


class Moat(_Model):
    rows: list[MoatRow]
    conclusion: Text


class SegmentOpportunity(_Model):
    segment: Text
    problem: Text
    opportunity: Text


class RegionOpportunity(_Model):
    region: Text
    dominant: Text
    opportunity: Text


class UseCaseOpportunity(_Model):
    use_case: Text
    problem: Text
    solution: Text


class Opportunities(_Model):
    segments: list[SegmentOpportunity]
    regions: list[RegionOpportunity]
    use_cases: list[UseCaseOpportunity]


class Aspect(_Model):
    aspect: Text
    impact: Text
    probability: Level
    mitigation: Text


class ThreatScenario(_Model):
    id: str
    title: Text
    scenario: Text
    aspects: list[Aspect]


# --- watch, strategy, summary ------------------------------------------------------------------------


class WatchFrequency(_Model):
    subject: Text
    frequency: Text


class WatchSystem(_Model):
    """Section 10: how the watch runs (automated, manual, sources, frequencies)."""

    automated: list[Text]
    manual: list[Text]
    sources: list[Text]
    frequencies: list[WatchFrequency]


class WatchItem(_Model):
    """One row of "what we watch": element, frequency, action when it changes."""

    id: str
    element: Text
    frequency: Text
    action: Text
    cadence: Cadence | None = None


class StrategyRow(_Model):
    competitor: str
    label: str


class Principles(_Model):
    dont: list[Text]
    do: list[Text]
    philosophy: Text


class StrategySection(_Model):
    """Section 11: rows (strategy and key message live on each competitor) and principles."""

    rows: list[StrategyRow]
    principles: Principles


class SummaryRow(_Model):
    label: Text = Field(description="Upper-case label; a line break splits a long label over two lines.")
    text: Text = Field(description="Line breaks are kept as written.")


class FreeSection(_Model):
    """A section the importer did not recognise, kept as Markdown after section ``after``."""

    after: int = Field(ge=0)
    level: Literal[2, 3] = Field(
        default=3, description="2: a section of its own; 3: a part of section `after`"
    )
    heading: str = Field(description="Empty for loose content at the end of section `after`.")
    body: Text


class KnowledgeBase(_Model):
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
