"""Alert rules: which events go to which channels, at once or in a digest.

A rule matches on event kind, competitor, importance and a few thresholds kept in ``conditions``:

- ``min_change_pct``: ``|data.pct_change|`` (or ``data.pct``) of a price change at least this many percent;
- ``min_impact``: an incident's ``data.impact`` at least this (``minor`` < ``major`` < ``critical``);
- ``min_consecutive_failures``: a source failure that has failed at least N runs in a row, unless
  ``data.reason`` is one of ``or_reasons`` (a changed shape or a held snapshot alerts at once).

The default rules come from the seed's table "Ce qu'on surveille" (section 10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.events import EVENT_KINDS, IMPORTANCE
from veille.store.models import AlertRule, Channel, EventRow, Setting

IMPACT_ORDER = ("none", "maintenance", "minor", "major", "critical")
MODES = ("immediate", "daily", "weekly", "monthly")
CONDITION_KEYS = ("min_change_pct", "min_impact", "min_consecutive_failures", "or_reasons")
DEFAULTS_FLAG = "act.defaults_seeded"


@dataclass(frozen=True)
class RuleSpec:
    """One rule as plain data (what ``veille alerts rules add`` builds and the defaults list)."""

    name: str
    kinds: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    min_importance: str = "low"
    conditions: Mapping[str, Any] = field(default_factory=dict)
    channels: tuple[str, ...] = ("file",)
    mode: str = "immediate"

    def validate(self) -> None:
        """Raise ``ValidationError`` on an unknown kind, importance, mode or condition."""
        unknown = [k for k in self.kinds if k not in EVENT_KINDS]
        if unknown:
            raise ValidationError(
                f"unknown event kind(s) {', '.join(unknown)}; known: {', '.join(EVENT_KINDS)}"
            )
        if self.min_importance not in IMPORTANCE:
            raise ValidationError(f"importance must be one of {', '.join(IMPORTANCE)}")
        if self.mode not in MODES:
            raise ValidationError(f"mode must be one of {', '.join(MODES)}")
        bad = [k for k in self.conditions if k not in CONDITION_KEYS]
        if bad:
            raise ValidationError(
                f"unknown condition(s) {', '.join(bad)}; known: {', '.join(CONDITION_KEYS)}"
            )
        if "min_impact" in self.conditions and self.conditions["min_impact"] not in IMPACT_ORDER:
            raise ValidationError(f"min_impact must be one of {', '.join(IMPACT_ORDER)}")
        if "min_change_pct" in self.conditions:
            _decimal(self.conditions["min_change_pct"], "min_change_pct")
        if not self.channels:
            raise ValidationError("a rule needs at least one channel")


# The seed's "Ce qu'on surveille" table as rules. ``ops`` carries source health.
DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("prices", kinds=("price_change",), conditions={"min_change_pct": "5"}, channels=("file",)),
    RuleSpec("offers", kinds=("offer_added", "offer_removed"), channels=("file",), mode="monthly"),
    RuleSpec("incidents-major", kinds=("incident", "incident_escalated"), conditions={"min_impact": "major"}),
    RuleSpec("funding", kinds=("funding",), channels=("file",)),
    RuleSpec("features", kinds=("feature",), channels=("file",), mode="monthly"),
    RuleSpec("hiring", kinds=("hiring",), channels=("file",), mode="monthly"),
    RuleSpec(
        "source-health",
        kinds=("source_failure",),
        conditions={"min_consecutive_failures": 3, "or_reasons": ["shape", "suspect"]},
        channels=("ops",),
    ),
    RuleSpec("price-review", kinds=("price_review",), channels=("ops",)),
)
DEFAULT_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("file", "file", "alerts.jsonl"),
    ("ops", "file", "alerts.jsonl"),
)


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} must be a number, not {value!r}") from None


def _rank(order: Sequence[str], value: Any) -> int:
    try:
        return order.index(str(value).lower())
    except ValueError:
        return -1


def matches(rule: AlertRule | RuleSpec, event: EventRow) -> bool:
    """Whether ``event`` satisfies every part of ``rule``."""
    if rule.kinds and event.kind not in rule.kinds:
        return False
    if rule.competitors and event.competitor not in rule.competitors:
        return False
    if _rank(IMPORTANCE, event.importance) < _rank(IMPORTANCE, rule.min_importance or "low"):
        return False
    return conditions_hold(rule.conditions or {}, event.data or {})


def conditions_hold(conditions: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Check the thresholds of ``conditions`` against an event's ``data``."""
    if "min_change_pct" in conditions:
        raw = data.get("pct", data.get("pct_change"))  # the price detector writes pct_change
        if raw is None:
            return False
        try:
            pct = abs(Decimal(str(raw)))
        except InvalidOperation:
            return False
        if pct < _decimal(conditions["min_change_pct"], "min_change_pct"):
            return False
    if "min_impact" in conditions:
        wanted = _rank(IMPACT_ORDER, conditions["min_impact"])
        if _rank(IMPACT_ORDER, data.get("impact", "none")) < wanted:
            return False
    if "min_consecutive_failures" in conditions:
        reasons = conditions.get("or_reasons") or ()
        if failure_reason(data) not in reasons:
            failures = data.get("consecutive_failures")
            if not isinstance(failures, int) or failures < int(conditions["min_consecutive_failures"]):
                return False
    return True


def failure_reason(data: Mapping[str, Any]) -> str | None:
    """Why a source failed, in the words rules use: ``shape`` when its parser no longer understands it."""
    reason = data.get("reason")
    if reason:
        return str(reason)
    if data.get("error_class") == "ParseError":
        return "shape"
    if data.get("error_class") == "FetchError":
        return "fetch"
    return None


def ensure_defaults(session: Session) -> bool:
    """Create the default rules and channels once per workspace. Returns True when it created them.

    A flag in ``settings_kv`` remembers it was done, so rules a person removed stay removed.
    """
    if session.get(Setting, DEFAULTS_FLAG) is not None:
        return False
    existing_channels = set(session.scalars(select(Channel.name)))
    for name, kind, target in DEFAULT_CHANNELS:
        if name not in existing_channels:
            session.add(Channel(name=name, kind=kind, target=target))
    existing_rules = set(session.scalars(select(AlertRule.name)))
    for spec in DEFAULT_RULES:
        if spec.name not in existing_rules:
            session.add(_row(spec))
    session.add(Setting(key=DEFAULTS_FLAG, value={"rules": [r.name for r in DEFAULT_RULES]}))
    session.flush()
    return True


def _row(spec: RuleSpec) -> AlertRule:
    return AlertRule(
        name=spec.name,
        kinds=list(spec.kinds),
        competitors=list(spec.competitors),
        min_importance=spec.min_importance,
        conditions=dict(spec.conditions),
        channels=list(spec.channels),
        mode=spec.mode,
        enabled=True,
    )


def add_rule(session: Session, spec: RuleSpec) -> AlertRule:
    """Add or replace the rule named ``spec.name``; its channels must exist."""
    spec.validate()
    known = set(session.scalars(select(Channel.name)))
    missing = [c for c in spec.channels if c not in known]
    if missing:
        raise NotFoundError(f"no channel {', '.join(missing)}; `veille alerts channels add` creates one")
    row = session.scalars(select(AlertRule).where(AlertRule.name == spec.name)).first()
    if row is not None:
        session.delete(row)
        session.flush()
    row = _row(spec)
    session.add(row)
    session.flush()
    return row


def remove_rule(session: Session, name: str) -> None:
    row = session.scalars(select(AlertRule).where(AlertRule.name == name)).first()
    if row is None:
        raise NotFoundError(f"no alert rule {name!r}; `veille alerts rules list` lists them")
    session.delete(row)


_ENABLED_RULES = (
    select(*AlertRule.__table__.c).where(AlertRule.enabled.is_(True)).order_by(AlertRule.name)
)  # built once: a watch routes events many times a cycle


def enabled_rules(session: Session) -> list[Any]:
    """The enabled rules, as read-only rows (the ``AlertRule`` columns as attributes), by name."""
    return list(session.connection().execute(_ENABLED_RULES))  # Core rows: no ORM layer needed


def matching(rules: Iterable[AlertRule], event: EventRow) -> list[AlertRule]:
    """The rules ``event`` satisfies. Held or dismissed events alert nobody."""
    if event.status in ("held", "dismissed"):
        return []
    return [r for r in rules if matches(r, event)]
