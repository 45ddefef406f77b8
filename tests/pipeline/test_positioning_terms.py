"""Which terms positioning compares: on demand without commitment, else the shortest commitment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from veille.analysis import positioning as pos
from veille.kb.store import load_bundled
from veille.store.db import Store
from veille.store.models import OfferVersion

AT = datetime(2030, 6, 1, 12, tzinfo=UTC)


def _vps(competitor: str, sku: str, billing: str, price: str, months: int | None = None) -> OfferVersion:
    return OfferVersion(
        source_id=f"{competitor}.test",
        competitor=competitor,
        sku=sku,
        region="",
        billing=billing,
        valid_from=AT - timedelta(days=1),
        valid_to=None,
        name=sku.upper(),
        category="vps",
        vcpu=Decimal(2),
        ram_gb=Decimal(4),
        unit="month",
        currency="EUR",
        price_monthly=Decimal(price),
        held=False,
        extra={"commitment_months": months} if months else {},
        content_hash=sku,
    )


def _rows(store: Store, terms: str = "on_demand") -> dict[tuple[str, str], dict[str, Any]]:
    with store.session() as session:
        document = pos.positioning(session, at=AT, terms=terms)
    return {(r["competitor"], r["billing"]): r for r in document["rows"] if r["product"] == "vps-entry"}


def test_on_demand_first_then_the_shortest_commitment(any_store: Store) -> None:
    load_bundled(any_store)
    with any_store.session() as session:
        session.add_all(
            [
                _vps("ovhcloud", "hgr-6", "reserved", "12", months=6),  # sold only on commitment
                _vps("hetzner", "cx22", "on_demand", "5"),
                _vps("hetzner", "cx22-12m", "reserved", "4", months=12),
                _vps("hetzner", "cx22-spot", "spot", "2"),
            ]
        )
    rows = _rows(any_store)
    ovh = rows[("ovhcloud", "reserved")]
    assert ovh["compared"] and ovh["terms"] == {"billing": "reserved", "commitment_months": 6}
    assert ("ovhcloud", "on_demand") not in rows  # no analysis figure beside the committed offer
    assert rows[("hetzner", "on_demand")]["compared"]
    assert rows[("hetzner", "on_demand")]["terms"] == {"billing": "on_demand", "commitment_months": None}
    assert not rows[("hetzner", "reserved")]["compared"] and not rows[("hetzner", "spot")]["compared"]
    assert sum(r["compared"] for r in rows.values() if r["competitor"] == "hetzner") == 1

    rows = _rows(any_store, terms="reserved")
    assert rows[("hetzner", "reserved")]["compared"] and not rows[("hetzner", "on_demand")]["compared"]
    assert rows[("hetzner", "reserved")]["monthly_eur"] == "4.00"


def test_unknown_terms_are_refused(any_store: Store, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    load_bundled(any_store)
    with any_store.session() as session, pytest.raises(ValueError, match="terms must be one of"):
        pos.positioning(session, at=AT, terms="forever")
    assert cli("--home", tmp_path / "ws", "init")[0] == 0
    code, _, err = cli("--home", tmp_path / "ws", "positioning", "--terms", "forever")
    assert code == 2 and "forever" in err and "Traceback" not in err
