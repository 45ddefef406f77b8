"""The edits people make most often, validated. Each returns a new knowledge base; ``record`` saves it.

>>> kb = set_score(kb, "OVH", "support", 2)
>>> revision = record(session, kb, author="alice", message="support score of OVH")

Names are forgiving: a competitor by id or alias ("OVH", "DO"), a criterion or product by id or by its
label in either language. Anything invalid raises :class:`~veille.errors.ValidationError` (or
``NotFoundError`` for unknown names) and changes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.kb._md import fold
from veille.kb._part import unquote
from veille.kb.ids import resolve_competitor
from veille.kb.schema import KnowledgeBase, Lang, Level, Money, Text
from veille.kb.store import save
from veille.kb.types import amount_problem

LEVELS: tuple[Level, ...] = ("high", "medium", "low")
_CURRENCY_ALIASES = {"€": "EUR", "$": "USD", "£": "GBP", "EURO": "EUR", "EUROS": "EUR", "DOLLAR": "USD"}
MAX_TEXT = 500


def _competitor(kb: KnowledgeBase, name: str) -> str:
    competitor_id = resolve_competitor(name)
    try:
        kb.competitor(competitor_id)
    except KeyError:
        raise NotFoundError(f"competitor {competitor_id} has no entry in the knowledge base") from None
    return competitor_id


def _text(value: str, lang: Lang, translation: str | None) -> Text:
    value = value.strip()
    if not value:
        raise ValidationError("the text is empty")
    if any(ch in value + (translation or "") for ch in "\r\n\x00"):
        raise ValidationError("the text must be one line")
    if len(value) > MAX_TEXT or (translation and len(translation) > MAX_TEXT):
        raise ValidationError(f"the text is longer than {MAX_TEXT} characters")
    other = (translation or "").strip()
    return Text(fr=value, en=other) if lang == "fr" else Text(fr=other, en=value)


def _copy(kb: KnowledgeBase) -> KnowledgeBase:
    return kb.model_copy(deep=True)


def set_score(kb: KnowledgeBase, competitor: str, criterion: str, score: int) -> KnowledgeBase:
    """Set one matrix score (0 to 5)."""
    if not isinstance(score, int) or not 0 <= score <= 5:
        raise ValidationError(f"a score is a whole number from 0 to 5, not {score!r}")
    cid = _competitor(kb, competitor)
    matrix = kb.matrix
    if cid not in matrix.scores:
        columns = ", ".join(r.competitor for r in matrix.columns)
        raise ValidationError(f"{cid} is not a column of the matrix ({columns})")
    key = fold(criterion)
    found = next(
        (c.id for c in matrix.criteria if key in (fold(c.id), fold(c.label.fr), fold(c.label.en))), None
    )
    if found is None:
        known = ", ".join(c.id for c in matrix.criteria)
        raise NotFoundError(f"unknown criterion {criterion!r} (known: {known})")
    new = _copy(kb)
    new.matrix.scores[cid][found] = score
    return KnowledgeBase.model_validate(new.model_dump())


def set_threat(
    kb: KnowledgeBase, competitor: str, level: str | None, reason: str | None = None, lang: Lang = "fr",
    translation: str | None = None,
) -> KnowledgeBase:  # fmt: skip
    """Set a competitor's threat level (high, medium, low, or None) and optionally its reason."""
    if level is not None and level not in LEVELS:
        raise ValidationError(f"a threat level is one of {', '.join(LEVELS)}, not {level!r}")
    cid = _competitor(kb, competitor)
    new = _copy(kb)
    comp = new.competitor(cid)
    comp.threat = level
    if reason is not None:
        comp.threat_reason = _text(reason, lang, translation)
    return new


def parse_amount(amount: str | Decimal | int | None) -> Decimal | None:
    """``"49"``, ``"2 319"``, ``"4,50"`` -> Decimal; ``"na"``/``"N/A"``/None -> None."""
    if amount is None:
        return None
    if isinstance(amount, Decimal | int):
        value = Decimal(amount)
    else:
        text = amount.strip().replace("\u00a0", "").replace(" ", "")
        if fold(text) in ("na", "n/a", "null", "none", "-"):
            return None
        if re.fullmatch(r"\d+,\d{1,4}", text):
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{amount!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValidationError(f"an amount is a positive number, not {str(amount)[:40]!r}")
    problem = amount_problem(value)
    if problem:
        raise ValidationError(f"the amount {str(amount)[:40]!r} {problem}")
    return value


def parse_currency(currency: str) -> str:
    code = _CURRENCY_ALIASES.get(currency.strip().upper(), currency.strip().upper())
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationError(f"{currency!r} is not a currency code such as EUR or USD")
    return code


def set_price(
    kb: KnowledgeBase,
    product: str,
    competitor: str,
    amount: str | Decimal | int | None,
    currency: str = "EUR",
) -> KnowledgeBase:
    """Set one cell of the price table; ``amount`` None (or "na") means the provider has no such offer."""
    cid = _competitor(kb, competitor)
    table = kb.price_table
    key = fold(product)
    found = next(
        (p.id for p in table.products if key in (fold(p.id), fold(p.label.fr), fold(p.label.en))), None
    )
    if found is None:
        known = ", ".join(p.id for p in table.products)
        raise NotFoundError(f"unknown product {product!r} (known: {known})")
    if cid not in {r.competitor for r in table.columns}:
        columns = ", ".join(r.competitor for r in table.columns)
        raise ValidationError(f"{cid} is not a column of the price table ({columns})")
    value = parse_amount(amount)
    new = _copy(kb)
    new.price_table.prices[found][cid] = (
        None if value is None else Money(amount=value, currency=parse_currency(currency))
    )
    return KnowledgeBase.model_validate(new.model_dump())


def _add(
    kb: KnowledgeBase, field: str, competitor: str, text: str, lang: Lang, translation: str | None
) -> KnowledgeBase:
    cid = _competitor(kb, competitor)
    value = _text(text, lang, translation)
    new = _copy(kb)
    items: list[Text] = getattr(new.competitor(cid), field)
    if any(fold(t.get(lang)) == fold(value.get(lang)) for t in items):
        raise ValidationError(f"{cid} already lists {text!r}")
    items.append(value)
    return new


def add_strength(
    kb: KnowledgeBase, competitor: str, text: str, lang: Lang = "fr", translation: str | None = None
) -> KnowledgeBase:
    """Add a strength to a competitor (in ``lang``, with an optional translation)."""
    return _add(kb, "strengths", competitor, text, lang, translation)


def add_weakness(
    kb: KnowledgeBase, competitor: str, text: str, lang: Lang = "fr", translation: str | None = None
) -> KnowledgeBase:
    """Add a weakness to a competitor (in ``lang``, with an optional translation)."""
    return _add(kb, "weaknesses", competitor, text, lang, translation)


def remove_item(kb: KnowledgeBase, competitor: str, field: str, text: str) -> KnowledgeBase:
    """Remove a strength/weakness/advantage given its text in either language."""
    if field not in ("strengths", "weaknesses", "our_advantages"):
        raise ValidationError(f"cannot remove from {field!r}")
    cid = _competitor(kb, competitor)
    new = _copy(kb)
    items: list[Text] = getattr(new.competitor(cid), field)
    keep = [t for t in items if fold(text) not in (fold(t.fr), fold(t.en))]
    if len(keep) == len(items):
        raise NotFoundError(
            f"{cid} has no {field[:-1] if field != 'our_advantages' else 'advantage'} {text!r}"
        )
    setattr(new.competitor(cid), field, keep)
    return new


def set_key_message(
    kb: KnowledgeBase, competitor: str, text: str, lang: Lang = "fr", translation: str | None = None
) -> KnowledgeBase:
    """Set the key message of section 11 for a competitor. When only one language is given, the other
    is cleared rather than left saying something else."""
    cid = _competitor(kb, competitor)
    new = _copy(kb)
    new.competitor(cid).key_message = _text(
        unquote(text), lang, unquote(translation) if translation else None
    )
    return new


def set_strategy(
    kb: KnowledgeBase, competitor: str, text: str, lang: Lang = "fr", translation: str | None = None
) -> KnowledgeBase:
    """Set the strategy of section 11 for a competitor."""
    cid = _competitor(kb, competitor)
    new = _copy(kb)
    new.competitor(cid).strategy = _text(text, lang, translation)
    return new


def record(session: Session, kb: KnowledgeBase, author: str, message: str) -> int:
    """Save an edited knowledge base as a revision (no new revision when nothing changed)."""
    return save(session, kb, author, message)
