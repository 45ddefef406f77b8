"""The bulk insert of offer versions stores exactly what the ORM reads back, on SQLite and PostgreSQL.

Batches of 100 rows or more are written on SQLite with the columns of one value as SQL literals: quotes,
nulls, integers and the exponents of decimals must come back as they were given. PostgreSQL gets them by
COPY in text format, whose escapes (tabs, newlines, backslashes) must not show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from veille.detect.prices import OfferSnapshot, content_digest
from veille.ingest import IngestContext
from veille.observations import Offer
from veille.settings import Settings
from veille.sources._registry import SourceSpec
from veille.store.db import Store
from veille.store.models import OfferVersion, SourceRun

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SPEC = SourceSpec(
    id="toy.o'quote", competitor="o'reilly", kind="prices", parser="toy", url="https://x.test/",
    cadence=timedelta(days=1),
)  # fmt: skip


def offers(count: int) -> list[Offer]:
    return [
        Offer(
            competitor="o'reilly",
            sku=f"box-{i}",
            name="L'offre « été »",  # the same in every row: a literal with a quote and non-ASCII text
            category="vps",
            currency="EUR",
            price_hourly=Decimal("1.50") if i % 2 else Decimal("0.0100"),
            price_monthly=None,
            vcpu=Decimal(2),
            ram_gb=Decimal("0.5") if i % 2 else Decimal("1E+1"),  # no exponent in the stored text
            disk_gb=Decimal("1E-7") if i % 2 else None,
            region="fr-par" if i % 3 else None,
            extra={"note": "c'est ça\t\\N\n", "i": i},  # COPY's text format escapes tabs, \\N, newlines
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [3, 150])
def test_versions_read_back_as_written(any_store: Store, tmp_path: object, count: int) -> None:
    settings = Settings(home=tmp_path, database_url=any_store.url)  # type: ignore[arg-type]
    given = offers(count)
    with any_store.session() as s:
        run = SourceRun(source_id=SPEC.id, started_at=NOW, status="running", observations=0, events=0)
        s.add(run)
        s.flush()
        snapshot = OfferSnapshot(IngestContext(s, SPEC, run.id, NOW, settings, [], SPEC.url))
        snapshot.add_all(given)
        snapshot.finish()
        run_id = run.id
    with any_store.session() as s:
        rows = {v.sku: v for v in s.scalars(select(OfferVersion))}
        if any_store.url.startswith("sqlite"):  # decimals are text there, never in exponent notation
            texts = {tuple(r) for r in s.execute(text("SELECT ram_gb, disk_gb FROM offer_versions"))}
            assert texts == {("0.5", "0.0000001"), ("10", None)}
    assert len(rows) == count
    for offer in given:
        v = rows[offer.sku]
        assert (v.source_id, v.competitor, v.name, v.category, v.currency, v.unit, v.billing) == (
            "toy.o'quote", "o'reilly", "L'offre « été »", "vps", "EUR", "hour", "on_demand"
        )  # fmt: skip
        assert v.region == (offer.region or "")
        assert v.price_hourly == offer.price_hourly
        if any_store.url.startswith("sqlite"):  # text there: "1.50" and "0.0100" keep their exponent
            assert str(v.price_hourly) == str(offer.price_hourly)
        assert v.price_monthly is None and v.gpu_model is None
        assert (v.vcpu, v.ram_gb, v.disk_gb) == (Decimal(2), offer.ram_gb, offer.disk_gb)
        assert v.monthly_eur == Decimal(730) * Decimal(offer.price_hourly or 0)
        assert (v.fx_rate, v.fx_date) == (Decimal(1), "2026-11-26")
        assert (v.valid_from, v.valid_to, v.held, v.run_id, v.capture_id) == (NOW, None, False, run_id, None)
        assert v.extra == {"note": "c'est ça\t\\N\n", "i": offer.extra["i"]}
        assert v.content_hash == f"{content_digest(offer):016x}"


@pytest.mark.parametrize(
    ("offer", "stored"),
    [
        (
            Offer(competitor="hetzner", sku="cx22", name="CX22", category="vps", currency="EUR",
                  price_hourly=Decimal("0.0060"), price_monthly=Decimal("3.79"), vcpu=Decimal(2),
                  ram_gb=Decimal("4"), disk_gb=Decimal("40"), arch="x86_64", region="fsn1"),
            "6eed04d4d82c642a",
        ),
        (
            Offer(competitor="azure", sku="Standard_NC24ads_A100_v4", name="NC24ads A100 v4", category="gpu",
                  currency="USD", price_hourly=Decimal("3.673"), price_monthly=None, vcpu=Decimal(24),
                  ram_gb=Decimal("220"), gpu_model="NVIDIA A100 80GB", gpu_count=Decimal(1),
                  gpu_memory_gb=Decimal(80), arch="x86_64", billing="spot"),
            "d8d8e742e6fc412e",
        ),
    ],
)  # fmt: skip
def test_content_digest_matches_the_hashes_stored_by_earlier_versions(offer: Offer, stored: str) -> None:
    # a different digest would write a new version of every stored offer on the next run
    assert f"{content_digest(offer):016x}" == stored
