"""Alert rules: which events go to which channels, at once or in a digest.

A rule matches on event kind, competitor, importance and a few thresholds kept in ``conditions``
(``Conditions``, every key optional, any other refused):

- ``min_change_pct``: ``|data.pct_change|`` (or ``data.pct``) of a price change at least this many percent;
- ``min_impact``: an incident's ``data.impact`` at least this (``minor`` < ``major`` < ``critical``);
- ``min_consecutive_failures``: a source failure that has failed at least N runs in a row, unless
  ``data.reason`` is one of ``or_reasons`` (a changed shape or a held snapshot alerts at once).

``RuleInput`` is the one schema of a rule: the command line, the dashboard and the API validate what
they are given through ``validate_rule`` (the channels must exist; kinds and competitors must be
known). A stored rule that still cannot be read or evaluated (bad data written before) is skipped
when events are routed, its error logged and kept in ``alert_rules.last_error``: a rule never fails
the run that stores the data.

The default rules come from the seed's table "Ce qu'on surveille" (section 10).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic import ValidationError as PydanticError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.events import EVENT_KINDS, IMPORTANCE
from veille.kb.ids import ID_PATTERN, competitor_ids, find_competitor
from veille.store.models import AlertRule, Channel, EventRow, Setting

log = logging.getLogger(__name__)

IMPACT_ORDER = ("none", "maintenance", "minor", "major", "critical")
MODES = ("immediate", "daily", "weekly", "monthly")
REASONS = ("shape", "fetch", "suspect")
CONDITION_KEYS = ("min_change_pct", "min_impact", "min_consecutive_failures", "or_reasons")
DEFAULTS_FLAG = "act.defaults_seeded"


class RuleError(ValidationError):
    """A rule that breaks its schema: ``errors`` name each field (``loc``) and what is wrong (``msg``)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'])) or 'rule'}: {e['msg']}" for e in errors))


def _kind(value: str) -> str:
    if value not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {value!r}; known: {', '.join(EVENT_KINDS)}")
    return value


def _competitor(value: str) -> str:
    found = find_competitor(value)
    if found is None:
        raise ValueError(f"unknown competitor {value!r}; known: {', '.join(competitor_ids())}")
    return found


def _mode(value: Any) -> Any:
    return "monthly" if value == "digest" else value  # the dashboard's former digest was monthly


Kind = Annotated[str, AfterValidator(_kind), WithJsonSchema({"type": "string", "enum": list(EVENT_KINDS)})]
CompetitorId = Annotated[
    str,
    Field(max_length=60),
    AfterValidator(_competitor),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": ID_PATTERN,
            "description": "a competitor id (`veille competitors list`)",
        }
    ),
]
Importance = Literal["low", "medium", "high"]
Impact = Literal["none", "maintenance", "minor", "major", "critical"]
Reason = Literal["shape", "fetch", "suspect"]
Mode = Annotated[Literal["immediate", "daily", "weekly", "monthly"], BeforeValidator(_mode)]


class Conditions(BaseModel):
    """A rule's thresholds; each is optional, every other key is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_change_pct: Decimal | None = Field(
        default=None, ge=0, le=100000, description="Price changes of at least this many percent, either way."
    )
    min_impact: Impact | None = Field(default=None, description="Incidents of at least this impact.")
    min_consecutive_failures: int | None = Field(
        default=None, ge=1, le=100000, description="Source failures at least this many runs in a row."
    )
    or_reasons: tuple[Reason, ...] | None = Field(
        default=None,
        max_length=len(REASONS),
        description="...or at once when the failure's reason is one of these.",
    )

    @field_validator("min_consecutive_failures", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        return value

    def stored(self) -> dict[str, Any]:
        """The JSON kept in ``alert_rules.conditions`` (a percentage as a decimal string)."""
        return self.model_dump(mode="json", exclude_none=True)

    def hold(self, data: Mapping[str, Any]) -> bool:
        """Whether an event's ``data`` meets every threshold."""
        if self.min_change_pct is not None and not _pct_at_least(data, self.min_change_pct):
            return False
        impact = self.min_impact
        if impact is not None and _rank(IMPACT_ORDER, data.get("impact", "none")) < IMPACT_ORDER.index(
            impact
        ):
            return False
        if self.min_consecutive_failures is not None and failure_reason(data) not in (self.or_reasons or ()):
            failures = data.get("consecutive_failures")
            if isinstance(failures, bool) or not isinstance(failures, int):
                return False
            return failures >= self.min_consecutive_failures
        return True


def _pct_at_least(data: Mapping[str, Any], threshold: Decimal) -> bool:
    raw = data.get("pct", data.get("pct_change"))  # the price detector writes pct_change
    if raw is None:
        return False
    try:
        pct = abs(Decimal(str(raw)))
    except (InvalidOperation, ValueError):
        return False
    return pct.is_finite() and pct >= threshold


class RuleInput(BaseModel):
    """An alert rule as people give it (command line, dashboard, API): the one schema of a rule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    kinds: list[Kind] = Field(default_factory=list, max_length=50, description="Event kinds; none: any.")
    competitors: list[CompetitorId] = Field(
        default_factory=list, max_length=50, description="Competitor ids (or names); none: any."
    )
    min_importance: Importance = "low"
    conditions: Conditions = Field(default_factory=Conditions)
    channels: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        default_factory=lambda: ["file"], min_length=1, max_length=20, description="Channel names."
    )
    mode: Mode = Field(default="immediate", description="immediate, or a daily, weekly or monthly digest.")
    enabled: bool = True

    @field_validator("channels")
    @classmethod
    def _channels_exist(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known: Collection[str] | None = (info.context or {}).get("channels")
        missing = [c for c in value if known is not None and c not in known]
        if missing and known is not None:
            raise ValueError(
                f"no channel {', '.join(missing)}; `veille alerts channels add` creates one"
                f" (known: {', '.join(sorted(known)) or 'none'})"
            )
        return value

    def columns(self) -> dict[str, Any]:
        """The ``AlertRule`` columns of this rule."""
        return {
            "name": self.name,
            "kinds": list(self.kinds),
            "competitors": list(self.competitors),
            "min_importance": self.min_importance,
            "conditions": self.conditions.stored(),
            "channels": list(self.channels),
            "mode": self.mode,
            "enabled": self.enabled,
            "last_error": None,
            "last_error_at": None,
        }


def _message(error: Mapping[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    if error.get("type") == "extra_forbidden":
        if loc[:1] == ["conditions"]:
            return f"unknown condition {loc[-1]}; known: {', '.join(CONDITION_KEYS)}"
        return f"unknown field {loc[-1]}"
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ")


def parse_rule(data: Mapping[str, Any], *, channels: Collection[str] | None = None) -> RuleInput:
    """``data`` as a ``RuleInput``, its channels checked against ``channels`` when given; else ``RuleError``."""
    try:
        return RuleInput.model_validate(dict(data), context={"channels": channels})
    except PydanticError as exc:
        raise RuleError([{"loc": list(e["loc"]), "msg": _message(e)} for e in exc.errors()]) from None


def known_channels(session: Session) -> set[str]:
    return set(session.scalars(select(Channel.name)))


def validate_rule(session: Session, data: Mapping[str, Any]) -> RuleInput:
    """``data`` as a rule of this workspace: its schema, and channels that exist."""
    return parse_rule(data, channels=known_channels(session))


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kinds": list(self.kinds),
            "competitors": list(self.competitors),
            "min_importance": self.min_importance,
            "conditions": dict(self.conditions),
            "channels": list(self.channels),
            "mode": self.mode,
        }

    def validate(self) -> RuleInput:
        """The rule checked against ``RuleInput`` (channels not looked up); ``RuleError`` when it breaks it."""
        return parse_rule(self.as_dict())


# The seed's "Ce qu'on surveille" table as rules. ``ops`` carries source health.
DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("prices", kinds=("price_change",), conditions={"min_change_pct": "5"}, channels=("file",)),
    RuleSpec("offers", kinds=("offer_added", "offer_removed"), channels=("file",), mode="monthly"),
    RuleSpec("incidents-major", kinds=("incident", "incident_escalated"), conditions={"min_impact": "major"}),
    RuleSpec("funding", kinds=("funding",), channels=("file",)),
    RuleSpec("features", kinds=("feature",), channels=("file",), mode="monthly"),
    RuleSpec("price-announcements", kinds=("price_announcement",), channels=("file",)),
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


def _rank(order: Sequence[str], value: Any) -> int:
    try:
        return order.index(str(value).lower())
    except ValueError:
        return -1


# --- evaluation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveRule:
    """A stored rule read and checked once, ready to match events."""

    id: int | None
    name: str
    kinds: frozenset[str]
    competitors: frozenset[str]
    min_rank: int
    conditions: Conditions
    channels: tuple[str, ...]
    mode: str
    last_error: str | None = None

    def matches(self, event: EventRow) -> bool:
        if self.kinds and event.kind not in self.kinds:
            return False
        if self.competitors and event.competitor not in self.competitors:
            return False
        if _rank(IMPORTANCE, event.importance) < self.min_rank:
            return False
        return self.conditions.hold(event.data or {})


@dataclass(frozen=True)
class BrokenRule:
    """A stored rule that does not meet its schema: skipped, its error reported."""

    id: int | None
    name: str
    error: str
    last_error: str | None = None


def compile_rule(rule: Any) -> LiveRule | BrokenRule:
    """A stored rule (an ``AlertRule``, a row of its columns or a ``RuleSpec``) as a ``LiveRule``, or
    a ``BrokenRule`` saying why it cannot be one."""
    if isinstance(rule, LiveRule | BrokenRule):
        return rule
    ident, last = getattr(rule, "id", None), getattr(rule, "last_error", None)
    name = str(getattr(rule, "name", "?"))
    try:
        data = {k: getattr(rule, k) for k in ("name", "kinds", "competitors", "min_importance", "channels")}
        data["conditions"] = rule.conditions or {}
        data["mode"] = rule.mode or "immediate"
        data["min_importance"] = data["min_importance"] or "low"
        spec = parse_rule(data)
    except Exception as exc:  # whatever was stored: the rule is reported, never raised
        return BrokenRule(ident, name, str(exc)[:1000], last)
    return LiveRule(
        ident,
        spec.name,
        frozenset(spec.kinds),
        frozenset(spec.competitors),
        IMPORTANCE.index(spec.min_importance),
        spec.conditions,
        tuple(spec.channels),
        spec.mode,
        last,
    )


def matches(rule: Any, event: EventRow) -> bool:
    """Whether ``event`` satisfies every part of ``rule`` (``RuleError`` if the rule is broken)."""
    live = compile_rule(rule)
    if isinstance(live, BrokenRule):
        raise ValidationError(f"rule {live.name}: {live.error}")
    return live.matches(event)


def conditions_hold(conditions: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Check the thresholds of ``conditions`` against an event's ``data``."""
    try:
        parsed = Conditions.model_validate(dict(conditions))
    except PydanticError as exc:
        raise RuleError(
            [{"loc": ["conditions", *e["loc"]], "msg": _message(e)} for e in exc.errors()]
        ) from None
    return parsed.hold(data)


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


@dataclass
class Routing:
    """The rules of one routing: the live ones, and the failures met (reported once each)."""

    rules: list[LiveRule]
    failed: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def fail(self, rule: LiveRule | BrokenRule, error: str) -> None:
        self.failed.setdefault(rule.name, (rule, error))


def prepare(rules: Iterable[Any]) -> Routing:
    """Compile ``rules``; broken ones are noted as failures and left out."""
    routing = Routing([])
    for rule in rules:
        live = compile_rule(rule)
        if isinstance(live, BrokenRule):
            routing.fail(live, live.error)
        else:
            routing.rules.append(live)
    return routing


def matching(rules: Iterable[Any], event: EventRow, routing: Routing | None = None) -> list[LiveRule]:
    """The rules ``event`` satisfies. Held or dismissed events alert nobody.

    A rule that fails on the event is left out (and noted in ``routing`` when given): it never fails
    the caller.
    """
    if event.status in ("held", "dismissed"):
        return []
    routing = routing if routing is not None else prepare(rules)
    out = []
    for rule in routing.rules:
        if rule.name in routing.failed:
            continue
        try:
            if rule.matches(event):
                out.append(rule)
        except Exception as exc:
            routing.fail(rule, f"{type(exc).__name__} on event {event.id}: {exc}"[:1000])
    return out


_RULE_ERROR = (
    update(AlertRule)
    .where(AlertRule.name == bindparam("rule_name"))
    .values(last_error=bindparam("error"), last_error_at=bindparam("at"))
)


def report_failures(session: Session, routing: Routing, now: datetime) -> None:
    """Log every rule that failed, and keep its error in ``alert_rules.last_error`` (if it changed)."""
    for name, (rule, error) in routing.failed.items():
        log.warning("alert rule %s skipped: %s", name, error)
        if rule.last_error != error:
            session.connection().execute(_RULE_ERROR, {"rule_name": name, "error": error, "at": now})


# --- storage ---------------------------------------------------------------------------------------------


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
            session.add(AlertRule(**spec.validate().columns()))
    session.add(Setting(key=DEFAULTS_FLAG, value={"rules": [r.name for r in DEFAULT_RULES]}))
    session.flush()
    return True


def save_rule(session: Session, rule: RuleInput, *, replace: bool) -> AlertRule:
    """Store a validated rule; one of that name is replaced when ``replace``, else refused."""
    row = session.scalars(select(AlertRule).where(AlertRule.name == rule.name)).first()
    if row is not None:
        if not replace:
            raise RuleError([{"loc": ["name"], "msg": f"a rule named {rule.name!r} exists"}])
        session.delete(row)
        session.flush()
    row = AlertRule(**rule.columns())
    session.add(row)
    session.flush()
    return row


def update_rule(session: Session, row: AlertRule, changes: Mapping[str, Any]) -> AlertRule:
    """Apply ``changes`` to a stored rule, the result validated as a whole; its last error is cleared.

    Turning a rule on or off alone is always allowed (a broken rule can be switched off).
    """
    if set(changes) <= {"enabled"}:
        row.enabled = bool(changes.get("enabled", row.enabled))
        session.flush()
        return row
    current = {
        "name": row.name,
        "kinds": row.kinds,
        "competitors": row.competitors,
        "min_importance": row.min_importance,
        "conditions": row.conditions,
        "channels": row.channels,
        "mode": row.mode,
        "enabled": row.enabled,
    }
    rule = validate_rule(session, {**current, **changes})
    for key, value in rule.columns().items():
        setattr(row, key, value)
    session.flush()
    return row


def add_rule(session: Session, spec: RuleSpec) -> AlertRule:
    """Add or replace the rule named ``spec.name``; its channels must exist."""
    return save_rule(session, validate_rule(session, spec.as_dict()), replace=True)


def remove_rule(session: Session, name: str) -> None:
    row = session.scalars(select(AlertRule).where(AlertRule.name == name)).first()
    if row is None:
        raise NotFoundError(f"no alert rule {name!r}; `veille alerts rules list` lists them")
    session.delete(row)


_ENABLED_RULES = (
    select(*AlertRule.__table__.c).where(AlertRule.enabled.is_(True)).order_by(AlertRule.name)
)  # built once: a watch routes events many times a cycle


_COMPILED: dict[str, LiveRule | BrokenRule] = {}  # a rule's columns (repr) -> the rule checked


def enabled_rules(session: Session) -> list[LiveRule | BrokenRule]:
    """The enabled rules by name, read and checked (a broken one comes as a ``BrokenRule``).

    A rule is checked once per content: a run reads them all (~10 us) instead of validating them
    again (~20 us a rule).
    """
    out = []
    for row in session.connection().execute(_ENABLED_RULES):
        key = repr(tuple(row))
        rule = _COMPILED.get(key)
        if rule is None:
            if len(_COMPILED) > 1000:
                _COMPILED.clear()
            rule = _COMPILED[key] = compile_rule(row)
        out.append(rule)
    return out
