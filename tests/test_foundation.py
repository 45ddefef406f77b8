"""The package, its command, the workspace and the store on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from veille.store.db import Store, migrate
from veille.store.models import FxRateRow, KbRevision


def test_init_twice_changes_nothing(cli, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    code, out, _ = cli("--home", str(home), "init")
    assert code == 0 and "migrated" in out
    code, out, _ = cli("--home", str(home), "init")
    assert code == 0 and "up to date" in out
    assert (home / "veille.db").exists()


def test_command_without_workspace_fails_with_one_line(cli, tmp_path: Path) -> None:
    code, _, err = cli("--home", str(tmp_path / "nowhere"), "events")
    assert code in (1, 2)
    assert "Traceback" not in err


def test_usage_error_exits_2(cli) -> None:
    code, _, _ = cli("no-such-command")
    assert code == 2


def test_decimal_and_time_round_trip(any_store: Store) -> None:
    when = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    with any_store.session() as s:
        s.add(FxRateRow(day="2026-11-26", currency="USD", rate=Decimal("1.0523"), source="ecb"))
        s.add(KbRevision(created_at=when, author="t", message="m", data={"a": "1"}, digest="x"))
    with any_store.session() as s:
        rate = s.scalar(select(FxRateRow.rate))
        rev = s.scalars(select(KbRevision)).one()
    assert rate == Decimal("1.0523") and isinstance(rate, Decimal)
    assert rev.created_at == when and rev.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("given", "text"), [("640", "640"), ("100.000", "100"), ("3.79", "3.79"), ("0.0000001", "0.0000001")]
)
def test_decimals_read_back_without_exponent_or_padding(any_store: Store, given: str, text: str) -> None:
    """Integers come back without places (not ``6.4E+2``); PostgreSQL's NUMERIC(28, 10) padding goes."""
    with any_store.session() as s:
        s.add(FxRateRow(day="2026-11-26", currency="USD", rate=Decimal(given), source="ecb"))
    with any_store.session() as s:
        rate = s.scalar(select(FxRateRow.rate))
    assert rate == Decimal(given) and format(rate, "f") == text
    if "." not in text:
        assert str(rate) == text


def test_migrate_is_idempotent(any_store: Store) -> None:
    assert migrate(any_store.engine) is False


def test_schema_head_constant_matches_the_migrations() -> None:
    from veille.store.db import SCHEMA_HEAD, schema_head

    assert schema_head() == SCHEMA_HEAD
