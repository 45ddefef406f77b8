"""Grounded summaries: a model writes a short French and English summary of a period's events, and
nothing it says is kept unless those events say it too.

``summarise(events, model)`` sends the events (plain dicts) and asks for ``{"fr": ..., "en": ...}``.
Each text is then checked against the events:

- every number (``4,15``, ``4.15``, ``−8.67 %``, ``1 299,95``, ``$0.0119``) must be one of the events'
  numbers, read with the same locale rules and compared without its sign (``a drop of 8.67 %`` is the
  ``-8.67`` of a price change);
- every name (a capitalised word that does not open a sentence, a word with a capital or a digit
  inside such as ``CX22`` or ``OVHcloud``, and an opening word that is not a common one) must appear
  in the events' text, accents and case aside.

A summary that fails a check is dropped (None, and a log line says why); so is one the model could
not give. There is no summary, and no call, for an empty period or without a model.

The model is anything with ``complete_json(schema, system, user, *, purpose=...)`` returning the
validated schema (``Model``): veille's model client, or a fake in tests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson
from pydantic import BaseModel, Field

from veille.errors import VeilleError
from veille.normalise.text import fold

if TYPE_CHECKING:
    from veille.settings import Settings
    from veille.store.db import Store

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

PROMPT_VERSION = "summary-1"
PURPOSE = "summary"
MAX_EVENTS = 80
MAX_CHARS = 1200


class Model(Protocol):
    """What the summaries and the triage need of a model: JSON answers validated by a pydantic schema.

    It raises a ``VeilleError`` (veille's ``AiError``) when it cannot answer."""

    def complete_json(self, schema: type[M], system: str, user: str, *, purpose: str) -> M: ...


def workspace_model(settings: Settings, store: Store | None) -> Model | None:
    """The workspace's model client, or None while AI is off (the default): then nothing is ever sent.

    The client is ``veille.ai.client``; a build without it has no model either."""
    try:
        from veille.ai.client import client_for
    except ModuleNotFoundError:
        return None
    model: Model | None = client_for(settings, store)
    return model


class Summary(BaseModel):
    """The model's answer: the same short summary in French and in English."""

    fr: str = Field(max_length=MAX_CHARS)
    en: str = Field(max_length=MAX_CHARS)


SYSTEM = f"""[{PROMPT_VERSION}] You write the opening summary of a competitive-intelligence report for
VMCloud, a European cloud provider. You get the events of one period as JSON. Write 2 to 4 sentences in
French ("fr") and the same in English ("en"): what matters most for VMCloud. Use ONLY facts from the
events: every number and every name you write must appear in them, written as there. No outside
knowledge, no estimate, no number you computed. Answer with JSON {{"fr": "...", "en": "..."}}."""

_MINUS = "\u2212\u2013"
_NUMBER = re.compile(r"(?<![\w.,])[-+\u2212\u2013]?\d+(?:[ \u00a0\u202f.,]\d{3}(?!\d))*(?:[.,]\d+)?")
_WORD = re.compile(r"[^\W_][\w'’\-]*", re.UNICODE)
COMMON_WORDS = frozenset(
    """the a an this these those that in on at over during from for of by with and but or as its their
    our we it they there here no not one two three four five six seven eight nine ten new also only all
    each every most more less last next first several some many both either neither while after before
    since until between among across per month months quarter week year period prices price offers offer
    le la les l un une des du de d ce cet cette ces en au aux dans sur pour par avec et ou mais sans
    son sa ses leur leurs nous il ils elle elles on aucun aucune deux trois quatre cinq six sept huit
    neuf dix nouveau nouvelle nouveaux nouvelles aussi seul seule tous toutes chaque plusieurs depuis
    pendant durant ce mois trimestre semaine annee periode prix offres offre cote chez selon apres avant
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi
    dimanche vmcloud eur euro euros usd overall meanwhile notably however globalement notamment cependant
    enfin ainsi quant summary resume""".split()  # noqa: SIM905 - a word list reads better as prose
)


def _values(token: str) -> set[Decimal]:
    """Every value ``token`` can be read as (``4,150`` is 4150 in English and 4.150 in French), unsigned."""
    joined = re.sub(r"[ \u00a0\u202f]", "", token.lstrip("+-" + _MINUS))
    if "," in joined and "." in joined:  # both: the last one is the decimal separator
        point = "," if joined.rfind(",") > joined.rfind(".") else "."
        readings = {joined.replace("." if point == "," else ",", "").replace(point, ".")}
    elif "," in joined or "." in joined:
        sep = "," if "," in joined else "."
        readings = {joined.replace(sep, ".")} if joined.count(sep) == 1 else set()
        if re.fullmatch(rf"\d{{1,3}}(?:\{sep}\d{{3}})+", joined):
            readings.add(joined.replace(sep, ""))  # 4,150 or 1.299.000: thousands
    else:
        readings = {joined}
    found = set()
    for reading in readings:
        try:
            found.add(abs(Decimal(reading)).normalize())
        except InvalidOperation:
            continue
    return found


def numbers_in(text: str) -> set[Decimal]:
    """Every value the numbers of ``text`` can be read as, unsigned and normalised."""
    values: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        values |= _values(match.group())
    return values


def names_in(text: str) -> list[str]:
    """The words of ``text`` that stand for names: those with a capital letter, less common words
    (an opening ``The``, ``Les``, a month, ``VMCloud``)."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group().strip("'’-")
        if word and any(c.isupper() for c in word) and fold(word) not in COMMON_WORDS:
            found.append(word)
    return found


def _flatten(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _flatten(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield str(value)


@dataclass(frozen=True)
class Evidence:
    """What the events say, ready for checking: their folded text and their numbers."""

    text: str
    numbers: frozenset[Decimal]

    @classmethod
    def of(cls, events: Sequence[Mapping[str, Any]]) -> Evidence:
        raw = " \n ".join(_flatten(list(events)))
        return cls(fold(raw).replace("_", " "), frozenset(numbers_in(raw)))

    def problems(self, summary: str) -> list[str]:
        """Why ``summary`` is not grounded in the events (empty: it is)."""
        why = []
        for match in _NUMBER.finditer(summary):
            if not _values(match.group()) & self.numbers:
                why.append(f"number {match.group().strip()!r} is not in the events")
        for name in names_in(summary):
            folded = fold(name)
            if folded not in self.text and folded.rstrip("s") not in self.text:
                why.append(f"name {name!r} is not in the events")
        return why


def summarise(events: Sequence[Mapping[str, Any]], model: Model | None) -> Summary | None:
    """A checked French and English summary of ``events``; None without a model, events or a faithful answer."""
    if model is None or not events:
        return None
    sent = list(events[:MAX_EVENTS])
    user = orjson.dumps(sent, default=str).decode()
    try:
        answer = model.complete_json(Summary, SYSTEM, user, purpose=PURPOSE)
    except VeilleError as exc:
        log.warning("summary: no summary, the model gave none: %s", exc)
        return None
    evidence = Evidence.of(sent)
    problems = [f"{lang}: {why}" for lang in ("fr", "en") for why in evidence.problems(getattr(answer, lang))]
    if not all(getattr(answer, lang).strip() for lang in ("fr", "en")):
        problems.append("an empty text")
    if problems:
        log.warning("summary: dropped, not grounded in the events: %s", "; ".join(problems))
        return None
    return answer
