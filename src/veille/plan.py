"""The watch plan: for each element of the seed's table, how often its sources run and what a change triggers.

Every source kind belongs to one plan element. A source's cadence is, first found:

1. its own override (``veille plan set --source ID``, kept in ``source_state.cadence_seconds``);
2. its competitor's override (``--competitor ID``), then its kind's (``--kind KIND``), both kept in
   ``settings_kv`` under ``watch.plan``;
3. the element's default from the seed (prices hourly, status pages every 2 minutes, product feeds,
   hiring daily, funding news hourly, reviews weekly...), or the source's own declared cadence when
   that is slower (a provider that publishes daily is not polled hourly).

Overrides are floored at the element's minimum (5 minutes for prices: "down to 5 minutes where a
provider allows it"). The knowledge base's "what we watch" rows (``watch_items``) give each element
its report rhythm (immediate, monthly digest...) and the action a change calls for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.sources import SourceSpec
from veille.store.models import Setting as SettingRow
from veille.store.models import SourceState

OVERRIDES_KEY = "watch.plan"


@dataclass(frozen=True)
class Element:
    """One line of the watch plan."""

    id: str
    label_fr: str
    label_en: str
    kinds: tuple[str, ...]
    every: timedelta | None  # None: a manual review, no source runs it
    floor: timedelta
    report: str  # immediate, daily, weekly, monthly, quarterly, semiannual
    action_fr: str
    action_en: str

    def label(self, lang: str = "fr") -> str:
        return self.label_en if lang == "en" else self.label_fr

    def action(self, lang: str = "fr") -> str:
        return self.action_en if lang == "en" else self.action_fr


MIN = timedelta(minutes=1)
ELEMENTS: tuple[Element, ...] = (
    Element("prices", "Prix concurrents", "Competitor prices", ("prices", "availability"), timedelta(hours=1),
            timedelta(minutes=5), "immediate", "Ajuster si nécessaire", "Adjust if needed"),
    Element("fx", "Taux de change BCE", "ECB exchange rates", ("fx",), timedelta(days=1), timedelta(hours=1),
            "none", "Convertir les prix en euros", "Convert prices to euros"),
    Element("incidents", "Incidents concurrents", "Competitor incidents", ("incidents", "maintenance"),
            timedelta(minutes=2), MIN, "immediate", "Opportunité communication", "Communication opportunity"),
    Element("features", "Nouvelles features", "New features", ("changelog", "products", "features"),
            timedelta(days=1), timedelta(minutes=15), "monthly", "Évaluer pour roadmap", "Evaluate for the roadmap"),
    Element("hiring", "Recrutements", "Hiring", ("jobs",), timedelta(days=1), timedelta(minutes=15), "monthly",
            "Anticiper leur stratégie", "Anticipate their strategy"),
    Element("funding", "Levées de fonds", "Funding rounds", ("funding", "filings", "news"), timedelta(hours=1),
            timedelta(minutes=5), "immediate", "Adapter notre positionnement", "Adapt our positioning"),
    Element("mentions", "Mentions (Hacker News, Reddit...)", "Mentions (Hacker News, Reddit...)", ("mentions",),
            timedelta(hours=1), timedelta(minutes=5), "daily", "Écouter et répondre", "Listen and respond"),
    Element("reviews", "Avis clients", "Customer reviews", ("reviews",), timedelta(weeks=1), timedelta(hours=1),
            "weekly", "Analyser les avis", "Analyse the reviews"),
    Element("strategy", "Stratégie", "Strategy", (), timedelta(days=91), timedelta(days=1), "quarterly",
            "Revue trimestrielle des offres", "Quarterly review of the offers"),
    Element("deep_analysis", "Analyse profonde", "Deep analysis", (), timedelta(days=182), timedelta(days=1),
            "semiannual", "Réécrire l'analyse", "Rewrite the analysis"),
)  # fmt: skip
_BY_ID = {e.id: e for e in ELEMENTS}
_BY_KIND = {k: e for e in ELEMENTS for k in e.kinds}
OTHER = Element("other", "Autres sources", "Other sources", (), None, MIN, "immediate", "", "")

# How the knowledge base's watch rows name the elements (French seed, English export).
_ELEMENT_WORDS = (
    ("prices", ("prix", "price", "pricing", "tarif")),
    ("features", ("feature", "fonctionnalit", "produit", "product", "changelog")),
    ("incidents", ("incident", "panne", "outage", "status")),
    ("hiring", ("recrut", "hiring", "job", "emploi")),
    ("funding", ("levée", "levee", "fund", "financement", "raise")),
    ("reviews", ("avis", "review", "rating")),
    ("strategy", ("stratég", "strateg")),
)
_FREQUENCY_WORDS = (
    ("immediate", ("temps réel", "temps reel", "real time", "real-time", "realtime", "immédiat", "immediat")),
    ("daily", ("quotidien", "daily", "jour")),
    ("weekly", ("hebdo", "weekly", "semaine")),
    ("monthly", ("mensuel", "monthly", "mois")),
    ("quarterly", ("trimestr", "quarter")),
    ("semiannual", ("semestr", "semiannual", "six mois", "half")),
)


def element_of(kind: str) -> Element:
    """The plan element a source kind belongs to."""
    return _BY_KIND.get(kind, OTHER)


def element(element_id: str) -> Element:
    try:
        return _BY_ID[element_id]
    except KeyError:
        raise NotFoundError(f"no plan element {element_id!r}; known: {', '.join(_BY_ID)}") from None


_DURATION = re.compile(r"(\d+)\s*(w|d|h|m|min|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


def parse_every(text: str) -> timedelta:
    """``2h``, ``30m``, ``1d12h``, ``90s``, ``1w`` -> a timedelta."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ValidationError(f"cannot read the interval {text!r}: write it like 5m, 2h, 1d or 1w")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValidationError("the interval must be longer than zero")
    return timedelta(seconds=seconds)


def format_every(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = int(delta.total_seconds())
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0s"


# --- overrides ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overrides:
    sources: Mapping[str, int]
    competitors: Mapping[str, int]
    kinds: Mapping[str, int]


def load_overrides(session: Session) -> Overrides:
    row = session.get(SettingRow, OVERRIDES_KEY)
    value: dict[str, Any] = row.value if row is not None else {}
    sources = {
        s.source_id: int(s.cadence_seconds)
        for s in session.scalars(select(SourceState).where(SourceState.cadence_seconds.is_not(None)))
        if s.cadence_seconds
    }
    return Overrides(sources, dict(value.get("competitors", {})), dict(value.get("kinds", {})))


def set_override(session: Session, *, scope: str, key: str, every: timedelta | None) -> None:
    """Set (or clear, with ``every=None``) the cadence of one source, competitor or kind."""
    seconds = int(every.total_seconds()) if every is not None else None
    if scope == "source":
        state = session.get(SourceState, key)
        if state is None:
            state = SourceState(source_id=key, consecutive_failures=0)
            session.add(state)
        state.cadence_seconds = seconds
        return
    if scope not in ("competitor", "kind"):
        raise ValidationError(f"unknown scope {scope!r}")
    row = session.get(SettingRow, OVERRIDES_KEY)
    value: dict[str, Any] = {"competitors": {}, "kinds": {}, **(dict(row.value) if row is not None else {})}
    table = dict(value.get(scope + "s", {}))
    if seconds is None:
        table.pop(key, None)
    else:
        table[key] = seconds
    value[scope + "s"] = table
    if row is None:
        session.add(SettingRow(key=OVERRIDES_KEY, value=value))
    else:
        row.value = value


# --- effective cadence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    every: timedelta
    origin: str  # source, competitor, kind, plan, source-default


def cadence(spec: SourceSpec, overrides: Overrides) -> Cadence:
    """How often ``spec`` runs, and which rule decided it (see the module docstring)."""
    elem = element_of(spec.kind)
    for origin, table, key in (
        ("source", overrides.sources, spec.id),
        ("competitor", overrides.competitors, spec.competitor or ""),
        ("kind", overrides.kinds, spec.kind),
    ):
        if key in table:
            return Cadence(max(timedelta(seconds=table[key]), elem.floor), origin)
    if elem.every is None or spec.cadence >= elem.every:
        return Cadence(spec.cadence, "source-default")
    return Cadence(elem.every, "plan")


# --- the knowledge base's rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """An element with what the knowledge base says about it (report rhythm, action)."""

    element: Element
    report: str
    action_fr: str
    action_en: str
    from_kb: bool


def _match(text: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    low = text.lower()
    return next((key for key, words in table if any(w in low for w in words)), None)


def _text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("fr") or "")
    getter = getattr(value, "get", None)
    return str(getter(lang)) if callable(getter) else str(value)


def plan_rows(watch_items: Iterable[Any] = ()) -> list[PlanRow]:
    """Every element, with the knowledge base's rhythm and action where a watch item names it."""
    from_kb: dict[str, PlanRow] = {}
    for item in watch_items:
        get = item.get if isinstance(item, Mapping) else lambda k, _i=item: getattr(_i, k, None)
        words = " ".join(_text(get(k), lang) for k in ("id", "element") for lang in ("fr", "en"))
        elem_id = _match(words, _ELEMENT_WORDS)
        if elem_id is None or elem_id in from_kb:
            continue
        cadence_word = get("cadence") or ""
        freq = " ".join([str(cadence_word), _text(get("frequency"), "fr"), _text(get("frequency"), "en")])
        report = _match(freq, _FREQUENCY_WORDS) or _BY_ID[elem_id].report
        from_kb[elem_id] = PlanRow(
            _BY_ID[elem_id],
            report,
            _text(get("action"), "fr") or _BY_ID[elem_id].action_fr,
            _text(get("action"), "en") or _BY_ID[elem_id].action_en,
            True,
        )
    return [from_kb.get(e.id) or PlanRow(e, e.report, e.action_fr, e.action_en, False) for e in ELEMENTS]


def kb_watch_items(session: Session) -> list[Any]:
    """The knowledge base's "what we watch" rows."""
    from veille.act.profiles import current_kb

    return list(current_kb(session).watch_items)
