"""Alert rules: which events match, and the defaults of the seed's table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from veille.act.rules import (
    DEFAULT_RULES,
    RuleSpec,
    add_rule,
    conditions_hold,
    ensure_defaults,
    matches,
    remove_rule,
)
from veille.errors import ValidationError
from veille.store.db import Store
from veille.store.models import AlertRule, Channel

from .conftest import event_row

RULES = {r.name: r for r in DEFAULT_RULES}


@pytest.mark.parametrize(
    ("pct", "expected"), [("5", True), ("-7.25", True), ("4.99", False), ("-4.9", False), (None, False)]
)
def test_price_rule_fires_over_five_percent_either_way(pct: str | None, expected: bool) -> None:
    data = {} if pct is None else {"pct": pct}
    assert matches(RULES["prices"], event_row("price_change", **data)) is expected


@pytest.mark.parametrize(
    ("impact", "expected"), [("minor", False), ("major", True), ("critical", True), ("none", False)]
)
def test_incident_rule_wants_major_impact(impact: str, expected: bool) -> None:
    assert matches(RULES["incidents-major"], event_row("incident", impact=impact)) is expected


def test_incident_rule_ignores_other_kinds() -> None:
    assert not matches(RULES["incidents-major"], event_row("incident_resolved", impact="critical"))


def test_any_funding_round_alerts() -> None:
    assert matches(RULES["funding"], event_row("funding", importance="low"))


def test_source_health_after_three_failures_or_a_changed_shape() -> None:
    rule = RULES["source-health"]
    assert not matches(rule, event_row("source_failure", consecutive_failures=2))
    assert matches(rule, event_row("source_failure", consecutive_failures=3))
    assert matches(rule, event_row("source_failure", consecutive_failures=1, reason="shape"))
    assert not matches(rule, event_row("source_failure"))
    assert rule.channels == ("ops",)


def test_competitor_and_importance_filters() -> None:
    rule = RuleSpec("x", kinds=("mention",), competitors=("ovhcloud",), min_importance="medium")
    assert matches(rule, event_row("mention", competitor="ovhcloud", importance="high"))
    assert not matches(rule, event_row("mention", competitor="ovhcloud", importance="low"))
    assert not matches(rule, event_row("mention", competitor="scaleway", importance="high"))


def test_conditions_refuse_garbage_numbers() -> None:
    assert not conditions_hold({"min_change_pct": "5"}, {"pct": "n/a"})


def test_features_and_hiring_go_to_the_monthly_digest() -> None:
    assert RULES["features"].mode == "monthly" and RULES["hiring"].mode == "monthly"


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown event kind"):
        RuleSpec("x", kinds=("pricechange",)).validate()
    with pytest.raises(ValidationError, match="min_impact"):
        RuleSpec("x", conditions={"min_impact": "huge"}).validate()
    with pytest.raises(ValidationError, match="unknown condition"):
        RuleSpec("x", conditions={"pct": 3}).validate()


def test_defaults_are_created_once_and_removals_stick(any_store: Store) -> None:
    with any_store.session() as session:
        assert ensure_defaults(session) is True
    with any_store.session() as session:
        remove_rule(session, "hiring")
    with any_store.session() as session:
        assert ensure_defaults(session) is False
        names = set(session.scalars(select(AlertRule.name)))
        assert "hiring" not in names and "prices" in names
        assert {c.name for c in session.query(Channel)} == {"file", "ops"}


def test_add_rule_needs_known_channels(any_store: Store) -> None:
    with any_store.session() as session:
        ensure_defaults(session)
        with pytest.raises(ValidationError, match="channels: no channel slack"):
            add_rule(session, RuleSpec("mine", kinds=("mention",), channels=("slack",)))
        add_rule(session, RuleSpec("prices", kinds=("price_change",), conditions={"min_change_pct": "10"}))
    with any_store.session() as session:
        row = session.query(AlertRule).filter_by(name="prices").one()
        assert row.conditions == {"min_change_pct": "10"}
