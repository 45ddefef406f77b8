"""The web's batched reads of offers answer exactly what their one-by-one forms did, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from veille.store.db import Store
from veille.store.models import OfferVersion
from veille.web.data import offers

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _version(competitor: str, sku: str, region: str, day: int, price: str, current: bool) -> OfferVersion:
    return OfferVersion(
        source_id=f"{competitor}.catalog", competitor=competitor, sku=sku, region=region, billing="on_demand",
        valid_from=T0 + timedelta(days=day, hours=12 * (region == "r2")),  # no two versions of a sku at once
        valid_to=None if current else T0 + timedelta(days=day + 1),
        name=sku.upper(), category="vps", unit="hour", currency="EUR", price_monthly=Decimal(price),
        monthly_eur=Decimal(price), extra={}, content_hash=f"{competitor}{sku}{region}{day}",
    )  # fmt: skip


def _seed(store: Store) -> None:
    with store.session() as session:
        for competitor in ("hetzner", "aws"):
            for sku in ("a", "b"):
                for region in ("r1", "r2"):
                    for day in range(6):
                        price = f"{10 + day}.{len(sku + region)}"
                        session.add(_version(competitor, sku, region, day, price, current=day == 5))
        session.commit()


def test_histories_match_history_key_by_key(any_store: Store) -> None:
    _seed(any_store)
    keys = [("hetzner", "a", "r1"), ("hetzner", "a", None), ("aws", "b", "r2"), ("aws", "missing", None)]
    with any_store.session() as session:
        for limit in (3, 100):
            batched = offers.histories(session, keys, limit=limit)
            assert list(batched) == keys
            for competitor, sku, region in keys:
                alone = offers.history(session, competitor, sku, region, limit=limit)
                got = batched[(competitor, sku, region)]
                assert [r.id for r in got] == [r.id for r in alone]
                assert [(r.valid_from, r.price_monthly) for r in got] == [
                    (r.valid_from, r.price_monthly) for r in alone
                ]
        assert offers.histories(session, []) == {}


def test_current_offers_page_filtered_by_competitor(any_store: Store) -> None:
    _seed(any_store)
    with any_store.session() as session:
        first = offers.page(session, competitor="aws", limit=3)
        rest = offers.page(session, competitor="aws", limit=3, cursor=first.next_cursor)
        ids = [r.id for r in first.items + rest.items]
        assert len(ids) == 4 and ids == sorted(ids, reverse=True) and rest.next_cursor is None
        assert {(r.competitor, r.valid_to) for r in first.items + rest.items} == {("aws", None)}
        everything = offers.page(session, current=False, competitor="aws", limit=500).items
        assert len(everything) == 24
