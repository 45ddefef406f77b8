"""The small types every part of the knowledge base uses: languages, levels, bilingual texts, money."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class KbModel(BaseModel):
    """Base of the knowledge-base models: unknown fields are refused, assignments validated."""

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


# An amount has at most 12 digits before the point and 6 after: anything longer is a typo or an attack.
MONEY_DIGITS = 18
MONEY_PLACES = 6


def amount_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be a :class:`Money` amount (``"is negative"``...), None when it can."""
    if not value.is_finite():
        return "is not a finite number"
    if value < 0:
        return "is negative"
    if value.adjusted() >= MONEY_DIGITS - MONEY_PLACES:
        return f"has more than {MONEY_DIGITS - MONEY_PLACES} digits before the point"
    if value.normalize().as_tuple().exponent < -MONEY_PLACES:  # type: ignore[operator]
        return f"has more than {MONEY_PLACES} decimals"
    return None


class Money(KbModel):
    """An exact amount in a currency (ISO 4217)."""

    amount: Decimal = Field(ge=0, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
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
