"""ECB reference rates (XML and SDMX-JSON) and the eu-cloud-prices dataset."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from veille.errors import ParseError
from veille.observations import FxRate


def test_ecb_daily_real(parse, reference) -> None:
    rates = parse("ecb.daily", reference / "pricing/ecb_eurofxref-daily.xml")
    assert len(rates) == 32 and all(isinstance(r, FxRate) and r.base == "EUR" for r in rates)
    by = {r.currency: r for r in rates}
    assert by["USD"].rate == Decimal("1.1585") and by["USD"].date == date(2018, 9, 12)
    assert by["CZK"].rate == Decimal("25.590") and by["CHF"].rate == Decimal("1.1277")


def test_ecb_history_fixture(parse, fixtures) -> None:
    rates = parse("ecb.daily", fixtures / "ecb/eurofxref-hist-90d.xml")
    assert {(r.currency, r.date): r.rate for r in rates}[("GBP", date(2026, 11, 24))] == Decimal("0.83245")
    assert len(rates) == 6


def test_ecb_sdmx_real_and_fixture(parse, reference, fixtures) -> None:
    rates = {r.currency: r for r in parse("ecb.sdmx", reference / "pricing/ecb_data_api_exr_jsondata.json")}
    assert rates["USD"].rate == Decimal("1.1534") and rates["USD"].date == date(2026, 8, 13)
    assert rates["CHF"].rate == Decimal("0.9373") and len(rates) == 8
    mine = parse("ecb.sdmx", fixtures / "ecb/exr_sdmx_jsondata.json")
    assert len(mine) == 5  # the null GBP observation is skipped
    assert {(r.currency, r.date): r.rate for r in mine}[("CHF", date(2026, 11, 25))] == Decimal("0.9321")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<html><body>Service unavailable</body></html>", "Envelope"),
        (
            b'<?xml version="1.0"?><gesmes:Envelope xmlns:gesmes="g"><Cube><Cube time="2026-1',
            "not well-formed",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
            "unsafe XML",
        ),
        (
            b'<Envelope><Cube><Cube time="2026-11-25"><Cube currency="USD" rate="-1"/></Cube></Cube></Envelope>',
            "positive",
        ),
        (
            b'<Envelope><Cube><Cube time="2026-11-25"><Cube currency="USD" rate="abc"/></Cube></Cube></Envelope>',
            "not a number",
        ),
        (b"<Envelope><Cube/></Envelope>", "no Cube"),
    ],
)
def test_ecb_daily_bad_input(parse, body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse("ecb.daily", body)


def test_dataset_real_files(parse, reference) -> None:
    contabo = parse("eucloudprices.dataset", reference / "pricing/contabo_eu-cloud-prices_dataset.json")
    vps10 = next(o for o in contabo if o.sku == "cloud-vps-10")
    assert (vps10.competitor, vps10.price_monthly, vps10.vcpu, vps10.ram_gb, vps10.unit) == (
        "contabo",
        Decimal("4.4"),
        4,
        8,
        "month",
    )
    assert vps10.extra["manual"] is True and vps10.extra["dataset_fetched_at"] == "2026-06-15T00:00:00.000Z"
    assert {o.category for o in contabo} == {"vps", "block_storage", "object_storage"}
    hostinger = parse("eucloudprices.dataset", reference / "pricing/hostinger_eu-cloud-prices_dataset.json")
    kvm1 = [o for o in hostinger if o.sku == "kvm-1"]
    assert {(o.billing, o.price_monthly) for o in kvm1} == {
        ("promo", Decimal("5.49")),
        ("on_demand", Decimal("11.99")),
    }
    infomaniak = parse("eucloudprices.dataset", reference / "pricing/infomaniak_eu-cloud-prices_dataset.json")
    gpus = [o for o in infomaniak if o.category == "gpu"]
    assert len(gpus) == 10 and {o.gpu_model for o in gpus} == {"NVIDIA A2 16GB", "NVIDIA T4 16GB"}
    a2 = next(o for o in infomaniak if o.sku == "a2-ram4-disk0")
    assert (a2.price_hourly, a2.price_monthly, a2.region, a2.unit, a2.disk_gb) == (
        Decimal("0.00725"),
        Decimal("5.29"),
        "ch-gva",
        "hour",
        None,
    )
    perf1 = next(o for o in infomaniak if o.sku == "block_storage.perf1")
    assert (perf1.unit, perf1.price_monthly, perf1.extra["per_tb_month"]) == (
        "GB-month",
        Decimal("0.08"),
        "80",
    )


def test_dataset_fixture_gpu_instances(parse, fixtures) -> None:
    offers = parse("eucloudprices.dataset", fixtures / "eucloudprices/gpu_and_tiers.json")
    l4 = next(o for o in offers if o.sku == "nvl4-a16-ram64")
    assert (l4.gpu_model, l4.gpu_count, l4.price_monthly, l4.category) == (
        "NVIDIA L4 24GB",
        1,
        Decimal("796.58"),
        "gpu",
    )
    assert {o.sku for o in offers if o.category == "block_storage"} == {
        "block_storage.perf1",
        "block_storage.perf3",
    }


def test_dataset_needs_the_provider_and_instances(parse) -> None:
    with pytest.raises(ParseError, match="provider"):
        parse("eucloudprices.dataset", b'{"instances": []}')
    with pytest.raises(ParseError, match="no instances"):
        parse("eucloudprices.dataset", b'{"provider": "contabo", "instances": []}')
    with pytest.raises(ParseError, match="price_monthly"):
        parse(
            "eucloudprices.dataset",
            b'{"provider": "contabo", "instances": [{"id": "x", "currency": "EUR", "vcpu": 1, "ram_gb": 1}]}',
        )
