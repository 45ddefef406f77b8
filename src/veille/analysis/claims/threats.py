"""The threat scenarios' probabilities against their signals (docs/claims.md#threat-scenarios).

A scenario is recognised by its words (title and scenario, French and English): a price war, a
hyperscaler moving down-market, market consolidation, a competitor copying our positioning. Its
stated probability is the highest of its aspects'; the signals of the last ``WINDOW_DAYS`` give a
level (low, medium, high) by the thresholds below; equal holds, one level apart is weakened, two is
contradicted, with a proposal that brings the scenario's probability to the observed level.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from veille.analysis.claims import ours
from veille.analysis.claims.model import Check, Claim, both, decimal_text, median
from veille.kb.schema import KnowledgeBase, ThreatScenario
from veille.kb.types import Level
from veille.store.models import EventRow, OfferVersion, SourceRun

SELF = "vmcloud"
WINDOW_DAYS = 90
LEVELS = ("low", "medium", "high")
LEVEL_WORDS = {"low": ("faible", "low"), "medium": ("moyenne", "medium"), "high": ("élevée", "high")}
# scenario -> words of its title or scenario (folded); the first scenario that matches is the one
SCENARIOS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("price_war", ("guerre des prix", "price war", "casse", "cuts prices", "price cuts")),
    ("hyperscaler", ("hyperscaler", "down-market", "descend en gamme")),
    ("consolidation", ("consolidation", "rachete", "rachat", "buys", "acquisition", "merger", "fusion")),
    ("copycat", ("copie", "copies", "copy", "copying")),
)
# price war: distinct offers cut (competitor, sku) -> level; a median cut this deep raises it one level
PRICE_WAR_MEDIUM, PRICE_WAR_HIGH = 2, 6
PRICE_WAR_DEEP_PCT = Decimal(20)
# hyperscaler: their new offers at or below this monthly EUR price (the low end of the VPS market)
LOW_END_EUR = Decimal(20)
HYPERSCALER_MEDIUM, HYPERSCALER_HIGH = 1, 3
# consolidation: one acquisition is high; funding rounds (funding, debt, IPO): 1-2 medium, 3+ high
ROUNDS_HIGH = 3
# copying our positioning: competitors' moves on our differentiators' themes
COPY_MEDIUM, COPY_HIGH = 2, 5
MAX_EVIDENCE = 10


def scenario_of(threat: ThreatScenario) -> str | None:
    """Which signalled scenario ``threat`` is, or None."""
    text = ours.fold(" ".join([threat.title.fr, threat.title.en, threat.scenario.fr, threat.scenario.en]))
    for scenario, words in SCENARIOS:
        if any(re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) for word in words):
            return scenario
    return None


def stated(threat: ThreatScenario) -> str | None:
    """The scenario's probability as the analysis states it: the highest of its aspects'."""
    found = [a.probability for a in threat.aspects if a.probability in LEVELS]
    return max(found, key=LEVELS.index) if found else None


def claims(kb: KnowledgeBase) -> list[Claim]:
    """One claim per threat scenario that has signals and a stated probability."""
    out = []
    for threat in kb.threats:
        scenario, level = scenario_of(threat), stated(threat)
        if scenario is None or level is None:
            continue
        fr, en = LEVEL_WORDS[level]
        title = threat.title
        out.append(
            Claim(
                id=f"threat:{threat.id}",
                kind="threat_probability",
                section="threats",
                competitor=SELF,
                text=both(f"{title.get('fr')} — probabilité {fr}", f"{title.get('en')} — {en} probability"),
                expected={"threat": threat.id, "scenario": scenario, "probability": level},
                name="VMCloud",
            )
        )
    return out


@dataclass
class Signals:
    """What the threat claims read, once per check."""

    cuts: list[dict[str, Any]] = field(default_factory=list)
    hyperscalers: list[str] = field(default_factory=list)
    hyperscalers_watched: bool = False
    hyperscaler_names: list[str] = field(default_factory=list)  # as people write them, for the reasons
    low_end: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    days_watched: int = 0  # days since the first collection, capped at WINDOW_DAYS


SIGNAL_EVENTS = ("price_change", "offer_added", "funding", *ours.MOVE_KINDS)
_CACHE: dict[tuple[Any, ...], Signals] = {}
_CACHE_LOCK = threading.Lock()


def load(session: Session, now: datetime, kb: KnowledgeBase, wanted: set[str]) -> Signals:
    """The signals of the scenarios in ``wanted`` over the last ``WINDOW_DAYS`` before ``now``.

    Kept per process while the events of the window, the days watched and what the analysis asks for
    are the same (one indexed count tells): the watch checks after every collection, and most add none.
    """
    if not wanted:
        return Signals()
    since = now - timedelta(days=WINDOW_DAYS)
    first = session.scalar(
        select(func.min(SourceRun.started_at)).where(SourceRun.status.in_(("ok", "suspect")))
    )
    days = min(WINDOW_DAYS, (now - _aware(first, now)).days) if first is not None else 0
    differentiators = [d.model_dump() for d in kb.differentiators]
    themes = tuple(ours.our_themes(differentiators, kb.moat.model_dump()))
    hyperscalers = tuple(kb.hyperscalers.competitors)
    key = (
        str(session.get_bind().engine.url),
        tuple(sorted(wanted)),
        days,
        themes,
        hyperscalers,
        _watched(session, list(hyperscalers)),
        *_fingerprint(session, since, now),
    )
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    out = _read(session, since, now, wanted, themes, hyperscalers)
    names = {c.id: c.name for c in kb.competitors}
    out.hyperscaler_names = [names.get(h, h) for h in out.hyperscalers]
    out.days_watched = days
    with _CACHE_LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = out
    return out


def _fingerprint(session: Session, since: datetime, now: datetime) -> tuple[Any, ...]:
    """(count, first id, last id, sum of ids) of the events the signals read, in the window."""
    ids = EventRow.id
    query = select(func.count(), func.min(ids), func.max(ids), func.sum(ids)).where(
        EventRow.kind.in_(SIGNAL_EVENTS), *_window(since, now)
    )
    row = session.execute(query).one()
    return tuple(row)


def _read(
    session: Session,
    since: datetime,
    now: datetime,
    wanted: set[str],
    themes: tuple[str, ...],
    hyperscalers: tuple[str, ...],
) -> Signals:
    out = Signals()
    if "price_war" in wanted:
        out.cuts = _cuts(session, since, now)
    if "hyperscaler" in wanted:
        out.hyperscalers = list(hyperscalers)
        out.hyperscalers_watched = _watched(session, out.hyperscalers)
        if out.hyperscalers_watched:  # otherwise the claim cannot be checked: nothing to read
            out.low_end = _low_end(session, since, now, out.hyperscalers)
    if "consolidation" in wanted:
        out.deals = _events(session, ("funding",), since, now)
    if "copycat" in wanted:
        out.moves = ours.moves(session, now, list(themes), days=WINDOW_DAYS, limit=200)
    return out


def _aware(when: datetime, now: datetime) -> datetime:
    return when.replace(tzinfo=now.tzinfo) if when.tzinfo is None and now.tzinfo is not None else when


def _window(since: datetime, now: datetime) -> list[Any]:
    return [EventRow.detected_at >= since, EventRow.detected_at <= now]


def _cuts(session: Session, since: datetime, now: datetime) -> list[dict[str, Any]]:
    """Competitors' price cuts: per (competitor, sku), the deepest cut in the window (percent)."""
    pct = cast(EventRow.data["pct_change"].as_string(), Float)
    sku = EventRow.data["offer"]["sku"].as_string()
    query = (
        select(EventRow.competitor, sku.label("sku"), func.min(pct).label("pct"), func.max(EventRow.id))
        .where(EventRow.kind == "price_change", EventRow.competitor != SELF, pct < 0, *_window(since, now))
        .group_by(EventRow.competitor, sku)
        .order_by(EventRow.competitor, sku)
    )
    return [
        {"type": "price_cut", "competitor": c, "sku": s, "pct": _pct(p), "event_id": i}
        for c, s, p, i in session.execute(query)
    ]


def _pct(value: Any) -> str:
    try:
        return format(Decimal(str(value)).quantize(Decimal("0.1")), "f")
    except InvalidOperation:
        return "0"


def _watched(session: Session, competitors: list[str]) -> bool:
    if not competitors:
        return False
    query = select(OfferVersion.id).where(OfferVersion.competitor.in_(competitors)).limit(1)
    return session.execute(query).first() is not None


def _low_end(
    session: Session, since: datetime, now: datetime, competitors: list[str]
) -> list[dict[str, Any]]:
    """The hyperscalers' new offers (``offer_added``) at or below ``LOW_END_EUR`` a month."""
    if not competitors:
        return []
    eur = cast(EventRow.data["offer"]["monthly_eur"].as_string(), Float)
    query = (
        select(*_COLUMNS)
        .where(
            EventRow.kind == "offer_added",
            EventRow.competitor.in_(competitors),
            eur <= float(LOW_END_EUR),
            *_window(since, now),
        )
        .order_by(EventRow.id)
    )
    return [_event(e) for e in session.execute(query)]


def _events(session: Session, kinds: tuple[str, ...], since: datetime, now: datetime) -> list[dict[str, Any]]:
    query = (
        select(*_COLUMNS)
        .where(EventRow.kind.in_(kinds), EventRow.competitor != SELF, *_window(since, now))
        .order_by(EventRow.id)
    )
    return [_event(e) for e in session.execute(query)]


_COLUMNS = (
    EventRow.id,
    EventRow.kind,
    EventRow.competitor,
    EventRow.title,
    EventRow.url,
    EventRow.detected_at,
    EventRow.data["kind"].as_string().label("deal"),
    EventRow.data["offer"]["sku"].as_string().label("sku"),
    EventRow.data["offer"]["monthly_eur"].as_string().label("monthly_eur"),
)


def _event(row: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "id": row.id,
        "kind": row.kind,
        "competitor": row.competitor,
        "title": row.title,
        "url": row.url,
        "detected_at": row.detected_at.isoformat(),
        "deal": row.deal,
        "sku": row.sku,
        "monthly_eur": row.monthly_eur,
    }


def inputs(claim: Claim, signals: Signals) -> dict[str, Any]:
    scenario = claim.expected["scenario"]
    data: dict[str, Any] = {"days": signals.days_watched}
    if scenario == "price_war":
        data["cuts"] = signals.cuts
    elif scenario == "hyperscaler":
        data.update(
            watched=signals.hyperscalers_watched,
            offers=signals.low_end,
            who=signals.hyperscaler_names or signals.hyperscalers,
        )
    elif scenario == "consolidation":
        data["deals"] = signals.deals
    else:
        data["moves"] = signals.moves
    return data


def judge(claim: Claim, data: dict[str, Any]) -> Check:
    scenario = claim.expected["scenario"]
    if scenario == "hyperscaler" and not data["watched"]:
        who = ", ".join(data["who"]) or "—"
        return Check(
            "unverifiable",
            both(
                f"aucune offre des hyperscalers ({who}) n'est relevée",
                f"no offer of the hyperscalers ({who}) is collected",
            ),
        )
    level, reason, evidence = _LEVEL[scenario](data)
    expected = claim.expected["probability"]
    gap = abs(LEVELS.index(level) - LEVELS.index(expected))
    fr, en = LEVEL_WORDS[level]
    reason = both(f"{reason['fr']} : niveau {fr}", f"{reason['en']}: {en} level")
    evidence = evidence[:MAX_EVIDENCE]
    if gap == 0:
        return Check("holds", reason, evidence)
    if LEVELS.index(level) < LEVELS.index(expected) and data["days"] < WINDOW_DAYS:
        days = data["days"]  # too early to say the signals are fewer than the analysis expects
        reason = both(
            f"{reason['fr']} (sur {days} jours de relevés)", f"{reason['en']} (over {days} days of data)"
        )
        return Check("weakened", reason, evidence)
    if gap == 1:
        return Check("weakened", reason, evidence)
    return Check("contradicted", reason, evidence, _proposal(claim, level))


def _proposal(claim: Claim, level: str) -> dict[str, Any]:
    fr, en = LEVEL_WORDS[level]
    title = claim.text
    return {
        "action": "set_probability",
        "competitor": claim.competitor,
        "threat": claim.expected["threat"],
        "probability": level,
        "text": both(
            f"Probabilité de « {title['fr'].split(' — ')[0]} » : {fr}",
            f'Probability of "{title["en"].split(" — ")[0]}": {en}',
        ),
    }


def _price_war(data: dict[str, Any]) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    cuts = data["cuts"]
    count = len(cuts)
    depth = median([-Decimal(c["pct"]) for c in cuts]) or Decimal(0)
    level = "high" if count >= PRICE_WAR_HIGH else "medium" if count >= PRICE_WAR_MEDIUM else "low"
    if count and depth >= PRICE_WAR_DEEP_PCT and level != "high":
        level = LEVELS[LEVELS.index(level) + 1]
    shown = format(depth.quantize(Decimal("0.1")), "f")
    reason = both(
        f"{count} baisse(s) de prix de concurrents en {WINDOW_DAYS} jours (médiane {decimal_text(shown, 'fr')} %)",
        f"{count} competitor price cut(s) in {WINDOW_DAYS} days (median {shown}%)",
    )
    return level, reason, sorted(cuts, key=lambda c: Decimal(c["pct"]))


def _hyperscaler(data: dict[str, Any]) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    offers = data["offers"]
    count = len({(o["competitor"], o["sku"]) for o in offers})
    level = "high" if count >= HYPERSCALER_HIGH else "medium" if count >= HYPERSCALER_MEDIUM else "low"
    reason = both(
        f"{count} nouvelle(s) offre(s) d'hyperscaler à {LOW_END_EUR} € par mois ou moins en {WINDOW_DAYS} jours",
        f"{count} new hyperscaler offer(s) at {LOW_END_EUR} EUR a month or less in {WINDOW_DAYS} days",
    )
    return level, reason, offers


def _consolidation(data: dict[str, Any]) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    deals = data["deals"]
    buys = [d for d in deals if d["deal"] == "acquisition"]
    rounds = len(deals) - len(buys)
    level = "high" if buys or rounds >= ROUNDS_HIGH else "medium" if rounds else "low"
    reason = both(
        f"{len(buys)} acquisition(s) et {rounds} levée(s) de fonds en {WINDOW_DAYS} jours",
        f"{len(buys)} acquisition(s) and {rounds} funding round(s) in {WINDOW_DAYS} days",
    )
    return level, reason, buys + [d for d in deals if d["deal"] != "acquisition"]


def _copycat(data: dict[str, Any]) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    moves = data["moves"]
    count = len(moves)
    level = "high" if count >= COPY_HIGH else "medium" if count >= COPY_MEDIUM else "low"
    reason = both(
        f"{count} annonce(s) de concurrents sur nos différenciateurs en {WINDOW_DAYS} jours",
        f"{count} competitor announcement(s) on our differentiators in {WINDOW_DAYS} days",
    )
    return level, reason, [{"type": "event", **m} for m in moves]


_LEVEL = {
    "price_war": _price_war,
    "hyperscaler": _hyperscaler,
    "consolidation": _consolidation,
    "copycat": _copycat,
}


def cast_level(level: str) -> Level:
    """``level`` as the knowledge base's probability type (it is one of ``LEVELS``)."""
    return "high" if level == "high" else "medium" if level == "medium" else "low"


def apply_probability(kb: KnowledgeBase, threat_id: str, level: str) -> KnowledgeBase:
    """``kb`` with the scenario's probability brought to ``level``: aspects above it come down to it;
    if none reaches it, the highest aspect goes up to it."""
    if level not in LEVELS:
        raise ValueError(f"unknown probability {level!r}")
    new = kb.model_copy(deep=True)
    threat = next((t for t in new.threats if t.id == threat_id), None)
    if threat is None:
        raise KeyError(threat_id)
    value = cast_level(level)
    rank = LEVELS.index(level)
    for aspect in threat.aspects:
        if aspect.probability in LEVELS and LEVELS.index(aspect.probability) > rank:
            aspect.probability = value
    if threat.aspects and stated(threat) != level:
        top = max(
            threat.aspects, key=lambda a: LEVELS.index(a.probability) if a.probability in LEVELS else -1
        )
        top.probability = value
    return KnowledgeBase.model_validate(new.model_dump())
